//! CSV rows: the context columns, then one column per question of the survey (every version).
//!
//! A cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab
//! or a carriage return) gets a leading `'`, so a customer who types `=HYPERLINK(…)` into an
//! open-text answer cannot make the analyst's spreadsheet run it (CSV injection).

use shared::answer::AnswerValue;
use shared::ids::QuestionId;
use shared::survey::Survey;

use crate::store::ResponseRecord;

use super::timestamps::rfc3339;

/// The columns before the questions', in this order.
pub const CONTEXT_COLUMNS: [&str; 18] = [
    "seq",
    "response_id",
    "site_id",
    "survey_id",
    "survey_version",
    "received_at",
    "client_time",
    "channel",
    "store_id",
    "kiosk_id",
    "receipt_id",
    "journey_stage",
    "locale",
    "page_url",
    "member",
    "attributes",
    "flagged",
    "repeat_of",
];

/// Which question goes in which column.
#[derive(Debug, Clone)]
pub struct CsvLayout {
    questions: Vec<QuestionId>,
}

impl CsvLayout {
    /// The questions of the latest version in its order, then those only older versions have
    /// (newest first), so that answers to an old version still have a column.
    pub fn for_versions(versions: &[impl AsRef<Survey>]) -> Self {
        let mut questions: Vec<QuestionId> = Vec::new();
        for survey in versions.iter().rev() {
            for q in &survey.as_ref().questions {
                if !questions.contains(&q.id) {
                    questions.push(q.id.clone());
                }
            }
        }
        Self { questions }
    }

    pub fn column_count(&self) -> usize {
        CONTEXT_COLUMNS.len() + self.questions.len()
    }

    /// The header row. A question whose id is also a context column's name is written
    /// `answer.<id>`, so that no two columns share a name.
    pub fn header(&self) -> Vec<String> {
        let mut row: Vec<String> = CONTEXT_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        for q in &self.questions {
            let name = q.as_str();
            row.push(if CONTEXT_COLUMNS.contains(&name) {
                format!("answer.{name}")
            } else {
                name.to_owned()
            });
        }
        row.into_iter().map(neutralise).collect()
    }

    /// One response as a row of cells, every cell neutralised.
    pub fn row(&self, record: &ResponseRecord) -> Vec<String> {
        let r = &record.response;
        let ctx = &r.context;
        let opt = |v: Option<&str>| v.unwrap_or_default().to_owned();
        let mut row = Vec::with_capacity(self.column_count());
        row.push(record.seq.to_string());
        row.push(r.response_id.to_string());
        row.push(ctx.site_id.to_string());
        row.push(r.survey_id.to_string());
        row.push(r.survey_version.to_string());
        row.push(rfc3339(record.received_at));
        row.push(rfc3339(r.client_time));
        row.push(ctx.channel.as_str().to_owned());
        row.push(opt(ctx.store_id.as_ref().map(|s| s.as_str())));
        row.push(opt(ctx.kiosk_id.as_ref().map(|s| s.as_str())));
        row.push(opt(ctx.receipt_id.as_ref().map(|s| s.as_str())));
        row.push(opt(ctx.journey_stage.map(crate::filter::stage_name)));
        row.push(ctx.locale.to_string());
        row.push(opt(ctx.page_url.as_ref().map(|u| u.as_str())));
        row.push(opt(ctx.member.as_ref().map(|m| m.as_str())));
        row.push(if ctx.attributes.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&ctx.attributes).unwrap_or_default()
        });
        row.push(opt(record.flag.map(|f| f.as_str())));
        row.push(
            record
                .repeat_of
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
        for q in &self.questions {
            row.push(r.answers.get(q).map(answer_cell).unwrap_or_default());
        }
        row.into_iter().map(neutralise).collect()
    }
}

fn answer_cell(value: &AnswerValue) -> String {
    match value {
        AnswerValue::Bool(b) => b.to_string(),
        AnswerValue::Int(n) => n.to_string(),
        AnswerValue::Text(t) => t.clone(),
        // Choice ids are slugs: a `;` cannot be part of one.
        AnswerValue::List(items) => items.join(";"),
    }
}

/// Prefixes `'` to a cell a spreadsheet would evaluate as a formula.
pub fn neutralise(cell: String) -> String {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}"),
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_evaluate_are_neutralised() {
        let cases = [
            (
                "=HYPERLINK(\"http://evil\")",
                "'=HYPERLINK(\"http://evil\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("배송이 늦었어요 =(", "배송이 늦었어요 =("),
            ("a=b", "a=b"),
            ("", ""),
            ("7", "7"),
        ];
        for (input, expected) in cases {
            assert_eq!(neutralise(input.to_owned()), expected, "{input:?}");
        }
    }
}
