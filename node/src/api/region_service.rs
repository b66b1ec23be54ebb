//! The `Region` service: status, agency registry (PUB-1) and ledger (REC-3).
//!
//! Readers: any certificate of this region (person or node). Writers: persons of this region;
//! which roles may do what is decided by the domain rules. The actor is taken from the verified
//! certificate and stamped into the envelope here, never from a request field.
use std::sync::Arc;

use sanxiang_proto::region as pb;
use sanxiang_proto::region::region_server::Region;
use tonic::{Request, Response, Status};

use super::convert;
use crate::domain::command::cmd;
use crate::domain::registry::AGENCIES;
use crate::domain::{Command, Envelope, RULES_VERSION};
use crate::ledger;
use crate::pki::Identity;
use crate::raft::NodeCtx;
use crate::transport::caller;

pub struct RegionService {
    pub ctx: Arc<NodeCtx>,
}

/// Most agencies returned by one list call.
pub const MAX_PAGE: u32 = 1000;

impl RegionService {
    pub(crate) fn reader<T>(&self, req: &Request<T>, what: &str) -> Result<Identity, Status> {
        let id = caller(req, &self.ctx.tls.revoked)?;
        if id.region() != self.ctx.region {
            tracing::warn!(caller = %id, call = what, region = %self.ctx.region, "read refused");
            return Err(Status::permission_denied(format!(
                "{id} 无权读取地区 {} 的数据",
                self.ctx.region
            )));
        }
        Ok(id)
    }

    pub(crate) fn writer<T>(&self, req: &Request<T>, what: &str) -> Result<Identity, Status> {
        let id = caller(req, &self.ctx.tls.revoked)?;
        match &id {
            Identity::Person { region, .. } if *region == self.ctx.region => Ok(id),
            _ => {
                tracing::warn!(caller = %id, call = what, region = %self.ctx.region, "write refused");
                Err(Status::permission_denied(format!(
                    "{id} 无权在地区 {} 写入",
                    self.ctx.region
                )))
            }
        }
    }

    pub(crate) async fn consistent(&self, c: i32) -> Result<(), Status> {
        match pb::Consistency::try_from(c) {
            Ok(pb::Consistency::Linearizable) => Ok(self.ctx.linearizable().await?),
            Ok(pb::Consistency::Stale) => Ok(()),
            Err(_) => Err(Status::invalid_argument(format!(
                "consistency 的取值 {c} 无效"
            ))),
        }
    }

    pub(crate) async fn write(
        &self,
        id: Identity,
        write_id: Option<pb::WriteId>,
        command: Command,
    ) -> Result<Response<pb::WriteReply>, Status> {
        let r = self.write_response(id, write_id, command).await?;
        Ok(Response::new(convert::write_reply(r)))
    }

    /// Writes `command` as `id` and returns the domain's answer.
    pub(crate) async fn write_response(
        &self,
        id: Identity,
        write_id: Option<pb::WriteId>,
        command: Command,
    ) -> Result<crate::domain::Response, Status> {
        let (client_id, request_id) = convert::write_id(write_id)?;
        let env = Envelope {
            actor: id.actor(),
            client_id,
            request_id,
            time_ms: 0,
            rules_version: RULES_VERSION,
            command,
        };
        let r = self.ctx.write(env).await?;
        // A write id replayed with another command: the id is taken (the answer names the
        // first request), like an idempotency key reused with another payload.
        if let crate::domain::Outcome::Refused(f) = &r.outcome {
            if f.rule == "REPLAY" {
                return Err(crate::api::error::rule_refused(
                    tonic::Code::AlreadyExists,
                    "REPLAY",
                    format!("未通过（REPLAY）：{}", f.message),
                ));
            }
        }
        Ok(r)
    }
}

