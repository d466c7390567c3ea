//! The shell: the header with the language switch and sign-out, then the sign-in form or the
//! page the address names.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use super::Session;
use super::act::Act;
use super::comments::Comments;
use super::editor::Editor;
use super::results::Results;
use super::sign_in::SignIn;
use super::surveys::Surveys;
use crate::route::Route;
use crate::session;
use crate::texts::Lang;

#[component]
pub(crate) fn App() -> Html {
    let lang = use_state(session::lang);
    let key = use_state(session::key);
    let admin = use_state(session::is_admin);
    let route = use_state(Route::current);
    // Why the user was signed out, shown on the sign-in form.
    let notice = use_state(|| None::<&'static str>);

    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window();
            let listener = Closure::<dyn Fn()>::new(move || route.set(Route::current()));
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    use_effect_with(*lang, |lang| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = document.document_element() {
                let _ = root.set_attribute("lang", lang.code());
            }
            document.set_title(lang.texts().title);
        }
    });

    let t = lang.texts();
    let switch_lang = {
        let lang = lang.clone();
        Callback::from(move |_: MouseEvent| {
            let next = match *lang {
                Lang::Ko => Lang::En,
                Lang::En => Lang::Ko,
            };
            session::keep_lang(next);
            lang.set(next);
        })
    };
    let signed_in = {
        let (key, notice, admin) = (key.clone(), notice.clone(), admin.clone());
        Callback::from(move |(k, is_admin): (String, bool)| {
            session::keep_key(&k, is_admin);
            notice.set(None);
            admin.set(is_admin);
            key.set(Some(k));
        })
    };
    let sign_out = {
        let key = key.clone();
        Callback::from(move |_: MouseEvent| {
            session::forget_key();
            key.set(None);
        })
    };
    let refused = {
        let (key, notice, lang) = (key.clone(), notice.clone(), lang.clone());
        Callback::from(move |()| {
            session::forget_key();
            notice.set(Some(lang.texts().key_refused));
            key.set(None);
        })
    };

    let page = match &*key {
        None => html! { <SignIn lang={*lang} notice={*notice} {signed_in} /> },
        Some(k) => {
            let session = Session {
                key: k.clone(),
                admin: *admin,
                lang: *lang,
                refused,
            };
            match &*route {
                Route::Surveys => html! { <Surveys {session} /> },
                Route::Results { site, survey } => html! {
                    <Results {session} site={site.clone()} survey={survey.clone()} />
                },
                Route::Comments { site, survey } => html! {
                    <Comments {session} site={site.clone()} survey={survey.clone()} />
                },
                Route::Act { site, survey } => html! {
                    <Act {session} site={site.clone()} survey={survey.clone()} />
                },
                Route::Edit { site, survey } => html! {
                    <Editor {session} site={site.clone()} survey={Some(survey.clone())} />
                },
                Route::New { site } => html! {
                    <Editor {session} site={site.clone()} survey={None::<String>} />
                },
            }
        }
    };

    html! {
        <>
            <header class="top">
                <a class="brand" href="#/">{ "nunchi" }<span>{ " 눈치" }</span></a>
                <nav class="tools">
                    <button type="button" class="link" id="lang-switch" onclick={switch_lang}
                        lang={match *lang { Lang::Ko => "en", Lang::En => "ko" }}>
                        { t.other_lang }
                    </button>
                    if key.is_some() {
                        <button type="button" class="link" id="sign-out" onclick={sign_out}>
                            { t.sign_out }
                        </button>
                    }
                </nav>
            </header>
            <main>{ page }</main>
        </>
    }
}
