//! The figures of one question over a group of responses, one accumulator per question kind.
//!
//! - **NPS** (0–10): promoters 9–10, passives 7–8, detractors 0–6. The score is
//!   `100 · (p_P − p_D)`, in points from −100 to 100. Its 95% confidence interval is
//!   `score ± 1.96 · √var · 100` with `var = (p_P + p_D − (p_P − p_D)²) / n`, the variance of
//!   the difference of two proportions of one multinomial sample. The interval is kept within
//!   −100 and 100 (the margin itself is reported as computed).
//! - **CSAT** (1–5): the share satisfied (4 or 5) and the mean.
//! - **CES** (1–7, 1 very easy): the mean. **Smiley** (1–4): the mean.
//! - **Thumbs**: ups, downs and the share up.
//! - **Choices**: how often each choice was picked, and the top ones. For a multiple choice a
//!   response counts once for each choice it picks; shares are of the responses that answered.
//! - **Open text**: how many answered (the texts are in the export).
//!
//! Shares are fractions from 0 to 1. Every question also has its distribution: the count of
//! each score, or of each choice, zeros included.

use serde::Serialize;
use serde::ser::SerializeMap;
use shared::survey::QuestionKind;

use crate::rollup::Atom;

/// How many top choices a choice question lists.
pub const TOP_CHOICES: usize = 3;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.96;

/// Counts by label, serialized as a JSON object in this order (scores ascending, choices as
/// the survey lists them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Distribution(pub Vec<(String, u64)>);

impl Serialize for Distribution {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (label, count) in &self.0 {
            map.serialize_entry(label, count)?;
        }
        map.end()
    }
}

/// Counts of the scores `lo..=hi`.
#[derive(Debug, Clone)]
pub struct Scores {
    lo: i64,
    counts: Vec<u64>,
}

impl Scores {
    fn new((lo, hi): (i64, i64)) -> Self {
        Self {
            lo,
            counts: vec![0; usize::try_from(hi - lo + 1).unwrap_or(0)],
        }
    }

    /// Counts `n` answers of `score` if it is on this scale.
    fn add(&mut self, score: i64, n: u64) {
        if let Some(count) = usize::try_from(score - self.lo)
            .ok()
            .and_then(|i| self.counts.get_mut(i))
        {
            *count += n;
        }
    }

    fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// How many scores fall in `lo..=hi`.
    fn within(&self, lo: i64, hi: i64) -> u64 {
        self.scored()
            .filter(|(s, _)| (lo..=hi).contains(s))
            .map(|(_, c)| c)
            .sum()
    }

    fn scored(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        (self.lo..).zip(self.counts.iter().copied())
    }

    fn mean(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| {
            let total: i64 = self.scored().map(|(s, c)| s * c as i64).sum();
            total as f64 / n as f64
        })
    }

    fn distribution(&self) -> Distribution {
        Distribution(self.scored().map(|(s, c)| (s.to_string(), c)).collect())
    }
}

/// A question's accumulator.
#[derive(Debug, Clone)]
pub enum Tally {
    Nps(Scores),
    Csat(Scores),
    Ces(Scores),
    Smiley(Scores),
    Thumbs {
        up: u64,
        down: u64,
    },
    Choices {
        /// Choice ids in the survey's order, with their counts.
        counts: Vec<(String, u64)>,
        answered: u64,
    },
    Text {
        answered: u64,
    },
}

impl Tally {
    /// An empty tally for a question of `kind`. `choices` lists every choice id the question
    /// has had in any version.
    pub fn new(kind: &QuestionKind, choices: &[String]) -> Self {
        match kind {
            QuestionKind::Nps => Self::Nps(Scores::new((0, 10))),
            QuestionKind::Csat { .. } => Self::Csat(Scores::new((1, 5))),
            QuestionKind::Ces => Self::Ces(Scores::new((1, 7))),
            QuestionKind::Smiley => Self::Smiley(Scores::new((1, 4))),
            QuestionKind::Thumbs => Self::Thumbs { up: 0, down: 0 },
            QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => {
                Self::Choices {
                    counts: choices.iter().map(|c| (c.clone(), 0)).collect(),
                    answered: 0,
                }
            }
            QuestionKind::OpenText { .. } => Self::Text { answered: 0 },
        }
    }

