//! Machine-readable reasons on every refused call: a `google.rpc.ErrorInfo` (reason, domain
//! `sanxiang`, metadata such as the rule) in `grpc-status-details-bin`, and for a bad field a
//! `google.rpc.BadRequest` naming it. Programs read the reason; people read the message.
use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `ErrorInfo.domain` of every reason.
pub const DOMAIN: &str = "sanxiang";

/// Metadata key of the certificate refusal reason (also a header, for plain clients).
pub const REASON_HEADER: &str = "x-sanxiang-reason";

/// A field of the request is wrong: `INVALID_ARGUMENT`, with the field in `BadRequest` and
/// `ErrorInfo { reason: "INVALID_FIELD", metadata: { field } }`.
pub fn invalid_field(field: &str, message: impl Into<String>) -> Status {
    let message = message.into();
    let mut d = ErrorDetails::with_bad_request_violation(field, message.clone());
    d.set_error_info(
        "INVALID_FIELD",
        DOMAIN,
        HashMap::from([("field".to_string(), field.to_string())]),
    );
    Status::with_error_details(Code::InvalidArgument, message, d)
}

/// A write refused by a rule at the API (a replayed write id): `code`, with `ErrorInfo {
/// reason: "RULE_REFUSED", metadata: { rule } }`.
pub fn rule_refused(code: Code, rule: &str, message: impl Into<String>) -> Status {
    let d = ErrorDetails::with_error_info(
        "RULE_REFUSED",
        DOMAIN,
        HashMap::from([("rule".to_string(), rule.to_string())]),
    );
    Status::with_error_details(code, message, d)
}

/// The reason of a refusal that carries none yet: its certificate reason, else its code's
/// name (`PERMISSION_DENIED`, `NOT_FOUND`, …).
fn reason_of(code: Code, cert: Option<&str>) -> String {
    match cert {
        Some(r) => format!("CERTIFICATE_{r}"),
        None => crate::api::typed::emit::screaming(&format!("{code:?}")),
    }
}

/// Adds the `ErrorInfo` of a refusal answered "trailers only" (its status in the headers)
/// that carries no details: the one place every service's refusals get their reason.
pub fn add_reason(headers: &mut tonic::codegen::http::HeaderMap, code: i32) {
    const DETAILS: &str = "grpc-status-details-bin";
    if headers.contains_key(DETAILS) {
        return;
    }
    let message = headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .map(|m| {
            percent_encoding::percent_decode_str(m)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let cert = headers
        .get(REASON_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    use base64::Engine;
    let code = Code::from_i32(code);
    let info =
        ErrorDetails::with_error_info(reason_of(code, cert.as_deref()), DOMAIN, HashMap::new());
    let details = Status::with_error_details(code, message, info)
        .details()
        .to_vec();
    let value = base64::engine::general_purpose::STANDARD_NO_PAD.encode(details);
    if let Ok(v) = tonic::codegen::http::HeaderValue::from_str(&value) {
        headers.insert(DETAILS, v);
    }
}
