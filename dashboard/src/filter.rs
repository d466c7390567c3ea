//! The Act page's export filter: which responses a CSV or NDJSON export holds. It is kept in
//! the page's address after a `?` (`#/sites/S/surveys/V/act?from=2025-11-01&store=gangnam-01`),
//! so a link or a reload keeps it, and it is written as the export API's query
//! (`collector::export::ExportQuery::parse`): `from`, `to`, `store`, `channel`,
//! `journey_stage`.
//!
//! Dates are days in the browser's time zone, both included: the page turns `from` into that
//! day's local midnight and `to` into the next day's (the API's `to` is exclusive), as
//! milliseconds, so the export holds exactly the days the manager picked.

/// The channels and journey stages as the API writes them, in the order the page lists them.
pub(crate) const CHANNELS: [&str; 4] = ["web", "kiosk", "receipt", "app"];
pub(crate) const STAGES: [&str; 3] = ["pre_purchase", "purchase", "post_purchase"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ExportFilter {
    /// `YYYY-MM-DD`, as a date input gives it; empty: no bound.
    pub from: String,
    pub to: String,
    /// Store ids as typed, separated by commas.
    pub stores: String,
    /// Any of these; none: all.
    pub channels: Vec<&'static str>,
    pub stages: Vec<&'static str>,
}

/// A civil date, `YYYY-MM-DD`.
pub(crate) fn ymd(text: &str) -> Option<(i32, u32, u32)> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = text[..4].parse().ok()?;
    let month = text[5..7].parse().ok().filter(|m| (1..=12).contains(m))?;
    let day = text[8..].parse().ok().filter(|d| (1..=31).contains(d))?;
    Some((year, month, day))
}

impl ExportFilter {
    /// Reads the part of the address after `?`; what it does not know is left out.
    pub(crate) fn parse(query: &str) -> ExportFilter {
        let mut filter = ExportFilter::default();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            let known = |names: &[&'static str]| -> Vec<&'static str> {
                let wanted: Vec<&str> = value.split(',').map(str::trim).collect();
                names
                    .iter()
                    .copied()
                    .filter(|n| wanted.contains(n))
                    .collect()
            };
            match name {
                "from" if ymd(&value).is_some() => filter.from = value,
                "to" if ymd(&value).is_some() => filter.to = value,
                "store" => filter.stores = value,
                "channel" => filter.channels = known(&CHANNELS),
                "journey_stage" => filter.stages = known(&STAGES),
                _ => {}
            }
        }
        filter
    }

    /// The store ids typed, without blanks.
    pub(crate) fn store_list(&self) -> Vec<&str> {
        self.stores
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.from.is_empty()
            && self.to.is_empty()
            && self.store_list().is_empty()
            && self.channels.is_empty()
            && self.stages.is_empty()
    }

    /// The filter as the address keeps it, without the `?`; empty for no filter.
    pub(crate) fn to_query(&self) -> String {
        let mut pairs = Vec::new();
        if !self.from.is_empty() {
            pairs.push(format!("from={}", self.from));
        }
        if !self.to.is_empty() {
            pairs.push(format!("to={}", self.to));
        }
        let stores = self.store_list();
        if !stores.is_empty() {
            pairs.push(format!("store={}", encode(&stores.join(","))));
        }
        if !self.channels.is_empty() {
            pairs.push(format!("channel={}", self.channels.join(",")));
        }
        if !self.stages.is_empty() {
            pairs.push(format!("journey_stage={}", self.stages.join(",")));
        }
        pairs.join("&")
    }

    /// The export API's query for this filter, after `format` and `survey`: `from` and `to`
    /// as milliseconds, which `millis` gives for a date's local midnight (the day after `to`
    /// for `to`). A date it cannot place is left to the API, which names it.
    pub(crate) fn api_query(&self, millis: impl Fn(&str, bool) -> Option<i64>) -> String {
        let mut query = String::new();
        for (param, date, after) in [("from", &self.from, false), ("to", &self.to, true)] {
            if date.is_empty() {
                continue;
            }
            let value = millis(date, after).map_or_else(|| encode(date), |ms| ms.to_string());
            query.push_str(&format!("&{param}={value}"));
        }
        let stores = self.store_list();
        if !stores.is_empty() {
            query.push_str(&format!("&store={}", encode(&stores.join(","))));
        }
        if !self.channels.is_empty() {
            query.push_str(&format!("&channel={}", self.channels.join(",")));
        }
        if !self.stages.is_empty() {
            query.push_str(&format!("&journey_stage={}", self.stages.join(",")));
        }
        query
    }

