//! The typed API: one gRPC service per concern (registry, enforcement, publication,
//! supervision; the ledger's in `ledger.proto`), one RPC per domain command, each taking that
//! command's payload as a protobuf message.
//!
//! Nothing here is written twice. The messages are generated from the domain's own types —
//! their JSON Schema, derived with `schemars` ([`shape`]) — into `proto/…/api/v1/*.proto`
//! ([`emit`], numbers kept across regenerations), and a request is read back into the domain's
//! value by one transcoder ([`transcode`]) before it becomes the same [`Command`] the JSON
//! `Execute` surface and the CLI send. The JSON Schema itself is published for `Execute`
//! (`docs/api/command.schema.json`).
pub mod emit;
pub mod services;
pub mod shape;
pub mod transcode;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, DynamicMessage};

use crate::domain::Command;
use shape::Shapes;

/// Why a typed request is not a command.
#[derive(Debug, thiserror::Error)]
pub enum TypedError {
    /// A field of the request is wrong: refused with its path.
    #[error("字段 {field}：{problem}")]
    Input { field: String, problem: String },
    /// The request's bytes are not its message.
    #[error("请求无法解码：{0}")]
    Decode(#[from] prost::DecodeError),
    /// The fields are well formed but the domain does not take the value.
    #[error("命令无效：{0}")]
    Domain(#[source] serde_json::Error),
    /// The schema, the descriptors and the code disagree (a build defect, never input).
    #[error("typed API definition: {0}")]
    Schema(String),
}

/// One typed service: its name, what it is for, and its commands (the `Command` variants).
pub struct Service {
    pub name: &'static str,
    pub file: &'static str,
    pub doc: &'static str,
    pub commands: &'static [&'static str],
}

/// Every command a person may send, by the service that takes it. A test holds this list to
/// the commands that are not node-only.
pub const SERVICES: &[Service] = &[
    Service {
        name: "Registry",
        file: "registry.proto",
        doc: "The registry of the region: enforcement agencies (PUB-1), their officers and\n\
              certificates (PUB-2), and each agency's own settings.",
        commands: &[
            "RegisterAgency",
            "UpdateAgency",
            "CloseAgency",
            "RegisterOfficer",
            "IssueCertificate",
            "ChangeCertificate",
            "SetStepOrder",
            "SetQuorum",
            "SetAvList",
        ],
    },
    Service {
        name: "Enforcement",
        file: "enforcement.proto",
        doc:
            "Cases from opening to decision: the recorded steps (REC-1, REC-2), the legal review\n\
              of major decisions (REV-1…REV-8), the decision, and the rules and calendar they\n\
              are held to.",
        commands: &[
            "OpenCase",
            "RecordStep",
            "SubmitReview",
            "ReviewOpinion",
            "AddExpertOpinion",
            "RecordConsultation",
            "Decide",
            "ExtendDecisionLimit",
            "RecordLegalOutcome",
            "SetCatalogRule",
            "SetReviewDays",
            "SetLawSettings",
            "LoadCalendarYear",
        ],
    },
    Service {
        name: "Publication",
        file: "publication.proto",
        doc: "Publicity of decisions (PUB-3…PUB-5): drafting, release review, withdrawal (LAW-6)\n\
              and the time allowed to publish.",
        commands: &[
            "DraftPublication",
            "ReleasePublication",
            "WithdrawPublication",
            "SetPublishDays",
        ],
    },
    Service {
        name: "Supervision",
        file: "supervision.proto",
        doc:
            "Supervision: quarterly progress reports (SUP-1, SUP-3), circulated notices and their\n\
              answers (SUP-2), and items sent to the regions below.",
        commands: &[
            "SetReportDue",
            "DefinePeriod",
            "DraftReport",
            "SubmitReport",
            "JudgeReport",
            "DraftNotice",
            "SignNotice",
            "AnswerNotice",
            "JudgeNotice",
            "SendDown",
        ],
    },
];

/// The package of the typed messages.
pub const PACKAGE: &str = "sanxiang.api.v1";

/// The shapes of [`Command`], read once from its schema.
pub fn shapes() -> Result<&'static Shapes, TypedError> {
    static SHAPES: OnceLock<Result<Shapes, String>> = OnceLock::new();
    SHAPES
        .get_or_init(|| Shapes::read(&command_schema()).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| TypedError::Schema(e.clone()))
}

/// The JSON Schema of [`Command`], as published.
pub fn command_schema() -> serde_json::Value {
    schemars::schema_for!(Command).to_value()
}

/// The descriptors of every compiled `.proto` file.
pub fn pool() -> Result<&'static DescriptorPool, TypedError> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(sanxiang_proto::FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| TypedError::Schema(e.clone()))
}

/// The command `variant` from the encoded bytes of its payload message.
pub fn command(variant: &str, payload: &[u8]) -> Result<Command, TypedError> {
    let shapes = shapes()?;
    let v = shapes.variant(variant)?;
    let shape::Payload::One(shape::Ty::Named(ty)) = &v.payload else {
        return Err(TypedError::Schema(format!(
            "{variant} has no named payload"
        )));
    };
    let desc = pool()?
        .get_message_by_name(&format!("{PACKAGE}.{ty}"))
        .ok_or_else(|| TypedError::Schema(format!("no message {ty}")))?;
    let msg = DynamicMessage::decode(desc, payload)?;
    let value = transcode::to_domain(shapes, ty, &msg, "command")?;
    serde_json::from_value(serde_json::json!({ variant: value })).map_err(TypedError::Domain)
}
