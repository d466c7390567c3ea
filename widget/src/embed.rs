//! The embedding options, read from the script tag by the loader and validated here.

use shared::ids::{KioskId, Locale, SiteId, StoreId};
use shared::response::Channel;

/// What the loader passes to `boot`, straight from the `<script>` tag's `data-*` attributes.
#[derive(Debug)]
pub(crate) struct RawEmbed {
    site: Option<String>,
    collector: String,
    locale: Option<String>,
    channel: Option<String>,
    store: Option<String>,
    kiosk: Option<String>,
    placement: Option<String>,
    mode: Option<String>,
    /// Set by [`RawEmbed::for_receipt`], never by an attribute.
    receipt: Option<String>,
}

impl RawEmbed {
    /// Reads the loader's options object: eight strings, each absent or not a string when
    /// the attribute is missing. Read field by field rather than through a serde derive,
    /// which cost the bundle about 1 KB for this flat object.
    pub(crate) fn from_js(options: &wasm_bindgen::JsValue) -> Result<Self, String> {
        let text = |name: &str| {
            js_sys::Reflect::get(options, &wasm_bindgen::JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
        };
        Ok(Self {
            site: text("site"),
            collector: text("collector").ok_or("the loader gave no collector")?,
            locale: text("locale"),
            channel: text("channel"),
            store: text("store"),
            kiosk: text("kiosk"),
            placement: text("placement"),
            mode: text("mode"),
            receipt: None,
        })
    }

    /// `data-mode`: `site` (the default) or `receipt`. A receipt page names no site, channel or
    /// store: the receipt does. It shows its one survey inline, at once, and nothing else.
    pub(crate) fn receipt_mode(&self) -> Result<bool, String> {
        match self.mode.as_deref() {
            None | Some("") | Some("site") => Ok(false),
            // One message for every misuse: each string is bytes in the bundle.
            Some("receipt")
                if self.site.is_none()
                    && self.store.is_none()
                    && self.kiosk.is_none()
                    && matches!(self.channel.as_deref(), None | Some("receipt"))
                    && self
                        .placement
                        .as_deref()
                        .is_some_and(|p| p.trim().starts_with("inline:")) =>
            {
                Ok(true)
            }
            Some("receipt") => Err("data-mode=\"receipt\" takes data-placement=\"inline:SELECTOR\", and no data-site, data-store, data-kiosk or data-channel: the receipt names them".into()),
            Some(other) => Err(format!("data-mode: \"{other}\" is not site or receipt")),
        }
    }

    /// The embedding options of a receipt page, once the receipt has named its site and the
    /// path its one response goes to.
    #[cfg(feature = "receipt")]
    pub(crate) fn for_receipt(mut self, site: String, responses: String) -> Self {
        self.site = Some(site);
        self.channel = Some("receipt".into());
        self.receipt = Some(responses);
        self
    }

    #[cfg(feature = "receipt")]
    pub(crate) fn collector(&self) -> &str {
        self.collector.trim_end_matches('/')
    }
}

/// Where the survey appears: `data-placement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A card in the bottom-right corner (the default), or bottom-left.
    Corner { left: bool },
    /// A dialog in the middle of the screen, over a dimmed page.
    Center,
    /// Inside the host page's element matching this CSS selector (`inline:#feedback`).
    Inline(String),
}

/// Validated embedding options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Embed {
    pub site: SiteId,
    /// The collector's origin, where the loader came from.
    pub collector: String,
    pub locale: Locale,
    pub channel: Channel,
    pub store: Option<StoreId>,
    pub kiosk: Option<KioskId>,
    pub placement: Placement,
    /// Receipt mode: the path of the receipt's responses (`/v1/receipts/{token}/responses`).
    pub receipt: Option<String>,
}

