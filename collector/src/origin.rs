//! Which pages may post for a site.
//!
//! CORS only stops a browser from *reading* the answer; a plain cross-origin POST still reaches
//! the server. So writes check the `Origin` header themselves: a browser always sends it on a
//! cross-origin POST. Requests without one (a POS, a script) are not from a browser page and
//! are let through; pages served by the collector itself (kiosk, receipt) are same-origin.

use axum::http::{HeaderMap, header};

use crate::error::ApiError;
use crate::site::Site;

pub fn check(headers: &HeaderMap, site: &Site) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin
        .to_str()
        .map_err(|_| ApiError::OriginNotAllowed("<not text>".into()))?;
    let own_host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let same_origin = own_host.is_some_and(|host| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            == Some(host)
    });
    if same_origin || site.allows_origin(origin) {
        Ok(())
    } else {
        Err(ApiError::OriginNotAllowed(origin.to_owned()))
    }
}
