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

/// One typed service: its name, what it is for, its commands (the `Command` variants) and its
/// reads.
pub struct Service {
    pub name: &'static str,
    pub file: &'static str,
    pub doc: &'static str,
    pub commands: &'static [&'static str],
    pub reads: &'static [Read],
}

/// One typed read: the RPC, the query view it answers (`what` of `Region.Query`), and the
/// domain type of its answer (a list of them when `list`).
pub struct Read {
    pub rpc: &'static str,
    pub what: &'static str,
    pub reply: &'static str,
    pub list: bool,
    pub doc: &'static str,
}

const fn read(
    rpc: &'static str,
    what: &'static str,
    reply: &'static str,
    doc: &'static str,
) -> Read {
    Read {
        rpc,
        what,
        reply,
        list: false,
        doc,
    }
}

const fn list(
    rpc: &'static str,
    what: &'static str,
    reply: &'static str,
    doc: &'static str,
) -> Read {
    Read {
        list: true,
        ..read(rpc, what, reply, doc)
    }
}

/// The answers of the typed reads, beside the commands: the one schema every typed message is
/// generated from (so a name means one type). Never built, only described.
#[derive(schemars::JsonSchema)]
#[allow(dead_code, clippy::large_enum_variant)]
enum TypedRoot {
    Command(Command),
    Agency(crate::domain::Agency),
    Officer(crate::domain::enforcement::model::Officer),
    Case(crate::domain::enforcement::model::Case),
    CaseLine(crate::view::query::CaseLine),
    Step(crate::domain::enforcement::model::Step),
    Catalog(crate::view::query::Catalog),
    YearCalendar(crate::domain::calendar::days::YearCalendar),
    PublicationView(crate::view::query::PublicationView),
    Summary(crate::view::query::Summary),
    Reports(crate::view::query::Reports),
    Notices(crate::view::query::Notices),
    HeadView(crate::view::query::HeadView),
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
        reads: &[
            list("ListAgencies", "agencies", "Agency", "The region's agencies, by id."),
            list("ListOfficers", "officers", "Officer", "The region's officers, by id."),
            read("GetOfficer", "officer", "Officer", "One officer, by `id`."),
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
        reads: &[
            read("GetCase", "case", "Case", "One case, by `id`, with its steps, review and decision; a party's private data\nmasked unless the caller may see it (REC-4)."),
            list("ListCases", "cases", "CaseLine", "Every case, one line each."),
            list("ListSteps", "steps", "Step", "The recorded steps of the case `id` (REC-1)."),
            read("GetCatalog", "catalog", "Catalog", "The major-decision catalog (REV-2): the rules in force and the defaults."),
            read("GetCalendar", "calendar", "YearCalendar", "The holiday calendar of the year `id` (e.g. 2027)."),
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
        reads: &[list(
            "ListPublications",
            "publications",
            "PublicationView",
            "Publications of the case `id` (0: every case), public text and state (PUB-3).",
        )],
    },
    Service {
        name: "Supervision",
        file: "supervision.proto",
        doc:
            "Supervision: quarterly progress reports (SUP-1, SUP-3), circulated notices and their\n\
              answers (SUP-2), items sent to the regions below, and the re-baseline of a child's\n\
              link this region lost.",
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
            "RebaselineLink",
        ],
        reads: &[
            read("GetSummary", "summary", "Summary", "This region's status-summary counters (SUP-4)."),
            read("ListReports", "reports", "Reports", "The region's own reports and those received from below (SUP-1)."),
            read("ListNotices", "notices", "Notices", "Notices issued here and received from above (SUP-2)."),
        ],
    },
];

/// The package of the typed messages.
pub const PACKAGE: &str = "sanxiang.api.v1";

/// The shapes of every typed message, read once from the schema of [`TypedRoot`].
pub fn shapes() -> Result<&'static Shapes, TypedError> {
    static SHAPES: OnceLock<Result<Shapes, String>> = OnceLock::new();
    SHAPES
        .get_or_init(|| {
            Shapes::read(&schemars::schema_for!(TypedRoot).to_value()).map_err(|e| e.to_string())
        })
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
    let v = shapes.command(variant)?;
    let shape::Payload::One(shape::Ty::Named(ty)) = &v.payload else {
        return Err(TypedError::Schema(format!(
            "{variant} has no named payload"
        )));
    };
    let msg = DynamicMessage::decode(message(ty)?, payload)?;
    let value = transcode::to_domain(shapes, ty, &msg, "command")?;
    serde_json::from_value(serde_json::json!({ variant: value })).map_err(TypedError::Domain)
}

/// A domain value (its JSON form) as its typed message `T`, through the transcoder.
pub fn typed<T: prost::Message + Default>(
    ty: &str,
    v: &serde_json::Value,
) -> Result<T, TypedError> {
    let desc = message(ty)?;
    let msg = transcode::from_domain(shapes()?, ty, v, &desc)?;
    T::decode(prost::Message::encode_to_vec(&msg).as_slice())
        .map_err(|e| TypedError::Schema(format!("{ty}: {e}")))
}

fn message(name: &str) -> Result<prost_reflect::MessageDescriptor, TypedError> {
    pool()?
        .get_message_by_name(&format!("{PACKAGE}.{name}"))
        .ok_or_else(|| TypedError::Schema(format!("no message {name}")))
}

/// The encoded answer of a typed read, from the JSON form of its view.
pub fn reply_bytes(read: &Read, v: &serde_json::Value) -> Result<Vec<u8>, TypedError> {
    let shapes = shapes()?;
    if !read.list {
        let msg = transcode::from_domain(shapes, read.reply, v, &message(read.reply)?)?;
        return Ok(prost::Message::encode_to_vec(&msg));
    }
    let desc = message(&format!("{}Reply", read.rpc))?;
    let items = desc
        .get_field_by_name("items")
        .ok_or_else(|| TypedError::Schema(format!("{}Reply has no items", read.rpc)))?;
    let item = message(read.reply)?;
    let list = v
        .as_array()
        .ok_or_else(|| TypedError::Schema(format!("{} is not a list", read.what)))?
        .iter()
        .map(|x| {
            transcode::from_domain(shapes, read.reply, x, &item).map(prost_reflect::Value::Message)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut msg = DynamicMessage::new(desc);
    msg.set_field(&items, prost_reflect::Value::List(list));
    Ok(prost::Message::encode_to_vec(&msg))
}
