//! The dashboard's pages, kept in the address's fragment: `#/` (sites and surveys) and
//! `#/sites/{site}/surveys/{survey}` (one survey's results) and
//! `#/sites/{site}/surveys/{survey}/comments` (its open-text answers and their labels) and
//! `#/sites/{site}/surveys/{survey}/act` (its export, and the site's kiosks) and
//! `#/sites/{site}/surveys/{survey}/edit` (the editor on its next version) and
//! `#/sites/{site}/new` (the editor on a new survey). A page may keep its own state after a
//! `?` (the Act page's export filter, the comments' label): the route ignores it.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Surveys,
    Results {
        site: String,
        survey: String,
    },
    Comments {
        site: String,
        survey: String,
    },
    Act {
        site: String,
        survey: String,
    },
    /// The editor, on the next version of a survey.
    Edit {
        site: String,
        survey: String,
    },
    /// The editor, on a new survey of a site.
    New {
        site: String,
    },
}

impl Route {
    /// The page a fragment names; anything else is the survey list. A query after `?` is
    /// the page's own.
    pub(crate) fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#');
        let path = path
            .split_once('?')
            .map_or(path, |(p, _)| p)
            .trim_matches('/');
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["sites", site, "surveys", survey] if !site.is_empty() && !survey.is_empty() => {
                Route::Results {
                    site: decode(site),
                    survey: decode(survey),
                }
            }
            ["sites", site, "surveys", survey, "comments"]
                if !site.is_empty() && !survey.is_empty() =>
            {
                Route::Comments {
                    site: decode(site),
                    survey: decode(survey),
                }
            }
            ["sites", site, "surveys", survey, "act"] if !site.is_empty() && !survey.is_empty() => {
                Route::Act {
                    site: decode(site),
                    survey: decode(survey),
                }
            }
            ["sites", site, "surveys", survey, "edit"]
                if !site.is_empty() && !survey.is_empty() =>
            {
                Route::Edit {
                    site: decode(site),
                    survey: decode(survey),
                }
            }
            ["sites", site, "new"] if !site.is_empty() => Route::New { site: decode(site) },
            _ => Route::Surveys,
        }
    }

    pub(crate) fn hash(&self) -> String {
        match self {
            Route::Surveys => "#/".to_owned(),
            Route::Results { site, survey } => format!("#/sites/{site}/surveys/{survey}"),
            Route::Comments { site, survey } => {
                format!("#/sites/{site}/surveys/{survey}/comments")
            }
            Route::Act { site, survey } => format!("#/sites/{site}/surveys/{survey}/act"),
            Route::Edit { site, survey } => format!("#/sites/{site}/surveys/{survey}/edit"),
            Route::New { site } => format!("#/sites/{site}/new"),
        }
    }

    /// The page in the window's address now.
    pub(crate) fn current() -> Route {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        Route::parse(&hash)
    }
}

/// What the address's fragment holds after its `?`, without it; empty when nothing.
pub(crate) fn current_query() -> String {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    hash.split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default()
}

/// Writes `query` after the fragment's `?` (takes the `?` away when empty), replacing the
/// history entry: a page's filter is no page of its own for the Back button.
pub(crate) fn keep_query(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hash = window.location().hash().unwrap_or_default();
    let path = hash.split_once('?').map_or(hash.as_str(), |(p, _)| p);
    let next = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&next));
    }
}

/// The comments' `label` in a fragment's query (`label=late%20delivery`).
pub(crate) fn label_in(query: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("label="))
        .filter(|l| !l.is_empty())
        .map(decode)
}

/// Ids are plain (letters, digits, `-`, `_`), so only a typed `%xx` needs undoing.
fn decode(part: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::decode_uri_component(part)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| part.to_owned())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        part.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(hash: &str, expected: Route) {
        assert_eq!(Route::parse(hash), expected, "{hash}");
    }

    #[test]
    fn fragments_name_pages() {
        let results = Route::Results {
            site: "demo-shop".into(),
            survey: "web-nps".into(),
        };
        check("", Route::Surveys);
        check("#/", Route::Surveys);
        check("#/sites/demo-shop/surveys/web-nps", results.clone());
        check("#/sites/demo-shop/surveys/web-nps/", results.clone());
        check("#/sites//surveys/web-nps", Route::Surveys);
        check("#/elsewhere", Route::Surveys);
        assert_eq!(Route::parse(&results.hash()), results);
        let comments = Route::Comments {
            site: "demo-shop".into(),
            survey: "web-nps".into(),
        };
        check(
            "#/sites/demo-shop/surveys/web-nps/comments",
            comments.clone(),
        );
        check(
            "#/sites/demo-shop/surveys/web-nps/comments/",
            comments.clone(),
        );
        check("#/sites/demo-shop/surveys//comments", Route::Surveys);
        check(
            "#/sites/demo-shop/surveys/web-nps/comments?label=late",
            comments.clone(),
        );
        assert_eq!(label_in("label=late"), Some("late".into()));
        assert_eq!(label_in("from=1&label=late"), Some("late".into()));
        assert_eq!(label_in("label="), None);
        assert_eq!(label_in(""), None);
        assert_eq!(Route::parse(&comments.hash()), comments);
        let act = Route::Act {
            site: "demo-shop".into(),
            survey: "web-nps".into(),
        };
        check("#/sites/demo-shop/surveys/web-nps/act", act.clone());
        check("#/sites/demo-shop/surveys/web-nps/act/", act.clone());
        check("#/sites/demo-shop/surveys//act", Route::Surveys);
        check(
            "#/sites/demo-shop/surveys/web-nps/act?from=2025-11-01",
            act.clone(),
        );
        assert_eq!(Route::parse(&act.hash()), act);
        let edit = Route::Edit {
            site: "demo-shop".into(),
            survey: "web-nps".into(),
        };
        check("#/sites/demo-shop/surveys/web-nps/edit", edit.clone());
        assert_eq!(Route::parse(&edit.hash()), edit);
        let new = Route::New {
            site: "demo-shop".into(),
        };
        check("#/sites/demo-shop/new", new.clone());
        check("#/sites//new", Route::Surveys);
        assert_eq!(Route::parse(&new.hash()), new);
    }
}