impl RawEmbed {
    /// Checks every attribute; a bad one is reported by name, and the widget does not start.
    pub(crate) fn parse(self) -> Result<Embed, String> {
        let site = self.site.ok_or("data-site is missing")?;
        let site = SiteId::parse(site).map_err(|e| format!("data-site: {e}"))?;
        // A browser language like "ko-KR"; anything unreadable falls back to English.
        let locale = self
            .locale
            .and_then(|l| Locale::parse(&l).ok())
            .unwrap_or_else(Locale::english);
        let channel = match self.channel.as_deref() {
            None | Some("") | Some("web") => Channel::Web,
            Some("kiosk") => Channel::Kiosk,
            Some("receipt") => Channel::Receipt,
            Some("app") => Channel::App,
            Some(other) => {
                return Err(format!(
                    "data-channel: \"{other}\" is not web, kiosk, receipt or app"
                ));
            }
        };
        let store = self
            .store
            .map(StoreId::parse)
            .transpose()
            .map_err(|e| format!("data-store: {e}"))?;
        let kiosk = self
            .kiosk
            .map(KioskId::parse)
            .transpose()
            .map_err(|e| format!("data-kiosk: {e}"))?;
        let placement = match self.placement.as_deref().map(str::trim) {
            None | Some("") | Some("bottom-right") => Placement::Corner { left: false },
            Some("bottom-left") => Placement::Corner { left: true },
            Some("center") => Placement::Center,
            Some(other) => match other.strip_prefix("inline:") {
                Some(selector) if !selector.trim().is_empty() => {
                    Placement::Inline(selector.trim().to_owned())
                }
                _ => {
                    return Err(format!(
                        "data-placement: \"{other}\" is not bottom-right, bottom-left, center or inline:SELECTOR"
                    ));
                }
            },
        };
        Ok(Embed {
            site,
            collector: self.collector.trim_end_matches('/').to_owned(),
            locale,
            channel,
            store,
            kiosk,
            placement,
            receipt: self.receipt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(mode: &str, site: Option<&str>, channel: Option<&str>, placement: &str) -> RawEmbed {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        RawEmbed {
            site: site.map(str::to_owned),
            collector: "https://collector.example/".into(),
            locale: Some("ko-KR".into()),
            channel: channel.map(str::to_owned),
            store: None,
            kiosk: None,
            placement: text(placement),
            mode: text(mode),
            receipt: None,
        }
    }

    #[test]
    fn data_mode_receipt_takes_an_inline_placement_and_no_site() {
        let check = |raw: RawEmbed, expected: Result<bool, ()>| {
            assert_eq!(raw.receipt_mode().map_err(|_| ()), expected);
        };
        check(raw("", Some("shop"), None, ""), Ok(false));
        check(raw("site", Some("shop"), None, ""), Ok(false));
        check(raw("receipt", None, None, "inline:#survey"), Ok(true));
        check(
            raw("receipt", None, Some("receipt"), " inline:#s"),
            Ok(true),
        );
        check(raw("receipt", Some("shop"), None, "inline:#s"), Err(()));
        check(raw("receipt", None, Some("web"), "inline:#s"), Err(()));
        check(raw("receipt", None, None, "center"), Err(()));
        check(raw("receipt", None, None, ""), Err(()));
        check(raw("kiosk", Some("shop"), None, ""), Err(()));
    }

    #[cfg(feature = "receipt")]
    #[test]
    fn a_receipt_names_the_site_the_channel_and_where_the_answer_goes() {
        let embed = raw("receipt", None, None, "inline:#survey")
            .for_receipt("demo-shop".into(), "/v1/receipts/t/responses".into())
            .parse()
            .unwrap();
        assert_eq!(embed.site.as_str(), "demo-shop");
        assert_eq!(embed.channel, Channel::Receipt);
        assert_eq!(embed.collector, "https://collector.example");
        assert_eq!(embed.receipt.as_deref(), Some("/v1/receipts/t/responses"));
        assert_eq!(embed.placement, Placement::Inline("#survey".into()));
    }
}