    /// A question's tally from its counted atoms. Atoms that do not fit the kind (the
    /// question changed kind in a later version) are left out.
    pub fn from_atoms<'a>(
        kind: &QuestionKind,
        choices: &[String],
        atoms: impl IntoIterator<Item = (&'a Atom, &'a i64)>,
    ) -> Self {
        let mut tally = Self::new(kind, choices);
        for (atom, &n) in atoms {
            let n = u64::try_from(n).unwrap_or(0);
            match (&mut tally, atom) {
                (Self::Nps(s) | Self::Csat(s) | Self::Ces(s) | Self::Smiley(s), Atom::Int(v)) => {
                    s.add(*v, n);
                }
                (Self::Thumbs { up, .. }, Atom::Bool(true)) => *up += n,
                (Self::Thumbs { down, .. }, Atom::Bool(false)) => *down += n,
                (Self::Choices { counts, .. }, Atom::Choice(picked)) => {
                    if let Some((_, c)) = counts.iter_mut().find(|(id, _)| id == picked) {
                        *c += n;
                    }
                }
                (Self::Choices { answered, .. }, Atom::Chose | Atom::Picked) => *answered += n,
                // A choice's id is never blank: an answer that was a choice is text written.
                (Self::Text { answered }, Atom::Wrote | Atom::Chose) => *answered += n,
                _ => {}
            }
        }
        tally
    }

    /// The figures, for the report.
    pub fn figures(&self) -> Figures {
        match self {
            Self::Nps(s) => Figures {
                answered: s.n(),
                distribution: s.distribution(),
                nps: Some(Nps::of(s.within(9, 10), s.within(7, 8), s.within(0, 6))),
                ..Figures::default()
            },
            Self::Csat(s) => Figures {
                answered: s.n(),
                distribution: s.distribution(),
                csat: Some(Csat {
                    satisfied: s.within(4, 5),
                    satisfied_share: share(s.within(4, 5), s.n()),
                    mean: s.mean(),
                }),
                ..Figures::default()
            },
            Self::Ces(s) | Self::Smiley(s) => Figures {
                answered: s.n(),
                distribution: s.distribution(),
                mean: Some(s.mean()),
                ..Figures::default()
            },
            Self::Thumbs { up, down } => Figures {
                answered: up + down,
                distribution: Distribution(vec![("up".into(), *up), ("down".into(), *down)]),
                up_share: Some(share(*up, up + down)),
                ..Figures::default()
            },
            Self::Choices { counts, answered } => {
                let mut top: Vec<&(String, u64)> = counts.iter().filter(|(_, c)| *c > 0).collect();
                // Stable: ties keep the survey's order.
                top.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
                Figures {
                    answered: *answered,
                    distribution: Distribution(counts.clone()),
                    top_choices: Some(
                        top.into_iter()
                            .take(TOP_CHOICES)
                            .map(|(choice, count)| TopChoice {
                                choice: choice.clone(),
                                count: *count,
                                share: share(*count, *answered),
                            })
                            .collect(),
                    ),
                    ..Figures::default()
                }
            }
            Self::Text { answered } => Figures {
                answered: *answered,
                ..Figures::default()
            },
        }
    }
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// What a question's tally says. Only the fields of its kind are present.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// Responses that answered this question.
    pub answered: u64,
    #[serde(skip_serializing_if = "is_empty")]
    pub distribution: Distribution,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps: Option<Nps>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<Csat>,
    /// CES and smiley questions: the mean score (`null` with no answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub up_share: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_choices: Option<Vec<TopChoice>>,
}