#[tonic::async_trait]
impl Region for RegionService {
    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn execute(
        &self,
        req: Request<pb::ExecuteRequest>,
    ) -> Result<Response<pb::WriteReply>, Status> {
        let id = self.writer(&req, "execute")?;
        let r = req.into_inner();
        let command: Command = serde_json::from_str(&r.command_json)
            .map_err(|e| Status::invalid_argument(format!("命令格式无效：{e}")))?;
        if command.is_node_only() {
            return Err(Status::permission_denied(format!(
                "{} 只能由本地区的节点提出",
                command.name()
            )));
        }
        self.write(id, r.write_id, command).await
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn query(
        &self,
        req: Request<pb::QueryRequest>,
    ) -> Result<Response<pb::QueryReply>, Status> {
        let who = self.reader(&req, "query")?;
        let r = req.into_inner();
        self.consistent(r.consistency).await?;
        let json = self
            .ctx
            .sm
            .read(|s| super::query::answer(&s.domain, &who, &r.what, r.id))?;
        Ok(Response::new(pb::QueryReply { json }))
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn status(
        &self,
        req: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusReply>, Status> {
        self.reader(&req, "status")?;
        let m = self.ctx.raft.metrics().borrow().clone();
        let membership = m.membership_config.membership();
        let voters: std::collections::BTreeSet<u64> = membership.voter_ids().collect();
        let members = membership
            .nodes()
            .map(|(id, n)| pb::Member {
                id: *id,
                addr: n.addr.clone(),
                voter: voters.contains(id),
            })
            .collect();
        let leader_addr = m
            .current_leader
            .and_then(|l| membership.get_node(&l).map(|n| n.addr.clone()))
            .unwrap_or_default();
        let (size, root) = self.ctx.sm.ledger_head();
        let clock = self.ctx.sm.read(|s| {
            crate::domain::core::state::META
                .read(&s.domain, crate::domain::core::state::CLOCK)
                .ok()
                .flatten()
                .unwrap_or(0)
        });
        Ok(Response::new(pb::StatusReply {
            region: self.ctx.region.clone(),
            node_id: self.ctx.node_id,
            role: format!("{:?}", m.state).to_lowercase(),
            leader_id: m.current_leader,
            leader_addr,
            term: m.current_term,
            members,
            last_applied: m.last_applied.map(|l| l.index),
            last_log: m.last_log_index,
            ledger_size: size,
            ledger_root: root.to_vec(),
            clock_ms: clock,
            cert_not_after: self.ctx.tls.not_after().unwrap_or(0),
        }))
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn register_agency(
        &self,
        req: Request<pb::RegisterAgencyRequest>,
    ) -> Result<Response<pb::WriteReply>, Status> {
        let id = self.writer(&req, "register_agency")?;
        let r = req.into_inner();
        let input = convert::agency_input(r.agency)?;
        self.write(id, r.write_id, Command::RegisterAgency(input))
            .await
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn update_agency(
        &self,
        req: Request<pb::UpdateAgencyRequest>,
    ) -> Result<Response<pb::WriteReply>, Status> {
        let id = self.writer(&req, "update_agency")?;
        let r = req.into_inner();
        if r.id == 0 {
            return Err(Status::invalid_argument("id 须不小于 1"));
        }
        let input = convert::agency_input(r.agency)?;
        self.write(
            id,
            r.write_id,
            Command::UpdateAgency(cmd::UpdateAgency {
                id: r.id,
                input,
                expected_version: r.expected_version,
            }),
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn list_agencies(
        &self,
        req: Request<pb::ListAgenciesRequest>,
    ) -> Result<Response<pb::ListAgenciesReply>, Status> {
        self.reader(&req, "list_agencies")?;
        let r = req.into_inner();
        if r.limit > MAX_PAGE {
            return Err(Status::out_of_range(format!(
                "limit {} 超过上限 {MAX_PAGE}",
                r.limit
            )));
        }
        self.consistent(r.consistency).await?;
        let limit = if r.limit == 0 { MAX_PAGE } else { r.limit } as usize;
        let (agencies, total) = self
            .ctx
            .sm
            .read(|s| {
                let total = AGENCIES.keys(&s.domain).count() as u64;
                let from = r.after_id.saturating_add(1);
                let list: Result<Vec<_>, _> =
                    AGENCIES.scan_from(&s.domain, &from).take(limit).collect();
                list.map(|l| (l, total))
            })
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::ListAgenciesReply {
            agencies: agencies.iter().map(convert::agency).collect(),
            total,
        }))
    }

    async fn ledger_root(
        &self,
        req: Request<pb::LedgerRootRequest>,
    ) -> Result<Response<pb::LedgerRootReply>, Status> {
        self.reader(&req, "ledger_root")?;
        self.consistent(req.into_inner().consistency).await?;
        let (size, root) = self.ctx.sm.ledger_head();
        Ok(Response::new(pb::LedgerRootReply {
            size,
            root: root.to_vec(),
        }))
    }

    async fn ledger_inclusion(
        &self,
        req: Request<pb::InclusionRequest>,
    ) -> Result<Response<pb::InclusionReply>, Status> {
        self.reader(&req, "ledger_inclusion")?;
        let r = req.into_inner();
        self.ctx.linearizable().await?;
        let (size, _) = self.ctx.sm.ledger_head();
        let tree_size = if r.tree_size == 0 { size } else { r.tree_size };
        if tree_size > size || r.leaf_index >= tree_size {
            return Err(Status::out_of_range(format!(
                "叶 {} 不在规模为 {tree_size} 的树中：账本共有 {size} 个叶",
                r.leaf_index
            )));
        }
        let sm = &*self.ctx.sm;
        let path = ledger::inclusion_proof(sm, r.leaf_index, tree_size)
            .map_err(|e| Status::internal(e.to_string()))?;
        let root = ledger::root_at(sm, tree_size).map_err(|e| Status::internal(e.to_string()))?;
        let data = sm
            .leaf_data(r.leaf_index)
            .map_err(|e| Status::internal(e.to_string()))?
            .ok_or_else(|| Status::internal("缺少叶数据"))?;
        Ok(Response::new(pb::InclusionReply {
            leaf_index: r.leaf_index,
            tree_size,
            leaf_hash: ledger::leaf_hash(&data).to_vec(),
            path: path.iter().map(|h| h.to_vec()).collect(),
            root: root.to_vec(),
            leaf_data: data,
        }))
    }

    async fn ledger_consistency(
        &self,
        req: Request<pb::ConsistencyRequest>,
    ) -> Result<Response<pb::ConsistencyReply>, Status> {
        self.reader(&req, "ledger_consistency")?;
        let r = req.into_inner();
        self.ctx.linearizable().await?;
        let (size, _) = self.ctx.sm.ledger_head();
        let second = if r.second == 0 { size } else { r.second };
        if r.first == 0 || r.first > second || second > size {
            return Err(Status::out_of_range(format!(
                "无法给出从规模 {} 到规模 {second} 的一致性证明：账本共有 {size} 个叶",
                r.first
            )));
        }
        let sm = &*self.ctx.sm;
        let err = |e: ledger::LedgerError| Status::internal(e.to_string());
        Ok(Response::new(pb::ConsistencyReply {
            first: r.first,
            second,
            first_root: ledger::root_at(sm, r.first).map_err(err)?.to_vec(),
            second_root: ledger::root_at(sm, second).map_err(err)?.to_vec(),
            path: ledger::consistency_proof(sm, r.first, second)
                .map_err(err)?
                .iter()
                .map(|h| h.to_vec())
                .collect(),
        }))
    }
}
