//! The widget's own interface texts, in Korean and English (survey texts come with the survey).

use shared::ids::Locale;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Texts {
    pub next: &'static str,
    pub send: &'static str,
    pub close: &'static str,
    pub thanks: &'static str,
    pub not_likely: &'static str,
    pub very_likely: &'static str,
    pub placeholder: &'static str,
}

const EN: Texts = Texts {
    next: "Next",
    send: "Send",
    close: "Close",
    thanks: "Thank you!",
    not_likely: "Not likely",
    very_likely: "Very likely",
    placeholder: "Type your answer",
};

const KO: Texts = Texts {
    next: "다음",
    send: "보내기",
    close: "닫기",
    thanks: "감사합니다!",
    not_likely: "전혀 아니다",
    very_likely: "매우 그렇다",
    placeholder: "자유롭게 적어 주세요",
};

pub(crate) fn for_locale(locale: &Locale) -> &'static Texts {
    match locale.language() {
        "ko" => &KO,
        _ => &EN,
    }
}
