//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>).
//!
//! Each try carries three headers: `webhook-id` (the message id, the same on every try, for
//! the receiver to deduplicate), `webhook-timestamp` (seconds since the epoch, of this try, for
//! the receiver to refuse replays) and `webhook-signature`: `v1,` and the base64 HMAC-SHA256,
//! under the decoded secret, of `{id}.{timestamp}.{body}`. Any Standard Webhooks library
//! verifies it.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Secret;

pub const ID: &str = "webhook-id";
pub const TIMESTAMP: &str = "webhook-timestamp";
pub const SIGNATURE: &str = "webhook-signature";

/// The `webhook-signature` value for one try.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&secret.key()).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification and its reference libraries.
    #[test]
    fn signs_the_specification_example() {
        let secret: Secret =
            serde_json::from_str(r#""whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw""#).unwrap();
        assert_eq!(
            sign(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
