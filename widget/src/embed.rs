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
}

impl RawEmbed {
    /// Reads the loader's options object: seven strings, each absent or not a string when
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
        })
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
        })
    }
}
