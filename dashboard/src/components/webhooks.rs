//! The site's webhooks on the Act page (`/v1/admin/sites/{site}/webhooks`): each endpoint's
//! URL, what it is sent and when, whether it is on, and its messages waiting and dead letters
//! (one `GET …/webhooks/{id}` each). Add one, change it, turn it off or on, give it a new secret
//! (shown once, to copy), send its dead letters again, delete it (after a confirm step).

use serde::Deserialize;
use yew::prelude::*;

use super::webhook_form::{WebhookForm, WebhookInput, WebhookView};
use super::{Session, failure};
use crate::api::{self, ApiError, encode};
use crate::texts::Texts;

/// A webhook with how its messages are doing (`GET …/webhooks/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct WebhookStatus {
    #[serde(flatten)]
    webhook: WebhookView,
    waiting: u64,
    dead_letters: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Retried {
    retried: u64,
}

#[derive(Debug, Properties, PartialEq)]
pub(crate) struct WebhooksProps {
    pub session: Session,
    pub site: String,
    pub survey: String,
}

/// What the form is doing: closed, adding, or changing one webhook.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    Closed,
    New,
    Webhook(Box<WebhookView>),
}

/// The news of the last action, above the list.
#[derive(Debug, Clone, PartialEq)]
enum Notice {
    None,
    /// A secret to copy now: `(webhook, secret)`.
    Secret(String, String),
    Done(String),
    Failed(ApiError),
}

async fn read_all(key: &str, site: &str) -> Result<Vec<WebhookStatus>, ApiError> {
    let base = format!("/v1/admin/sites/{}/webhooks", encode(site));
    let hooks: Vec<WebhookView> = api::get(key, &base).await?;
    let mut out = Vec::with_capacity(hooks.len());
    for hook in hooks {
        out.push(api::get(key, &format!("{base}/{}", encode(&hook.id))).await?);
    }
    Ok(out)
}

fn condition(t: &Texts, hook: &WebhookView) -> String {
    let Some(when) = &hook.when else {
        return t.every_response.to_owned();
    };
    let kind = when.kind.to_uppercase();
    match (when.at_least, when.at_most) {
        (Some(lo), Some(hi)) => format!("{kind} {lo}–{hi}"),
        (Some(lo), None) => format!("{kind} ≥ {lo}"),
        (None, Some(hi)) => format!("{kind} ≤ {hi}"),
        (None, None) => kind,
    }
}

