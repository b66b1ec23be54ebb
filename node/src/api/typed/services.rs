//! The typed services: each RPC takes its command's payload message, reads it into the
//! domain's command through the one transcoder, and writes it by the same path as `Execute`
//! (the caller from the verified certificate, deduplication by write id, the leader hint).
use prost::Message;
use sanxiang_proto::api as pb;
use sanxiang_proto::region::LedgerRootReply;
use tonic::{Request, Response, Status};

use super::{TypedError, SERVICES};
use crate::api::error::invalid_field;
use crate::api::RegionService;
use crate::domain::registry::AGENCIES;
use crate::pki::Identity;
use crate::view::query;

/// One typed service over the region's write path.
pub struct TypedService(pub RegionService);

impl From<TypedError> for Status {
    fn from(e: TypedError) -> Self {
        match &e {
            TypedError::Input { field, .. } => invalid_field(field, e.to_string()),
            TypedError::Decode(_) | TypedError::Domain(_) => {
                invalid_field("command", e.to_string())
            }
            TypedError::Schema(_) => {
                tracing::error!(error = %e, "typed API definition");
                Status::internal(e.to_string())
            }
        }
    }
}

impl TypedService {
    async fn typed_write(
        &self,
        who: Identity,
        write_id: Option<sanxiang_proto::region::WriteId>,
        variant: &str,
        payload: Option<Vec<u8>>,
    ) -> Result<Response<pb::WriteReply>, Status> {
        let payload =
            payload.ok_or_else(|| invalid_field("command", "缺少 command（命令内容）"))?;
        let command = super::command(variant, &payload)?;
        let r = self.0.write_response(who, write_id, command).await?;
        Ok(Response::new(write_reply(r)?))
    }

    /// The encoded answer of the read `rpc`, as `who` sees it.
    async fn typed_read(
        &self,
        who: &Identity,
        rpc: &str,
        r: &pb::ReadRequest,
    ) -> Result<Vec<u8>, Status> {
        let read = SERVICES
            .iter()
            .flat_map(|s| s.reads.iter())
            .find(|x| x.rpc == rpc)
            .ok_or_else(|| Status::internal(format!("no read {rpc}")))?;
        self.0.consistent(r.consistency).await?;
        let value = if read.what == "agencies" {
            self.agencies(r)?
        } else {
            let v = self
                .0
                .ctx
                .sm
                .read(|s| query::run_logged(&s.domain, who, read.what, r.id))?;
            let v = query::json(&v).map_err(|e| Status::internal(e.to_string()))?;
            if read.list {
                page(v, r)?
            } else {
                v
            }
        };
        Ok(super::reply_bytes(read, &value)?)
    }

