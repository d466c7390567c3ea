//! The draft as JSON: everything the form shows and what it does not (property filters,
//! audience attributes, a sampling salt), editable, applied back into the form.

use shared::survey::Survey;
use yew::prelude::*;

use super::texts::EditorTexts;
use crate::texts::Lang;

#[derive(Debug, Properties, PartialEq)]
pub(super) struct AdvancedProps {
    pub lang: Lang,
    pub survey: Survey,
    pub on_apply: Callback<Survey>,
}

#[component]
pub(super) fn Advanced(props: &AdvancedProps) -> Html {
    let t = EditorTexts::of(props.lang);
    // What the user typed, until applied; `None` shows the draft as it is.
    let typed = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    // A change made in the form since the JSON was typed wins: the box shows the draft again,
    // rather than let Apply undo that change with older text.
    {
        let typed = typed.clone();
        use_effect_with(props.survey.clone(), move |_| typed.set(None));
    }
    let shown = (*typed)
        .clone()
        .unwrap_or_else(|| serde_json::to_string_pretty(&props.survey).unwrap_or_default());
    let oninput = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            typed.set(Some(
                e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                    .value(),
            ))
        })
    };
    let apply = {
        let (typed, error, on_apply) = (typed.clone(), error.clone(), props.on_apply.clone());
        let shown = shown.clone();
        Callback::from(
            move |_: MouseEvent| match serde_json::from_str::<Survey>(&shown) {
                Ok(survey) => {
                    error.set(None);
                    typed.set(None);
                    on_apply.emit(survey);
                }
                Err(e) => error.set(Some(e.to_string())),
            },
        )
    };
    html! {
        <details class="card section" id="section-advanced">
            <summary><h2>{ t.advanced }</h2></summary>
            <p class="muted small">{ t.advanced_help }</p>
            <textarea id="survey-json" class="code" rows="16" spellcheck="false" value={shown} {oninput} />
            if let Some(e) = &*error {
                <p class="alert small" role="alert">{ format!("{}: {e}", t.json_error) }</p>
            }
            <button type="button" id="apply-json" onclick={apply}>{ t.apply_json }</button>
        </details>
    }
}
