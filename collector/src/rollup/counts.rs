//! What one rollup cell holds: counts of responses, displays and answer atoms, which add up.
//!
//! An answer is kept as its *atoms*, the parts a summary counts: a score, a yes or no, a
//! picked choice, that a choice or a list was answered, that a text was written. Atoms are
//! taken with the question's kind in the response's own survey version, so that a cell needs
//! no survey to be read, and a question's figures under its latest kind come from atoms alone
//! ([`Tally::from_atoms`](crate::summary::stats::Tally::from_atoms)). The full scan counts
//! through the same atoms, so both paths agree by construction on what an answer is; what
//! the rollups add is where and when it is counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::answer::AnswerValue;
use shared::survey::{QuestionKind, Survey};

/// One countable part of an answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Atom {
    /// A score (NPS, CSAT, CES, smiley).
    Int(i64),
    /// Thumbs up or down.
    Bool(bool),
    /// A choice picked, alone or in a list.
    Choice(String),
    /// A single choice answered (one per answer).
    Chose,
    /// A multiple choice answered with at least one choice (one per answer).
    Picked,
    /// An open text answered with something other than spaces.
    Wrote,
}

/// The atoms of one answer, given the question's kind in the response's survey version
/// (`None`: a question that version does not have, counted by its value alone).
pub fn atoms(kind: Option<&QuestionKind>, value: &AnswerValue) -> Vec<Atom> {
    let is_choice = matches!(
        kind,
        Some(QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. })
    );
    match value {
        AnswerValue::Int(n) => vec![Atom::Int(*n)],
        AnswerValue::Bool(b) => vec![Atom::Bool(*b)],
        AnswerValue::Text(t) if is_choice => vec![Atom::Choice(t.clone()), Atom::Chose],
        AnswerValue::Text(t) if !t.trim().is_empty() => vec![Atom::Wrote],
        AnswerValue::Text(_) => Vec::new(),
        AnswerValue::List(picked) => {
            let mut atoms: Vec<Atom> = picked.iter().cloned().map(Atom::Choice).collect();
            if !picked.is_empty() {
                atoms.push(Atom::Picked);
            }
            atoms
        }
    }
}

/// The counts of a cell, or a change to them (negative when records are erased).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Counted responses (a flagged response is not one).
    pub responses: i64,
    /// Displays reported shown.
    pub shown: i64,
    pub dismissed: i64,
    /// Question id → atom → how many.
    pub answers: BTreeMap<String, BTreeMap<Atom, i64>>,
}

impl Counts {
    /// The counts of one response, as its survey version asks its questions.
    pub fn of_response(
        answers: &shared::map::Map<shared::ids::QuestionId, AnswerValue>,
        version: Option<&Survey>,
    ) -> Self {
        let mut counts = Self {
            responses: 1,
            ..Self::default()
        };
        for (question, value) in answers.iter() {
            let kind = version
                .and_then(|s| s.questions.iter().find(|q| &q.id == question))
                .map(|q| &q.kind);
            let atoms = atoms(kind, value);
            if atoms.is_empty() {
                continue;
            }
            let slot = counts
                .answers
                .entry(question.as_str().to_owned())
                .or_default();
            for atom in atoms {
                *slot.entry(atom).or_default() += 1;
            }
        }
        counts
    }

    /// The counts of one display event.
    pub fn of_display(shown: bool) -> Self {
        Self {
            shown: i64::from(shown),
            dismissed: i64::from(!shown),
            ..Self::default()
        }
    }

    /// Adds `other` times `sign` (1 or −1). Atoms whose count reaches zero are dropped, so that
    /// a cell with nothing left is [`Counts::is_empty`].
    pub fn add(&mut self, other: &Counts, sign: i64) {
        self.responses += sign * other.responses;
        self.shown += sign * other.shown;
        self.dismissed += sign * other.dismissed;
        for (question, atoms) in &other.answers {
            let slot = self.answers.entry(question.clone()).or_default();
            for (atom, n) in atoms {
                let count = slot.entry(atom.clone()).or_default();
                *count += sign * n;
                if *count == 0 {
                    slot.remove(atom);
                }
            }
            if slot.is_empty() {
                self.answers.remove(question);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.responses == 0 && self.shown == 0 && self.dismissed == 0 && self.answers.is_empty()
    }

    /// The stored form (postcard: compact, and quick to read back, since a query reads
    /// thousands of cells).
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }

    /// The atoms of one question (empty when none were counted).
    pub fn question(&self, id: &str) -> Option<&BTreeMap<Atom, i64>> {
        self.answers.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms_follow_the_version_kind() {
        let single = QuestionKind::SingleChoice {
            choices: Vec::new(),
        };
        assert_eq!(
            atoms(Some(&single), &AnswerValue::Text("a".into())),
            [Atom::Choice("a".into()), Atom::Chose]
        );
        assert_eq!(
            atoms(None, &AnswerValue::Text("  ".into())),
            Vec::<Atom>::new()
        );
        assert_eq!(atoms(None, &AnswerValue::Text("ok".into())), [Atom::Wrote]);
        assert_eq!(
            atoms(None, &AnswerValue::List(Vec::new())),
            Vec::<Atom>::new()
        );
        assert_eq!(
            atoms(None, &AnswerValue::List(vec!["b".into(), "c".into()])),
            [
                Atom::Choice("b".into()),
                Atom::Choice("c".into()),
                Atom::Picked
            ]
        );
    }

    #[test]
    fn counts_add_up_and_cancel() {
        let mut cell = Counts::default();
        let mut one = Counts::of_display(true);
        one.responses = 1;
        one.answers
            .entry("nps".into())
            .or_default()
            .insert(Atom::Int(9), 1);
        cell.add(&one, 1);
        cell.add(&one, 1);
        assert_eq!(cell.responses, 2);
        assert_eq!(cell.answers["nps"][&Atom::Int(9)], 2);
        let read = Counts::decode(&cell.encode()).unwrap();
        assert_eq!(read, cell);
        cell.add(&one, -1);
        cell.add(&one, -1);
        assert!(cell.is_empty(), "{cell:?}");
    }
}
