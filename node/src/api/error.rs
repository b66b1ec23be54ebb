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

/// The reason and metadata of a refusal that carries none yet, from its code, its message
/// ("未通过（RULE）…" names a rule) and a certificate reason.
pub fn reason_of(
    code: Code,
    message: &str,
    cert: Option<&str>,
) -> (String, HashMap<String, String>) {
    let mut meta = HashMap::new();
    if let Some(r) = cert {
        return (format!("CERTIFICATE_{r}"), meta);
    }
    if let Some(rule) = message
        .strip_prefix("未通过（")
        .and_then(|r| r.split_once('）'))
        .map(|(rule, _)| rule)
    {
        meta.insert("rule".to_string(), rule.to_string());
        return ("RULE_REFUSED".to_string(), meta);
    }
    let name = format!("{code:?}");
    (crate::api::typed::emit::screaming(&name), meta)
}

/// The `grpc-status-details-bin` value of a refusal without details: its `ErrorInfo`.
pub fn details_header(code: Code, message: &str, cert: Option<&str>) -> Option<String> {
    use base64::Engine;
    let (reason, meta) = reason_of(code, message, cert);
    let s = Status::with_error_details(
        code,
        message,
        ErrorDetails::with_error_info(reason, DOMAIN, meta),
    );
    if s.details().is_empty() {
        return None;
    }
    Some(base64::engine::general_purpose::STANDARD_NO_PAD.encode(s.details()))
}

/// Adds the reason to a status that has no details yet (a refusal built elsewhere).
pub fn with_reason(status: Status) -> Status {
    if !status.details().is_empty() {
        return status;
    }
    let cert = status
        .metadata()
        .get(REASON_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (reason, meta) = reason_of(status.code(), status.message(), cert.as_deref());
    let d = ErrorDetails::with_error_info(reason, DOMAIN, meta);
    Status::with_error_details_and_metadata(
        status.code(),
        status.message(),
        d,
        status.metadata().clone(),
    )
}

/// Adds the `ErrorInfo` of a refusal answered "trailers only" (its status in the headers)
/// that carries no details.
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
    let Some(value) = details_header(Code::from_i32(code), &message, cert.as_deref()) else {
        return;
    };
    if let Ok(v) = tonic::codegen::http::HeaderValue::from_str(&value) {
        headers.insert(DETAILS, v);
    }
}