fn is_empty(d: &Distribution) -> bool {
    d.0.is_empty()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub promoter_share: Option<f64>,
    pub detractor_share: Option<f64>,
    /// `100 · (p_P − p_D)`; `null` with no answers.
    pub score: Option<f64>,
    /// `1.96 · √var · 100`: the score is within this many points with 95% confidence.
    pub margin: Option<f64>,
    /// `score ± margin`, kept within −100 and 100.
    pub ci95: Option<Interval>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Nps {
    pub fn of(promoters: u64, passives: u64, detractors: u64) -> Self {
        let n = promoters + passives + detractors;
        let (p_p, p_d) = (share(promoters, n), share(detractors, n));
        let (score, margin) = match (p_p, p_d) {
            (Some(p), Some(d)) => {
                let var = (p + d - (p - d).powi(2)) / n as f64;
                // Rounding can leave a hair below zero when every answer is alike.
                (
                    Some(100.0 * (p - d)),
                    Some(Z95 * var.max(0.0).sqrt() * 100.0),
                )
            }
            _ => (None, None),
        };
        Self {
            promoters,
            passives,
            detractors,
            promoter_share: p_p,
            detractor_share: p_d,
            score,
            margin,
            // The normal approximation can reach past ±100 with few answers; the score cannot.
            ci95: score.zip(margin).map(|(s, m)| Interval {
                low: (s - m).max(-100.0),
                high: (s + m).min(100.0),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Csat {
    /// Answers of 4 or 5.
    pub satisfied: u64,
    pub satisfied_share: Option<f64>,
    pub mean: Option<f64>,
}

/// A choice among the most picked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopChoice {
    pub choice: String,
    pub count: u64,
    pub share: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::answer::AnswerValue;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// (promoters, passives, detractors) → (score, margin), worked out by hand.
    #[test]
    fn nps_score_and_interval() {
        let cases = [
            // 5/10 − 2/10 = 30 points; var = (0.5 + 0.2 − 0.09)/10 = 0.061.
            ((5, 3, 2), (30.0, 1.96 * 0.061_f64.sqrt() * 100.0)),
            // All promoters: 100, no spread.
            ((4, 0, 0), (100.0, 0.0)),
            // Half and half: 0; var = (1 − 0)/2 = 0.5.
            ((1, 0, 1), (0.0, 1.96 * 0.5_f64.sqrt() * 100.0)),
            // Only passives: 0, no spread.
            ((0, 7, 0), (0.0, 0.0)),
        ];
        for ((p, q, d), (score, margin)) in cases {
            let nps = Nps::of(p, q, d);
            assert!(close(nps.score.unwrap(), score), "{p} {q} {d}: {nps:?}");
            assert!(close(nps.margin.unwrap(), margin), "{p} {q} {d}: {nps:?}");
            let ci = nps.ci95.unwrap();
            let (low, high) = ((score - margin).max(-100.0), (score + margin).min(100.0));
            assert!(close(ci.low, low) && close(ci.high, high), "{ci:?}");
        }
        // 5 promoters and 2 passives: 71.4 ± 33.5 would pass 100.
        let few = Nps::of(5, 2, 0).ci95.unwrap();
        assert!(close(
            few.low,
            500.0 / 7.0 - 1.96 * (10.0_f64 / 343.0).sqrt() * 100.0
        ));
        assert_eq!(few.high, 100.0);
        let none = Nps::of(0, 0, 0);
        assert_eq!((none.score, none.ci95), (None, None));
    }

    /// The tally of some answers to a question of `kind`, counted through their atoms.
    fn tally(kind: &QuestionKind, choices: &[String], answers: &[AnswerValue]) -> Tally {
        let mut atoms: std::collections::BTreeMap<Atom, i64> = Default::default();
        for answer in answers {
            for atom in crate::rollup::atoms(Some(kind), answer) {
                *atoms.entry(atom).or_default() += 1;
            }
        }
        Tally::from_atoms(kind, choices, &atoms)
    }

    #[test]
    fn tallies_count_fitting_answers_only() {
        let kind = QuestionKind::Csat {
            style: Default::default(),
        };
        let mut answers: Vec<AnswerValue> = [5, 4, 3, 1, 5, 9]
            .into_iter()
            .map(AnswerValue::Int)
            .collect();
        answers.push(AnswerValue::Text("5".into()));
        let f = tally(&kind, &[], &answers).figures();
        assert_eq!(f.answered, 5, "9 and a text are not CSAT answers");
        let c = f.csat.unwrap();
        assert_eq!(c.satisfied, 3);
        assert!(close(c.satisfied_share.unwrap(), 0.6));
        assert!(close(c.mean.unwrap(), 18.0 / 5.0));
        assert_eq!(
            serde_json::to_string(&f.distribution).unwrap(),
            r#"{"1":1,"2":0,"3":1,"4":1,"5":2}"#
        );

        let choices: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let kind = QuestionKind::MultipleChoice {
            choices: Vec::new(),
            min: 0,
            max: None,
        };
        let answers: Vec<AnswerValue> =
            [vec!["b", "c"], vec!["c"], vec!["a", "c"], vec![], vec!["b"]]
                .into_iter()
                .map(|picked| AnswerValue::List(picked.into_iter().map(String::from).collect()))
                .collect();
        let f = tally(&kind, &choices, &answers).figures();
        assert_eq!(f.answered, 4, "an empty list picks nothing");
        let top = f.top_choices.unwrap();
        let names: Vec<(&str, u64)> = top.iter().map(|t| (t.choice.as_str(), t.count)).collect();
        assert_eq!(
            names,
            [("c", 3), ("b", 2), ("a", 1)],
            "ties keep the survey's order"
        );
        assert!(close(top[0].share.unwrap(), 0.75));

        // A question that was open text and is now a choice: its texts are not choices.
        let single = QuestionKind::SingleChoice {
            choices: Vec::new(),
        };
        let mut atoms: std::collections::BTreeMap<Atom, i64> = Default::default();
        atoms.insert(Atom::Wrote, 2);
        atoms.insert(Atom::Choice("a".into()), 1);
        atoms.insert(Atom::Chose, 1);
        let f = Tally::from_atoms(&single, &choices, &atoms).figures();
        assert_eq!(f.answered, 1);
    }
}
