//! The sign-in form: an API key, checked against the admin API before it is kept. An admin
//! key may change things; an export key (a data team's) reads its own site's results.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::texts::Lang;

/// `GET /v1/admin/whoami`, in part.
#[derive(Debug, serde::Deserialize)]
struct Holder {
    scope: String,
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct SignInProps {
    pub lang: Lang,
    /// Why the user was signed out, if they were.
    pub notice: Option<&'static str>,
    /// The key, and whether it is an admin key.
    pub signed_in: Callback<(String, bool)>,
}

#[component]
pub(crate) fn SignIn(props: &SignInProps) -> Html {
    let t = props.lang.texts();
    let input = use_node_ref();
    let error = use_state(|| None::<&'static str>);
    let busy = use_state(|| false);
    let submit = {
        let (input, error, busy) = (input.clone(), error.clone(), busy.clone());
        let signed_in = props.signed_in.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(key) = input
                .cast::<HtmlInputElement>()
                .map(|i| i.value().trim().to_owned())
                .filter(|k| !k.is_empty())
            else {
                return;
            };
            let (error, busy, signed_in) = (error.clone(), busy.clone(), signed_in.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                // What the key is: an admin key may change things, an export key read them,
                // and a receipts key (a till's) has nothing to show here.
                let checked = api::get::<Holder>(&key, "/v1/admin/whoami").await;
                busy.set(false);
                match checked {
                    Ok(h) if h.scope == "admin" => signed_in.emit((key, true)),
                    Ok(h) if h.scope == "export" => signed_in.emit((key, false)),
                    Ok(_) => error.set(Some(t.key_forbidden)),
                    Err(ApiError::Unauthorized) => error.set(Some(t.key_refused)),
                    Err(ApiError::Forbidden) => error.set(Some(t.key_forbidden)),
                    Err(_) => error.set(Some(t.network)),
                }
            });
        })
    };
    let message = (*error).or(props.notice);
    html! {
        <section class="sign-in card">
            <h1>{ t.sign_in_title }</h1>
            <p class="muted">{ t.sign_in_help }</p>
            <form onsubmit={submit}>
                <label for="api-key">{ t.key_label }</label>
                <input id="api-key" ref={input} type="password" autocomplete="off"
                    spellcheck="false" required=true />
                <button type="submit" class="primary" disabled={*busy}>{ t.sign_in }</button>
            </form>
            if let Some(message) = message {
                <p class="alert" role="alert">{ message }</p>
            }
        </section>
    }
}