#[component]
pub(crate) fn Webhooks(props: &WebhooksProps) -> Html {
    let session = &props.session;
    let t = session.texts();
    let list = use_state(|| None::<Result<Vec<WebhookStatus>, ApiError>>);
    let reads = use_state(|| 0_u32);
    let editing = use_state(|| Editing::Closed);
    let notice = use_state(|| Notice::None);
    let confirm_delete = use_state(|| None::<String>);

    {
        let (list, checker) = (list.clone(), session.clone());
        let deps = (session.key.clone(), props.site.clone(), *reads);
        use_effect_with(deps, move |(key, site, _)| {
            let (key, site) = (key.clone(), site.clone());
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(checker.checked(read_all(&key, &site).await)));
            });
        });
    }
    let reread = {
        let reads = reads.clone();
        move || reads.set(*reads + 1)
    };

    let base = format!("/v1/admin/sites/{}/webhooks", encode(&props.site));
    // Runs one action on a webhook, tells how it went, then reads the list again.
    let act = |call: Action, hook: &WebhookView| {
        let (notice, checker, reread) = (notice.clone(), session.clone(), reread.clone());
        let (confirm_delete, path) = (
            confirm_delete.clone(),
            format!("{base}/{}", encode(&hook.id)),
        );
        let hook = hook.clone();
        Callback::from(move |_: MouseEvent| {
            let (notice, checker, reread) = (notice.clone(), checker.clone(), reread.clone());
            let future = call(
                checker.key.clone(),
                path.clone(),
                hook.clone(),
                checker.texts(),
            );
            confirm_delete.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                notice.set(match checker.checked(future.await) {
                    Ok(Outcome::Secret(id, secret)) => Notice::Secret(id, secret),
                    Ok(Outcome::Done(message)) => Notice::Done(message),
                    Err(e) => Notice::Failed(e),
                });
                reread();
            });
        })
    };

    let on_add = {
        let (editing, notice) = (editing.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(Notice::None);
            editing.set(Editing::New);
        })
    };
    let on_saved = {
        let (editing, notice, reread) = (editing.clone(), notice.clone(), reread.clone());
        Callback::from(move |saved: WebhookView| {
            editing.set(Editing::Closed);
            notice.set(match saved.secret {
                Some(secret) => Notice::Secret(saved.id, secret),
                None => Notice::None,
            });
            reread();
        })
    };
    let on_cancel = {
        let editing = editing.clone();
        Callback::from(move |()| editing.set(Editing::Closed))
    };

    let dismiss = {
        let notice = notice.clone();
        Callback::from(move |_: MouseEvent| notice.set(Notice::None))
    };
    // Whether the secret shown now was copied with the button.
    let copied = use_state(|| false);
    {
        let copied = copied.clone();
        use_effect_with((*notice).clone(), move |_| copied.set(false));
    }
    let notice_html = match &*notice {
        Notice::None => html! {},
        Notice::Secret(id, secret) => html! {
            <div class="secret" id="webhook-secret" data-webhook={id.clone()} role="status">
                <strong>{ t.secret_title }<code class="muted id">{ id }</code></strong>
                <input type="text" readonly=true class="mono" id="webhook-secret-value"
                    value={secret.clone()} onfocus={Callback::from(|e: FocusEvent| {
                        if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                            i.select();
                        }
                    })} />
                <button type="button" id="webhook-secret-copy"
                    onclick={copy(secret.clone(), copied.clone())}>
                    { if *copied { t.copied } else { t.copy } }
                </button>
                <button type="button" class="link" id="webhook-secret-done"
                    onclick={dismiss}>{ t.secret_copied }</button>
                <p class="small">{ t.secret_help }</p>
            </div>
        },
        Notice::Done(message) => html! { <p class="ok small" id="webhook-notice">{ message }</p> },
        Notice::Failed(e) => failure(session, e),
    };

    let body = match &*list {
        None => html! { <p class="muted">{ t.loading }</p> },
        Some(Err(e)) => failure(session, e),
        Some(Ok(hooks)) if hooks.is_empty() => {
            html! { <p class="muted" id="no-webhooks">{ t.no_webhooks }</p> }
        }
        Some(Ok(hooks)) => html! {
            <table class="list webhooks">
                <thead><tr>
                    <th>{ t.webhook_url }</th>
                    <th>{ t.webhook_sends }</th>
                    <th>{ t.status }</th>
                    <th class="num">{ t.waiting }</th>
                    <th class="num">{ t.dead_letters }</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    { for hooks.iter().map(|s| {
                        let h = &s.webhook;
                        let edit = {
                            let (editing, notice, h) = (editing.clone(), notice.clone(), h.clone());
                            Callback::from(move |_: MouseEvent| {
                                notice.set(Notice::None);
                                editing.set(Editing::Webhook(Box::new(h.clone())));
                            })
                        };
                        let ask_delete = {
                            let (confirm_delete, id) = (confirm_delete.clone(), h.id.clone());
                            Callback::from(move |_: MouseEvent| confirm_delete.set(Some(id.clone())))
                        };
                        let keep = {
                            let confirm_delete = confirm_delete.clone();
                            Callback::from(move |_: MouseEvent| confirm_delete.set(None))
                        };
                        let confirming = confirm_delete.as_deref() == Some(h.id.as_str());
                        let surveys = if h.surveys.is_empty() {
                            t.all_site_surveys.to_owned()
                        } else {
                            h.surveys.join(", ")
                        };
                        let payload = if h.payload == "chat" { t.payload_chat_short } else { t.payload_event_short };
                        html! {
                            <tr class={classes!("webhook", (!h.enabled).then_some("off"))}
                                data-webhook={h.id.clone()}>
                                <td class="url">
                                    <code>{ &h.url }</code>
                                    if !h.description.is_empty() {
                                        <div class="muted small">{ &h.description }</div>
                                    }
                                </td>
                                <td class="small">
                                    { payload }<br/>
                                    <span class="muted">{ format!("{surveys} · {}", condition(t, h)) }</span>
                                </td>
                                <td>
                                    if h.enabled {
                                        <span class="badge active">{ t.webhook_on }</span>
                                    } else {
                                        <span class="badge">{ t.webhook_off }</span>
                                    }
                                </td>
                                <td class="num waiting">{ s.waiting }</td>
                                <td class={classes!("num", "dead", (s.dead_letters > 0).then_some("some"))}>
                                    { s.dead_letters }
                                </td>
                                <td class="actions">
                                    if confirming {
                                        <span class="confirm">
                                            { t.delete_confirm }
                                            <button type="button" class="danger delete-yes"
                                                onclick={act(delete, h)}>{ t.delete }</button>
                                            <button type="button" class="delete-no" onclick={keep}>
                                                { t.cancel }
                                            </button>
                                        </span>
                                    } else {
                                        <button type="button" class="edit" onclick={edit}>{ t.edit }</button>
                                        <button type="button" class="toggle" onclick={act(toggle, h)}>
                                            { if h.enabled { t.turn_off } else { t.turn_on } }
                                        </button>
                                        <button type="button" class="rotate" onclick={act(rotate, h)}>
                                            { t.new_secret }
                                        </button>
                                        if s.dead_letters > 0 {
                                            <button type="button" class="retry" onclick={act(retry, h)}>
                                                { t.retry_dead }
                                            </button>
                                        }
                                        <button type="button" class="link danger-text delete"
                                            onclick={ask_delete}>{ t.delete }</button>
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
    };

    let refresh = {
        let reread = reread.clone();
        Callback::from(move |_: MouseEvent| reread())
    };
    html! {
        <section class="card" id="webhooks">
            <div class="title-row">
                <h2>{ t.webhooks }<span class="muted id">{ &props.site }</span></h2>
                <div class="controls">
                    <button type="button" id="webhooks-refresh" onclick={refresh}>{ t.refresh }</button>
                    if *editing == Editing::Closed {
                        <button type="button" class="primary" id="webhook-add" onclick={on_add}>
                            { t.webhook_add }
                        </button>
                    }
                </div>
            </div>
            <p class="muted small">{ t.webhooks_help }</p>
            { notice_html }
            {
                match &*editing {
                    Editing::Closed => html! {},
                    Editing::New => html! {
                        <WebhookForm session={session.clone()} site={props.site.clone()}
                            survey={props.survey.clone()} editing={None::<WebhookView>}
                            on_saved={on_saved.clone()} on_cancel={on_cancel.clone()} />
                    },
                    Editing::Webhook(h) => html! {
                        <WebhookForm key={h.id.clone()} session={session.clone()}
                            site={props.site.clone()} survey={props.survey.clone()}
                            editing={Some((**h).clone())} on_saved={on_saved.clone()}
                            on_cancel={on_cancel.clone()} />
                    },
                }
            }
            { body }
        </section>
    }
}

/// What an action on one webhook came to.
enum Outcome {
    Secret(String, String),
    Done(String),
}

type ActFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Outcome, ApiError>>>>;

/// An action on one webhook: the key, its path, the webhook as listed, the texts.
type Action = fn(String, String, WebhookView, &'static Texts) -> ActFuture;

fn toggle(key: String, path: String, hook: WebhookView, t: &'static Texts) -> ActFuture {
    Box::pin(async move {
        let input = WebhookInput {
            enabled: !hook.enabled,
            ..hook.input()
        };
        let _: WebhookView = api::send(&key, &path, &input).await?;
        Ok(Outcome::Done(
            if hook.enabled {
                t.webhook_turned_off
            } else {
                t.webhook_turned_on
            }
            .to_owned(),
        ))
    })
}

fn rotate(key: String, path: String, _: WebhookView, _: &'static Texts) -> ActFuture {
    Box::pin(async move {
        let view: WebhookView =
            api::post::<(), _>(&key, &format!("{path}/rotate-secret"), None).await?;
        Ok(Outcome::Secret(view.id, view.secret.unwrap_or_default()))
    })
}

fn retry(key: String, path: String, _: WebhookView, t: &'static Texts) -> ActFuture {
    Box::pin(async move {
        let retried: Retried =
            api::post::<(), _>(&key, &format!("{path}/dead-letters/retry"), None).await?;
        Ok(Outcome::Done(format!(
            "{}{}{}",
            t.retried_before, retried.retried, t.retried_after
        )))
    })
}

fn delete(key: String, path: String, _: WebhookView, t: &'static Texts) -> ActFuture {
    Box::pin(async move {
        api::delete(&key, &path).await?;
        Ok(Outcome::Done(t.webhook_deleted.to_owned()))
    })
}

/// Puts `text` on the clipboard and says so (`copied`); where the browser refuses, the box
/// is selected on focus, for Ctrl+C.
fn copy(text: String, copied: UseStateHandle<bool>) -> Callback<MouseEvent> {
    Callback::from(move |_: MouseEvent| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let written = window.navigator().clipboard().write_text(&text);
        let copied = copied.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Awaited, so that a refusal is handled here, not reported as unhandled.
            copied.set(wasm_bindgen_futures::JsFuture::from(written).await.is_ok());
        });
    })
}
