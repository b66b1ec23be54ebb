//! The typed services: each RPC takes its command's payload message, reads it into the
//! domain's command through the one transcoder, and writes it by the same path as `Execute`
//! (the caller from the verified certificate, deduplication by write id, the leader hint).
use prost::Message;
use sanxiang_proto::api as pb;
use sanxiang_proto::region::{LedgerRootReply, WriteReply};
use tonic::{Request, Response, Status};

use super::TypedError;
use crate::api::error::invalid_field;
use crate::api::RegionService;
use crate::pki::Identity;

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
    ) -> Result<Response<WriteReply>, Status> {
        let payload =
            payload.ok_or_else(|| invalid_field("command", "缺少 command（命令内容）"))?;
        let command = super::command(variant, &payload)?;
        self.0.write(who, write_id, command).await
    }
}

/// Implements a typed service's trait: one method per command, `method(Request) => Variant`.
macro_rules! typed_writes {
    ($tr:path { $( $method:ident($req:ident) => $variant:literal ),* $(,)? }) => {
        #[tonic::async_trait]
        impl $tr for TypedService {
            $(
                #[tracing::instrument(skip_all, fields(region = %self.0.ctx.region, call = $variant))]
                async fn $method(
                    &self,
                    req: Request<pb::$req>,
                ) -> Result<Response<WriteReply>, Status> {
                    let who = self.0.writer(&req, $variant)?;
                    let r = req.into_inner();
                    let payload = r.command.map(|c| c.encode_to_vec());
                    self.typed_write(who, r.write_id, $variant, payload).await
                }
            )*
        }
    };
}

typed_writes!(pb::registry_server::Registry {
    register_agency(RegisterAgencyRequest) => "RegisterAgency",
    update_agency(UpdateAgencyRequest) => "UpdateAgency",
    close_agency(CloseAgencyRequest) => "CloseAgency",
    register_officer(RegisterOfficerRequest) => "RegisterOfficer",
    issue_certificate(IssueCertificateRequest) => "IssueCertificate",
    change_certificate(ChangeCertificateRequest) => "ChangeCertificate",
    set_step_order(SetStepOrderRequest) => "SetStepOrder",
    set_quorum(SetQuorumRequest) => "SetQuorum",
    set_av_list(SetAvListRequest) => "SetAvList",
});

typed_writes!(pb::enforcement_server::Enforcement {
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
});

typed_writes!(pb::publication_server::Publication {
    draft_publication(DraftPublicationRequest) => "DraftPublication",
    release_publication(ReleasePublicationRequest) => "ReleasePublication",
    withdraw_publication(WithdrawPublicationRequest) => "WithdrawPublication",
    set_publish_days(SetPublishDaysRequest) => "SetPublishDays",
});

typed_writes!(pb::supervision_server::Supervision {
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
