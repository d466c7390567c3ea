//! Calls from the host page, as `nunchi.<method>(args…)` hands them over.

use shared::map::Map;

use shared::ids::MemberId;
use shared::trigger::Scalar;

#[derive(Debug, Clone)]
pub(crate) enum Command {
    /// `nunchi.show(surveyId)`: show this survey now, whatever the triggers and throttling.
    Show(String),
    /// `nunchi.track(event, props)`: fire the surveys whose triggers match.
    Track(String, Map<String, Scalar>),
    /// A page view: at start, and after each in-page navigation.
    PageView,
    /// `nunchi.identify(memberId, attributes)`.
    Identify(MemberId, Map<String, Scalar>),
    /// `nunchi.reset()`: forget the member (a log-out).
    Reset,
    /// The visitor has scrolled this far down the page (percent). From `page_events`.
    Scrolled(u8),
    /// The pointer left the page towards the browser's chrome. From `page_events`.
    ExitIntent,
}

fn props(value: wasm_bindgen::JsValue, what: &str) -> Result<Map<String, Scalar>, String> {
    if value.is_undefined() || value.is_null() {
        return Ok(Map::new());
    }
    crate::json::from_value(value).map_err(|e| format!("{what}: {e}"))
}

pub(crate) fn parse(method: &str, args: &js_sys::Array) -> Result<Command, String> {
    match method {
        "show" => args
            .get(0)
            .as_string()
            .map(Command::Show)
            .ok_or_else(|| "show(surveyId) needs a survey id".into()),
        "track" => {
            let name = args
                .get(0)
                .as_string()
                .ok_or("track(event, props) needs an event name")?;
            let props = props(args.get(1), &format!("track(\"{name}\")"))?;
            Ok(Command::Track(name, props))
        }
        "identify" => {
            let id = args
                .get(0)
                .as_string()
                .ok_or("identify(memberId, attributes) needs a member id")?;
            let member = MemberId::parse(id).map_err(|e| format!("identify: the member id {e}"))?;
            Ok(Command::Identify(member, props(args.get(1), "identify")?))
        }
        "reset" => Ok(Command::Reset),
        other => Err(format!("nunchi.{other} is not a method")),
    }
}
