//! Protobuf ↔ domain conversions. Malformed input becomes `InvalidArgument`, never a command.
use sanxiang_proto::region as pb;
use tonic::Status;

use crate::domain::{Agency, AgencyInput, CommandResult, Outcome, PowerKind, Response};

/// Checks the dedup ids of a write.
pub fn write_id(w: Option<pb::WriteId>) -> Result<(String, u64), Status> {
    let w =
        w.ok_or_else(|| Status::invalid_argument("缺少 write_id（须含 client_id 和 request_id）"))?;
    if w.client_id.is_empty()
        || w.client_id.len() > 64
        || !w.client_id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(Status::invalid_argument(
            "client_id 须为 1–64 个可打印 ASCII 字符",
        ));
    }
    if w.request_id == 0 {
        return Err(Status::invalid_argument("request_id 须不小于 1"));
    }
    Ok((w.client_id, w.request_id))
}

/// Converts an agency input; unknown power kinds are refused with the list of known ones.
pub fn agency_input(a: Option<pb::AgencyInput>) -> Result<AgencyInput, Status> {
    let a = a.ok_or_else(|| Status::invalid_argument("缺少 agency（执法机关信息）"))?;
    let mut powers = Vec::new();
    for p in &a.powers {
        powers.push(PowerKind::parse(p).ok_or_else(|| {
            Status::invalid_argument(format!(
                "未知的职权类别 {p:?}；可选：{}",
                PowerKind::ALL.map(|k| k.as_str()).join(", ")
            ))
        })?);
    }
    Ok(AgencyInput {
        name: a.name,
        powers,
        legal_basis: a.legal_basis,
        domain: a.domain,
        contact: a.contact,
    })
}

pub fn agency(a: &Agency) -> pb::Agency {
    pb::Agency {
        id: a.id,
        name: a.name.clone(),
        powers: a.powers.iter().map(|p| p.as_str().to_string()).collect(),
        legal_basis: a.legal_basis.clone(),
        domain: a.domain.clone(),
        contact: a.contact.clone(),
        version: a.version,
        created_at_ms: a.created_at_ms,
        updated_at_ms: a.updated_at_ms,
        created_by: a.created_by.clone(),
    }
}

pub fn write_reply(r: Response) -> pb::WriteReply {
    let outcome = match r.outcome {
        Outcome::Ok(CommandResult::Agency(a)) => Some(pb::write_reply::Outcome::Agency(agency(&a))),
        Outcome::Ok(CommandResult::None) => None,
        Outcome::Ok(CommandResult::Record { id, flags }) => {
            Some(pb::write_reply::Outcome::Record(pb::RecordRef {
                id,
                flags,
            }))
        }
        Outcome::Ok(CommandResult::Ingested(r)) => {
            Some(pb::write_reply::Outcome::Record(pb::RecordRef {
                id: r.mark,
                flags: r.alerts,
            }))
        }
        Outcome::Refused(f) => Some(pb::write_reply::Outcome::Refused(pb::Refusal {
            rule: f.rule,
            message: f.message,
        })),
    };
    pb::WriteReply {
        outcome,
        log_index: r.log_index,
        leaf_index: r.leaf_index.unwrap_or(0),
        deduplicated: r.deduplicated,
    }
}
