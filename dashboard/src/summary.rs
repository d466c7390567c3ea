//! A survey's summary as `GET …/surveys/{survey}/summary` answers it (only what the dashboard
//! shows), and which figure is a survey's headline score.

use serde::Deserialize;
use shared::survey::{QuestionKind, Survey};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Summary {
    pub total: Group,
    #[serde(default)]
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Group {
    /// The value of `group_by` (`null`: none, such as no store); absent without `group_by`.
    #[serde(default)]
    pub key: Option<String>,
    /// The period's first day, `2025-11-23T00:00:00+09:00`, with `interval`.
    #[serde(default)]
    pub period_start: Option<String>,
    pub responses: u64,
    pub displays: u64,
    pub dismissals: u64,
    pub response_rate: Option<f64>,
    pub below_minimum: bool,
    pub questions: Vec<Figures>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Figures {
    pub id: String,
    pub answered: u64,
    #[serde(default)]
    pub distribution: Distribution,
    #[serde(default)]
    pub nps: Option<Nps>,
    #[serde(default)]
    pub csat: Option<Csat>,
    #[serde(default)]
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub score: Option<f64>,
    pub margin: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Csat {
    pub satisfied_share: Option<f64>,
    pub mean: Option<f64>,
}

/// Each score or choice with its count, in the order the API sends them (`"10"` after `"9"`,
/// which a JSON map read into a sorted map would lose).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Distribution(pub Vec<(String, u64)>);

impl<'de> Deserialize<'de> for Distribution {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Distribution;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of counts")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Distribution, A::Error> {
                let mut out = Vec::new();
                while let Some((label, count)) = map.next_entry::<String, u64>()? {
                    out.push((label, count));
                }
                Ok(Distribution(out))
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// The kind of a survey's headline score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScoreKind {
    /// −100 to 100.
    Nps,
    /// The share satisfied (4–5 of 5), as a percentage.
    Csat,
    /// The mean effort score, 1 to 7.
    Ces,
    /// The mean smiley, 1 to 4.
    Smiley,
}

impl ScoreKind {
    /// The axis a chart of this score is drawn on.
    pub(crate) fn range(self) -> (f64, f64) {
        match self {
            Self::Nps => (-100.0, 100.0),
            Self::Csat => (0.0, 100.0),
            Self::Ces => (1.0, 7.0),
            Self::Smiley => (1.0, 4.0),
        }
    }

    /// The score as it is written: `+42`, `−10`, `83%`, `5.2`.
    pub(crate) fn format(self, value: f64) -> String {
        match self {
            Self::Nps => {
                let rounded = value.round();
                if rounded > 0.0 {
                    format!("+{rounded:.0}")
                } else if rounded < 0.0 {
                    format!("\u{2212}{:.0}", -rounded)
                } else {
                    "0".to_owned()
                }
            }
            Self::Csat => format!("{value:.0}%"),
            Self::Ces | Self::Smiley => format!("{value:.1}"),
        }
    }
}

/// The question a survey is judged by: its first NPS, CSAT, CES or smiley question.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Headline {
    pub question: String,
    pub kind: ScoreKind,
}

impl Headline {
    pub(crate) fn of(survey: &Survey) -> Option<Headline> {
        survey.questions.iter().find_map(|q| {
            let kind = match q.kind {
                QuestionKind::Nps => ScoreKind::Nps,
                QuestionKind::Csat { .. } => ScoreKind::Csat,
                QuestionKind::Ces => ScoreKind::Ces,
                QuestionKind::Smiley => ScoreKind::Smiley,
                _ => return None,
            };
            Some(Headline {
                question: q.id.as_str().to_owned(),
                kind,
            })
        })
    }

    /// This question's figures in a group.
    pub(crate) fn figures<'g>(&self, group: &'g Group) -> Option<&'g Figures> {
        group.questions.iter().find(|f| f.id == self.question)
    }

    /// The score of a group; `None` when nobody answered.
    pub(crate) fn score(&self, group: &Group) -> Option<f64> {
        let figures = self.figures(group)?;
        match self.kind {
            ScoreKind::Nps => figures.nps.as_ref()?.score,
            ScoreKind::Csat => figures.csat.as_ref()?.satisfied_share.map(|s| s * 100.0),
            ScoreKind::Ces | ScoreKind::Smiley => figures.mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        serde_json::from_str(
            r#"{"total": {"responses": 3, "displays": 4, "dismissals": 1, "response_rate": 0.75,
                "below_minimum": true, "questions": [
                  {"id": "nps", "kind": "nps", "answered": 3,
                   "distribution": {"0": 0, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 0, "7": 0,
                                    "8": 0, "9": 1, "10": 1},
                   "nps": {"promoters": 2, "passives": 0, "detractors": 1, "promoter_share": 0.66,
                           "detractor_share": 0.33, "score": 33.3, "margin": 70.1,
                           "ci95": {"low": -36.8, "high": 100}}},
                  {"id": "why", "kind": "open_text", "answered": 1}]},
              "groups": []}"#,
        )
        .expect("a summary")
    }

    #[test]
    fn a_distribution_keeps_the_order_it_was_sent_in() {
        let s = summary();
        let labels: Vec<&str> = s.total.questions[0]
            .distribution
            .0
            .iter()
            .map(|(l, _)| l.as_str())
            .collect();
        assert_eq!(labels.last(), Some(&"10"));
        assert_eq!(labels.len(), 11);
    }

    #[test]
    fn the_headline_is_the_nps_score() {
        let headline = Headline {
            question: "nps".into(),
            kind: ScoreKind::Nps,
        };
        assert_eq!(headline.score(&summary().total), Some(33.3));
    }

    #[test]
    fn scores_are_written_as_people_read_them() {
        let check = |kind: ScoreKind, value: f64, expected: &str| {
            assert_eq!(kind.format(value), expected, "{kind:?} {value}");
        };
        check(ScoreKind::Nps, 33.3, "+33");
        check(ScoreKind::Nps, -10.4, "\u{2212}10");
        check(ScoreKind::Nps, 0.2, "0");
        check(ScoreKind::Csat, 83.33, "83%");
        check(ScoreKind::Ces, 5.25, "5.2");
    }
}
