//! Parsers of command-line values: kinds of power, step kinds, times and attachments.
use crate::domain::core::organ::PowerKind;
use crate::domain::enforcement::model::{Attachment, StepKind};

pub(super) fn parse_kind(s: &str) -> Result<PowerKind, String> {
    PowerKind::parse(s).ok_or_else(|| {
        format!(
            "unknown kind {s:?}; use one of: {}",
            PowerKind::ALL.map(|k| k.as_str()).join(", ")
        )
    })
}

pub(super) fn parse_step(s: &str) -> Result<StepKind, String> {
    let kinds = [
        ("initiation", StepKind::Initiation),
        ("investigation", StepKind::Investigation),
        ("inspection", StepKind::Inspection),
        ("evidence", StepKind::EvidenceCollection),
        ("on-site", StepKind::OnSite),
        ("seizure", StepKind::Seizure),
        ("restriction-of-freedom", StepKind::RestrictionOfFreedom),
        ("forced-demolition", StepKind::ForcedDemolition),
        ("rights-notice", StepKind::RightsNotice),
        ("hearing", StepKind::Hearing),
        ("service", StepKind::Service),
        ("execution", StepKind::Execution),
        ("archiving", StepKind::Archiving),
        ("closure", StepKind::Closure),
        ("other", StepKind::Other),
    ];
    kinds
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            format!(
                "unknown step {s:?}; use one of: {}",
                kinds.map(|(n, _)| n).join(", ")
            )
        })
}

pub(super) fn parse_time(s: &str) -> Result<i64, String> {
    if s == "now" {
        return Ok(chrono::Utc::now().timestamp_millis());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("{s:?} is not a time like 2025-10-09T10:00:00+08:00 or now: {e}"))
}

pub(super) fn parse_attachment(s: &str) -> Result<Attachment, String> {
    let mut it = s.splitn(3, ':');
    match (it.next(), it.next(), it.next()) {
        (Some(h), Some(size), Some(t)) => Ok(Attachment {
            sha256: h.to_string(),
            size: size
                .parse()
                .map_err(|_| format!("attachment size {size:?} is not a number"))?,
            media_type: t.to_string(),
        }),
        _ => Err("attachment is SHA256:SIZE:MEDIA-TYPE".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_parsers_refuse_bad_input() {
        assert!(parse_kind("penalty").is_ok());
        assert!(parse_kind("taxation").unwrap_err().contains("licensing"));
        assert!(parse_step("seizure").is_ok());
        assert!(parse_step("arrest").is_err());
        assert!(parse_time("2025-10-09T10:00:00+08:00").is_ok());
        assert!(parse_time("yesterday").is_err());
        assert!(parse_attachment("ab:12:video/mp4").is_ok());
        assert!(parse_attachment("ab:twelve:video/mp4").is_err());
        assert!(parse_attachment("ab").is_err());
    }
}
