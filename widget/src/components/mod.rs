//! The widget's components: one card per survey, one view per question kind.

mod focus;
mod question;
mod survey_card;

pub(crate) use focus::give_focus_back;
pub(crate) use survey_card::{SurveyCard, SurveyCardProps};