    /// A page of the agency registry, in the domain's JSON form.
    fn agencies(&self, r: &pb::ReadRequest) -> Result<serde_json::Value, Status> {
        let limit = limit(r)?;
        let from = r.after_id.saturating_add(1);
        let list: Vec<crate::domain::Agency> = self
            .0
            .ctx
            .sm
            .read(|s| {
                AGENCIES
                    .scan_from(&s.domain, &from)
                    .take(limit)
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| Status::internal(e.to_string()))?;
        serde_json::to_value(list).map_err(|e| Status::internal(e.to_string()))
    }
}

/// The page size a read asks for: 0 is the most, [`MAX_PAGE`]; more is refused.
///
/// [`MAX_PAGE`]: crate::api::region_service::MAX_PAGE
fn limit(r: &pb::ReadRequest) -> Result<usize, Status> {
    use crate::api::region_service::MAX_PAGE;
    if r.limit > MAX_PAGE {
        return Err(invalid_field(
            "limit",
            format!("limit {} 超过上限 {MAX_PAGE}", r.limit),
        ));
    }
    Ok(if r.limit == 0 { MAX_PAGE } else { r.limit } as usize)
}

/// One page of a list view, by id: the records after `after_id`, at most `limit` of them.
fn page(v: serde_json::Value, r: &pb::ReadRequest) -> Result<serde_json::Value, Status> {
    let limit = limit(r)?;
    let serde_json::Value::Array(items) = v else {
        return Ok(v);
    };
    let id = |x: &serde_json::Value| x.get("id").and_then(serde_json::Value::as_u64).unwrap_or(0);
    Ok(serde_json::Value::Array(
        items
            .into_iter()
            .filter(|x| id(x) > r.after_id)
            .take(limit)
            .collect(),
    ))
}

/// The typed answer to a write.
fn write_reply(r: crate::domain::Response) -> Result<pb::WriteReply, TypedError> {
    use crate::domain::{CommandResult, Outcome};
    use pb::write_reply::Outcome as O;
    use sanxiang_proto::region::{RecordRef, Refusal};
    let outcome = match r.outcome {
        Outcome::Ok(CommandResult::Agency(a)) => {
            let v = serde_json::to_value(&a).map_err(|e| TypedError::Schema(e.to_string()))?;
            Some(O::Agency(super::typed::<pb::Agency>("Agency", &v)?))
        }
        Outcome::Ok(CommandResult::None) => None,
        Outcome::Ok(CommandResult::Record { id, flags }) => {
            Some(O::Record(RecordRef { id, flags }))
        }
        Outcome::Ok(CommandResult::Ingested(i)) => Some(O::Record(RecordRef {
            id: i.mark,
            flags: i.alerts,
        })),
        Outcome::Refused(f) => Some(O::Refused(Refusal {
            rule: f.rule,
            message: f.message,
        })),
    };
    Ok(pb::WriteReply {
        outcome,
        log_index: r.log_index,
        leaf_index: r.leaf_index.unwrap_or(0),
        deduplicated: r.deduplicated,
    })
}

/// Implements a typed service's trait: one method per command, `method(Request) => Variant`,
/// and one per read, `method => Rpc: Reply`.
macro_rules! typed_service {
    ($tr:path {
        writes { $( $method:ident($req:ident) => $variant:literal ),* $(,)? }
        reads { $( $rmethod:ident => $rpc:literal : $reply:ident ),* $(,)? }
    }) => {
        #[tonic::async_trait]
        impl $tr for TypedService {
            $(
                #[tracing::instrument(skip_all, fields(region = %self.0.ctx.region, call = $variant))]
                async fn $method(
                    &self,
                    req: Request<pb::$req>,
                ) -> Result<Response<pb::WriteReply>, Status> {
                    let who = self.0.writer(&req, $variant)?;
                    let r = req.into_inner();
                    let payload = r.command.map(|c| c.encode_to_vec());
                    self.typed_write(who, r.write_id, $variant, payload).await
                }
            )*
            $(
                #[tracing::instrument(skip_all, fields(region = %self.0.ctx.region, call = $rpc))]
                async fn $rmethod(
                    &self,
                    req: Request<pb::ReadRequest>,
                ) -> Result<Response<pb::$reply>, Status> {
                    let who = self.0.reader(&req, $rpc)?;
                    let bytes = self.typed_read(&who, $rpc, req.get_ref()).await?;
                    let reply = pb::$reply::decode(bytes.as_slice())
                        .map_err(|e| Status::internal(e.to_string()))?;
                    Ok(Response::new(reply))
                }
            )*
        }
    };
}

typed_service!(pb::registry_server::Registry {
    writes {
        register_agency(RegisterAgencyRequest) => "RegisterAgency",
        update_agency(UpdateAgencyRequest) => "UpdateAgency",
        close_agency(CloseAgencyRequest) => "CloseAgency",
        register_officer(RegisterOfficerRequest) => "RegisterOfficer",
        issue_certificate(IssueCertificateRequest) => "IssueCertificate",
        change_certificate(ChangeCertificateRequest) => "ChangeCertificate",
        set_step_order(SetStepOrderRequest) => "SetStepOrder",
        set_quorum(SetQuorumRequest) => "SetQuorum",
        set_av_list(SetAvListRequest) => "SetAvList",
    }
    reads {
        list_agencies => "ListAgencies": ListAgenciesReply,
        list_officers => "ListOfficers": ListOfficersReply,
        get_officer => "GetOfficer": Officer,
    }
});

typed_service!(pb::enforcement_server::Enforcement {
    writes {
        open_case(OpenCaseRequest) => "OpenCase",
        record_step(RecordStepRequest) => "RecordStep",
        submit_review(SubmitReviewRequest) => "SubmitReview",
        review_opinion(ReviewOpinionRequest) => "ReviewOpinion",
        add_expert_opinion(AddExpertOpinionRequest) => "AddExpertOpinion",
        record_consultation(RecordConsultationRequest) => "RecordConsultation",
        decide(DecideRequest) => "Decide",
        extend_decision_limit(ExtendDecisionLimitRequest) => "ExtendDecisionLimit",
        record_legal_outcome(RecordLegalOutcomeRequest) => "RecordLegalOutcome",
        set_catalog_rule(SetCatalogRuleRequest) => "SetCatalogRule",
        set_review_days(SetReviewDaysRequest) => "SetReviewDays",
        set_law_settings(SetLawSettingsRequest) => "SetLawSettings",
        load_calendar_year(LoadCalendarYearRequest) => "LoadCalendarYear",
    }
    reads {
        get_case => "GetCase": Case,
        list_cases => "ListCases": ListCasesReply,
        list_steps => "ListSteps": ListStepsReply,
        get_catalog => "GetCatalog": Catalog,
        get_calendar => "GetCalendar": YearCalendar,
    }
});

typed_service!(pb::publication_server::Publication {
    writes {
        draft_publication(DraftPublicationRequest) => "DraftPublication",
        release_publication(ReleasePublicationRequest) => "ReleasePublication",
        withdraw_publication(WithdrawPublicationRequest) => "WithdrawPublication",
        set_publish_days(SetPublishDaysRequest) => "SetPublishDays",
    }
    reads {
        list_publications => "ListPublications": ListPublicationsReply,
    }
});

typed_service!(pb::supervision_server::Supervision {
    writes {
        set_report_due(SetReportDueRequest) => "SetReportDue",
        define_period(DefinePeriodRequest) => "DefinePeriod",
        draft_report(DraftReportRequest) => "DraftReport",
        submit_report(SubmitReportRequest) => "SubmitReport",
        judge_report(JudgeReportRequest) => "JudgeReport",
        draft_notice(DraftNoticeRequest) => "DraftNotice",
        sign_notice(SignNoticeRequest) => "SignNotice",
        answer_notice(AnswerNoticeRequest) => "AnswerNotice",
        judge_notice(JudgeNoticeRequest) => "JudgeNotice",
        send_down(SendDownRequest) => "SendDown",
        rebaseline_link(RebaselineLinkRequest) => "RebaselineLink",
    }
    reads {
        get_summary => "GetSummary": Summary,
        list_reports => "ListReports": Reports,
        list_notices => "ListNotices": Notices,
    }
});

/// The ledger, read as through the Region service.
#[tonic::async_trait]
impl pb::ledger_server::Ledger for TypedService {
    async fn root(
        &self,
        req: Request<sanxiang_proto::region::LedgerRootRequest>,
    ) -> Result<Response<LedgerRootReply>, Status> {
        sanxiang_proto::region::region_server::Region::ledger_root(&self.0, req).await
    }

