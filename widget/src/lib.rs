//! The nunchi widget, compiled to wasm32 and embedded by one `<script>` tag.
//!
//! This is a skeleton: it links the `shared` contract for `wasm32-unknown-unknown`, which the
//! test command builds, so that nothing enters `shared` that cannot run in a browser. The yew
//! application (bootstrap, triggers, throttling on the device, rendering in a shadow root, the
//! offline outbox) arrives with the widget issue.

/// The throttling decision the widget takes for anonymous visitors: the very function the
/// collector runs for members.
pub use shared::throttle::decide;
