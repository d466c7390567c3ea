//! The interface in Korean and English. One struct of texts per language, so a missing
//! translation is a compile error, not a blank on screen.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Ko,
    En,
}

impl Lang {
    /// Korean for a `ko…` locale, else English.
    pub(crate) fn pick(locale: Option<&str>) -> Lang {
        match locale {
            Some(l) if l.to_ascii_lowercase().starts_with("ko") => Lang::Ko,
            _ => Lang::En,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub(crate) fn texts(self) -> &'static Texts {
        match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Texts {
    pub title: &'static str,
    pub other_lang: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_help: &'static str,
    pub key_label: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub key_refused: &'static str,
    pub key_forbidden: &'static str,
    pub network: &'static str,
    pub loading: &'static str,
    pub surveys: &'static str,
    pub no_surveys: &'static str,
    pub survey: &'static str,
    pub channels: &'static str,
    pub status: &'static str,
    pub version: &'static str,
    pub responses: &'static str,
    pub open_results: &'static str,
    pub all_surveys: &'static str,
    pub refresh: &'static str,
    pub period: &'static str,
    pub last_30_days: &'static str,
    pub last_26_weeks: &'static str,
    pub last_12_months: &'static str,
    pub score_now: &'static str,
    pub margin: &'static str,
    pub shown: &'static str,
    pub response_rate: &'static str,
    /// `response_rate` where a column is narrow.
    pub rate: &'static str,
    pub dismissed: &'static str,
    pub trend: &'static str,
    pub trend_help: &'static str,
    pub distribution: &'static str,
    pub by_store: &'static str,
    pub by_channel: &'static str,
    pub by_stage: &'static str,
    /// A breakdown's row of responses without a store, or without the value.
    pub no_store: &'static str,
    pub not_set: &'static str,
    pub few: &'static str,
    pub few_help: &'static str,
    pub no_answers: &'static str,
    pub no_score: &'static str,
    pub promoters: &'static str,
    pub passives: &'static str,
    pub detractors: &'static str,
    pub satisfied: &'static str,
    pub mean_effort: &'static str,
    pub mean_smiley: &'static str,
    pub all_channels: &'static str,
    pub draft: &'static str,
    pub active: &'static str,
    pub paused: &'static str,
    pub archived: &'static str,
    pub web: &'static str,
    pub kiosk: &'static str,
    pub receipt: &'static str,
    pub app: &'static str,
    pub pre_purchase: &'static str,
    pub purchase: &'static str,
    pub post_purchase: &'static str,
}

static EN: Texts = Texts {
    title: "nunchi dashboard",
    other_lang: "한국어",
    sign_in_title: "Sign in",
    sign_in_help: "Paste an admin API key. It is kept in this tab only and forgotten when the tab closes.",
    key_label: "API key",
    sign_in: "Sign in",
    sign_out: "Sign out",
    key_refused: "This key was not accepted (401). Check it for typos, or ask for a new one: it may have been revoked.",
    key_forbidden: "This key may not read this (403). The dashboard needs an admin key.",
    network: "The collector did not answer. Check your connection and try again.",
    loading: "Loading…",
    surveys: "Surveys",
    no_surveys: "No surveys on this site yet.",
    survey: "Survey",
    channels: "Channels",
    status: "Status",
    version: "Version",
    responses: "Responses",
    open_results: "Results",
    all_surveys: "All surveys",
    refresh: "Refresh",
    period: "Period",
    last_30_days: "Last 30 days, by day",
    last_26_weeks: "Last 26 weeks, by week",
    last_12_months: "Last 12 months, by month",
    score_now: "Score",
    margin: "95% margin",
    shown: "Shown",
    response_rate: "Response rate",
    rate: "Rate",
    dismissed: "Dismissed",
    trend: "Score over time",
    trend_help: "Each point is one period (a week starts on the Monday shown); n = responses in it. A period without responses leaves a gap; hollow points have fewer than 5 responses, too few to lean on.",
    distribution: "Answers",
    by_store: "By store",
    by_channel: "By channel",
    by_stage: "By journey stage",
    no_store: "No store",
    not_set: "Not set",
    few: "few",
    few_help: "fewer than 5 responses",
    no_answers: "No responses in this period yet.",
    no_score: "—",
    promoters: "Promoters",
    passives: "Passives",
    detractors: "Detractors",
    satisfied: "satisfied (4–5)",
    mean_effort: "mean effort (1–7)",
    mean_smiley: "mean (1–4)",
    all_channels: "all channels",
    draft: "Draft",
    active: "Active",
    paused: "Paused",
    archived: "Archived",
    web: "Web",
    kiosk: "Kiosk",
    receipt: "Receipt QR",
    app: "App",
    pre_purchase: "Before purchase",
    purchase: "Purchase",
    post_purchase: "After purchase",
};

static KO: Texts = Texts {
    title: "nunchi 대시보드",
    other_lang: "English",
    sign_in_title: "로그인",
    sign_in_help: "관리자 API 키를 붙여 넣으세요. 키는 이 탭에만 보관되고 탭을 닫으면 지워집니다.",
    key_label: "API 키",
    sign_in: "로그인",
    sign_out: "로그아웃",
    key_refused: "이 키는 승인되지 않았습니다(401). 오타가 없는지 확인하거나 새 키를 요청하세요. 폐기된 키일 수 있습니다.",
    key_forbidden: "이 키로는 볼 수 없습니다(403). 대시보드에는 관리자 키가 필요합니다.",
    network: "수집 서버가 응답하지 않습니다. 연결을 확인하고 다시 시도하세요.",
    loading: "불러오는 중…",
    surveys: "설문",
    no_surveys: "이 사이트에는 아직 설문이 없습니다.",
    survey: "설문",
    channels: "채널",
    status: "상태",
    version: "버전",
    responses: "응답",
    open_results: "결과",
    all_surveys: "전체 설문",
    refresh: "새로 고침",
    period: "기간",
    last_30_days: "최근 30일, 일별",
    last_26_weeks: "최근 26주, 주별",
    last_12_months: "최근 12개월, 월별",
    score_now: "점수",
    margin: "95% 오차",
    shown: "노출",
    response_rate: "응답률",
    rate: "응답률",
    dismissed: "닫음",
    trend: "점수 추이",
    trend_help: "점 하나가 한 기간입니다(주별은 표시된 월요일부터). n = 그 기간의 응답 수. 응답이 없는 기간은 비워 두며, 속이 빈 점은 응답이 5건 미만이라 참고용입니다.",
    distribution: "응답 분포",
    by_store: "매장별",
    by_channel: "채널별",
    by_stage: "구매 여정 단계별",
    no_store: "매장 정보 없음",
    not_set: "미지정",
    few: "적음",
    few_help: "응답 5건 미만",
    no_answers: "이 기간에는 아직 응답이 없습니다.",
    no_score: "—",
    promoters: "추천",
    passives: "중립",
    detractors: "비추천",
    satisfied: "만족(4–5)",
    mean_effort: "평균 노력도(1–7)",
    mean_smiley: "평균(1–4)",
    all_channels: "모든 채널",
    draft: "초안",
    active: "진행 중",
    paused: "일시 중지",
    archived: "보관됨",
    web: "웹",
    kiosk: "키오스크",
    receipt: "영수증 QR",
    app: "앱",
    pre_purchase: "구매 전",
    purchase: "구매",
    post_purchase: "구매 후",
};

impl Texts {
    /// A channel's or journey stage's name as the API writes it, in this language.
    pub(crate) fn context_value<'a>(&'a self, value: &'a str) -> &'a str {
        match value {
            "web" => self.web,
            "kiosk" => self.kiosk,
            "receipt" => self.receipt,
            "app" => self.app,
            "pre_purchase" => self.pre_purchase,
            "purchase" => self.purchase,
            "post_purchase" => self.post_purchase,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_browsers_get_korean() {
        assert_eq!(Lang::pick(Some("ko-KR")), Lang::Ko);
        assert_eq!(Lang::pick(Some("ko")), Lang::Ko);
        assert_eq!(Lang::pick(Some("en-US")), Lang::En);
        assert_eq!(Lang::pick(Some("ja")), Lang::En);
        assert_eq!(Lang::pick(None), Lang::En);
    }
}