    /// A name for the file: `demo-shop-web-nps-2025-11-01-2025-11-07-gangnam-01.csv`.
    pub(crate) fn file_stem(&self, site: &str, survey: &str) -> String {
        let mut stem = format!("{site}-{survey}");
        for part in [self.from.as_str(), self.to.as_str()] {
            if !part.is_empty() {
                stem.push('-');
                stem.push_str(part);
            }
        }
        for store in self.store_list() {
            let plain: String = store
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                .collect();
            stem.push('-');
            stem.push_str(&plain);
        }
        stem
    }
}

/// Toggles `value` in a list kept in the order of `all`.
pub(crate) fn toggle(
    list: &[&'static str],
    value: &'static str,
    all: &[&'static str],
) -> Vec<&'static str> {
    all.iter()
        .copied()
        .filter(|v| (*v == value) != list.contains(v))
        .collect()
}

fn encode(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::encode_uri_component(text).into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.replace('%', "%25")
            .replace(',', "%2C")
            .replace(' ', "%20")
    }
}

fn decode(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::decode_uri_component(text)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| text.to_owned())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.replace("%2C", ",")
            .replace("%20", " ")
            .replace("%25", "%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(date: &str, after: bool) -> Option<i64> {
        // A stand-in for the browser: days since 2025-11-01, in thousands.
        let (_, _, day) = ymd(date)?;
        Some(i64::from(day) * 1000 + if after { 1000 } else { 0 })
    }

    #[test]
    fn the_address_keeps_the_filter() {
        let filter = ExportFilter {
            from: "2025-11-01".into(),
            to: "2025-11-07".into(),
            stores: " gangnam-01, ,hongdae-02 ".into(),
            channels: vec!["web", "app"],
            stages: vec!["post_purchase"],
        };
        let query = filter.to_query();
        assert_eq!(
            query,
            "from=2025-11-01&to=2025-11-07&store=gangnam-01%2Chongdae-02&channel=web,app&journey_stage=post_purchase"
        );
        let back = ExportFilter::parse(&query);
        assert_eq!(back.store_list(), ["gangnam-01", "hongdae-02"]);
        assert_eq!(back.to_query(), query);
        assert_eq!(ExportFilter::default().to_query(), "");
        assert!(ExportFilter::parse("").is_empty());
        assert!(ExportFilter::parse("store=%20,").is_empty());
    }

    #[test]
    fn what_the_address_cannot_mean_is_left_out() {
        let f = ExportFilter::parse(
            "from=yesterday&to=2025-13-01&channel=web,fax&journey_stage=x&other=1",
        );
        assert_eq!(
            f,
            ExportFilter {
                channels: vec!["web"],
                ..ExportFilter::default()
            }
        );
    }

    #[test]
    fn the_export_query_makes_to_exclusive_and_lists_with_commas() {
        let filter = ExportFilter {
            from: "2025-11-01".into(),
            to: "2025-11-07".into(),
            stores: "gangnam-01".into(),
            channels: vec!["kiosk"],
            stages: vec![],
        };
        assert_eq!(
            filter.api_query(millis),
            "&from=1000&to=8000&store=gangnam-01&channel=kiosk"
        );
        assert_eq!(ExportFilter::default().api_query(millis), "");
        assert_eq!(
            filter.file_stem("demo-shop", "web-nps"),
            "demo-shop-web-nps-2025-11-01-2025-11-07-gangnam-01"
        );
    }

    #[test]
    fn toggling_keeps_the_listed_order() {
        assert_eq!(toggle(&["app"], "web", &CHANNELS), ["web", "app"]);
        assert_eq!(toggle(&["web", "app"], "web", &CHANNELS), ["app"]);
    }
}
