//! The `Monitor` service: the monitoring view and the qualifying list of this region or a
//! region below it (SUP-4, SUP-5). Readers: any certificate of the serving region, read from
//! the verified peer certificate.
use std::sync::Arc;

use sanxiang_proto::region as pb;
use sanxiang_proto::region::monitor_server::Monitor;
use tonic::{Request, Response, Status};

use crate::raft::NodeCtx;
use crate::transport::caller;
use crate::view::monitor::{self, RegionRow};
use crate::view::qualifying::qualifying;

pub struct MonitorService {
    pub ctx: Arc<NodeCtx>,
}

/// Longest region or period string accepted.
const MAX_ARG: usize = 256;

impl MonitorService {
    async fn prepare(
        &self,
        req: Request<pb::MonitorRequest>,
        what: &str,
    ) -> Result<pb::MonitorRequest, Status> {
        let id = caller(&req, &self.ctx.tls.revoked)?;
        if id.region() != self.ctx.region {
            tracing::warn!(caller = %id, call = what, region = %self.ctx.region, "monitor refused");
            return Err(Status::permission_denied(format!(
                "{id} 无权读取地区 {} 的数据",
                self.ctx.region
            )));
        }
        let r = req.into_inner();
        if r.region.len() > MAX_ARG || r.period.len() > MAX_ARG {
            return Err(Status::invalid_argument(format!(
                "region 和 period 均不得超过 {MAX_ARG} 字节"
            )));
        }
        match pb::Consistency::try_from(r.consistency) {
            Ok(pb::Consistency::Linearizable) => self.ctx.linearizable().await?,
            Ok(pb::Consistency::Stale) => {}
            Err(_) => {
                return Err(Status::invalid_argument(format!(
                    "consistency 的取值 {} 无效",
                    r.consistency
                )))
            }
        }
        Ok(r)
    }
}

fn row(r: &RegionRow) -> pb::MonitorRow {
    let link = r.link.clone().unwrap_or_default();
    pb::MonitorRow {
        region: r.region.clone(),
        name: r.name.clone(),
        kind: r.kind.clone(),
        last_heard_ms: link.last_heard_ms,
        backlog: link.backlog,
        alerts: link.alerts,
        reports_expected: r.reports.expected,
        reports_received: r.reports.received,
        reports_on_time: r.reports.on_time,
        publications_on_time: r.publications_on_time,
        publications_late: r.publications_late,
        publications_overdue: r.publications_overdue,
        reviews_overdue: r.reviews_overdue,
        open_notices: r.open_notices,
    }
}

#[tonic::async_trait]
impl Monitor for MonitorService {
    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn view(
        &self,
        req: Request<pb::MonitorRequest>,
    ) -> Result<Response<pb::MonitorReply>, Status> {
        let r = self.prepare(req, "monitor").await?;
        let ctx = &self.ctx;
        let v = ctx
            .sm
            .read(|s| monitor::view(&s.domain, &ctx.topology, &ctx.region, &r.region, &r.period))?;
        let json = serde_json::to_string_pretty(&v).map_err(|e| Status::internal(e.to_string()))?;
        let mut rows = vec![row(&v.region)];
        rows.extend(v.below.iter().map(row));
        Ok(Response::new(pb::MonitorReply { rows, json }))
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn qualifying(
        &self,
        req: Request<pb::MonitorRequest>,
    ) -> Result<Response<pb::QualifyingReply>, Status> {
        let r = self.prepare(req, "qualifying").await?;
        let ctx = &self.ctx;
        let q = ctx
            .sm
            .read(|s| qualifying(&s.domain, &ctx.topology, &ctx.region, &r.region, &r.period))?;
        let json = serde_json::to_string_pretty(&q).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::QualifyingReply { json }))
    }
}