    async fn inclusion(
        &self,
        req: Request<sanxiang_proto::region::InclusionRequest>,
    ) -> Result<Response<sanxiang_proto::region::InclusionReply>, Status> {
        sanxiang_proto::region::region_server::Region::ledger_inclusion(&self.0, req).await
    }

    async fn consistency(
        &self,
        req: Request<sanxiang_proto::region::ConsistencyRequest>,
    ) -> Result<Response<sanxiang_proto::region::ConsistencyReply>, Status> {
        sanxiang_proto::region::region_server::Region::ledger_consistency(&self.0, req).await
    }
}

/// The typed services of a node, each refusing a request over [`crate::api::MAX_REQUEST`].
pub struct TypedServers {
    pub registry: pb::registry_server::RegistryServer<TypedService>,
    pub enforcement: pb::enforcement_server::EnforcementServer<TypedService>,
    pub publication: pb::publication_server::PublicationServer<TypedService>,
    pub supervision: pb::supervision_server::SupervisionServer<TypedService>,
    pub ledger: pb::ledger_server::LedgerServer<TypedService>,
}

impl TypedServers {
    pub fn new(ctx: &std::sync::Arc<crate::raft::NodeCtx>) -> Self {
        let svc = || TypedService(RegionService { ctx: ctx.clone() });
        const IN: usize = crate::api::MAX_REQUEST;
        const OUT: usize = 16 * 1024 * 1024;
        TypedServers {
            registry: pb::registry_server::RegistryServer::new(svc())
                .max_decoding_message_size(IN)
                .max_encoding_message_size(OUT),
            enforcement: pb::enforcement_server::EnforcementServer::new(svc())
                .max_decoding_message_size(IN)
                .max_encoding_message_size(OUT),
            publication: pb::publication_server::PublicationServer::new(svc())
                .max_decoding_message_size(IN)
                .max_encoding_message_size(OUT),
            supervision: pb::supervision_server::SupervisionServer::new(svc())
                .max_decoding_message_size(IN)
                .max_encoding_message_size(OUT),
            ledger: pb::ledger_server::LedgerServer::new(svc())
                .max_decoding_message_size(IN)
                .max_encoding_message_size(OUT),
        }
    }
}
