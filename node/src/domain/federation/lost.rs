//! A link whose parent lost entries it had acknowledged — the parent was restored from a
//! backup — so the child, which pruned them, can never resend them. Silence would hide it
//! for ever: both ends raise an alert (`link_lost`), the parent keeps refusing the child's
//! later entries, and only its operator's explicit re-baseline (`RebaselineLink`, the
//! bureau's head or supervisor) makes it accept them again, the lost range recorded.
use serde::{Deserialize, Serialize};

use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::{CommandResult, Refusal, Ruled};
use crate::domain::core::region::parent_of;
use crate::domain::core::state::{Space, Txn};
use crate::domain::federation::commands as cmd;
use crate::domain::federation::held::LINKS;
use crate::domain::federation::ingest::raise_alert;
use crate::domain::federation::items::{AlertKind, ItemBody};
use crate::domain::{Actor, Organ, Role};

/// A lost link at the parent: the mark it held when the loss was found, and what the child
/// had pruned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LostLink {
    pub mark: u64,
    pub pruned_through: u64,
    pub since_ms: i64,
}

/// Per direct child whose link was lost and not yet re-baselined.
pub const LOST_LINKS: Space<str, LostLink> = Space::new(prefix::LOST_LINKS);

/// Whether a child's report that it pruned through `pruned_through`, against this region's
/// `mark` and the loss already recorded, is a loss not yet recorded: nothing is missing when
/// the mark covers it (a re-baseline came first, or the report is stale), and a repeat of the
/// recorded loss is no news. The receiving node asks before proposing, so a stopped link's
/// every push does not become a command.
pub fn news(recorded: Option<&LostLink>, mark: u64, pruned_through: u64) -> bool {
    pruned_through > mark
        && !recorded.is_some_and(|l| l.pruned_through >= pruned_through && l.mark == mark)
}

fn node_only(actor: &Actor) -> Result<(), Refusal> {
    match actor {
        Actor::Node { .. } => Ok(()),
        _ => Err(Refusal::new("AUTH", "链路状态由本地区的节点提出")),
    }
}

/// At the parent: the child reports it pruned beyond this region's mark.
pub fn link_lost(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    c: &cmd::LinkLost,
    now: i64,
    up: &mut Vec<ItemBody>,
) -> Ruled {
    node_only(actor)?;
    if parent_of(&c.link) != Some(region) {
        return Err(
            Refusal::new("AUTH", format!("{} 不是 {region} 的直接下级地区", c.link)).into(),
        );
    }
    let link = LINKS.get(txn, &c.link)?.unwrap_or_default();
    if !news(
        LOST_LINKS.get(txn, &c.link)?.as_ref(),
        link.mark,
        c.pruned_through,
    ) {
        return Ok(CommandResult::None);
    }
    let lost = LostLink {
        mark: link.mark,
        pruned_through: c.pruned_through,
        since_ms: now,
    };
    LOST_LINKS.put(txn, &c.link, &lost)?;
    raise_alert(
        txn,
        region,
        &c.link,
        AlertKind::LinkLost,
        format!(
            "本地区只保存了 {} 链路的第 {} 条，下级已确认并清理到第 {} 条：第 {}–{} 条已丢失（本地区数据可能由备份恢复）；须由本地区负责人执行 sanxiang federation rebaseline --child {} 重新基线",
            c.link,
            link.mark,
            c.pruned_through,
            link.mark + 1,
            c.pruned_through,
            c.link
        ),
        now,
        up,
    )?;
    Ok(CommandResult::None)
}

/// At the child: the parent holds less than it had acknowledged.
pub fn uplink_lost(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    c: &cmd::UplinkLost,
    now: i64,
    up: &mut Vec<ItemBody>,
) -> Ruled {
    node_only(actor)?;
    if c.parent_mark >= c.acked {
        return Err(Refusal::new("INPUT", "上级保存的序号不小于已确认序号，链路未丢失").into());
    }
    let parent = parent_of(region).unwrap_or_default();
    raise_alert(
        txn,
        region,
        region,
        AlertKind::LinkLost,
        format!(
            "上级 {parent} 只保存了本地区链路的第 {} 条，而它已确认到第 {} 条（本地区已清理，无法重发）；上行已停止，须由上级负责人重新基线",
            c.parent_mark, c.acked
        ),
        now,
        up,
    )?;
    Ok(CommandResult::None)
}

/// At the parent: its head or supervisor accepts the loss; the link resumes from where the
/// child is.
pub fn rebaseline(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    c: &cmd::RebaselineLink,
    now: i64,
    up: &mut Vec<ItemBody>,
) -> Ruled {
    if !actor.acts_for(Organ::Bureau, &[Role::Head, Role::Supervisor]) {
        return Err(Refusal::new(
            "AUTH",
            "只有本地区司法行政机关的负责人或监督人员可以重新基线",
        )
        .into());
    }
    let Some(lost) = LOST_LINKS.get(txn, &c.link)? else {
        return Err(Refusal::new(
            "CONFLICT",
            format!("{} 的链路没有丢失记录，无需重新基线", c.link),
        )
        .into());
    };
    let mut link = LINKS.get(txn, &c.link)?.unwrap_or_default();
    let from = link.mark + 1;
    link.mark = link.mark.max(lost.pruned_through);
    LINKS.put(txn, &c.link, &link)?;
    LOST_LINKS.delete(txn, &c.link);
    let who = actor.person().map(|p| p.user.clone()).unwrap_or_default();
    raise_alert(
        txn,
        region,
        &c.link,
        AlertKind::LinkLost,
        format!(
            "{who} 已重新基线：{} 链路第 {from}–{} 条确认丢失，自第 {} 条起继续接收",
            c.link,
            link.mark,
            link.mark + 1
        ),
        now,
        up,
    )?;
    Ok(CommandResult::Record {
        id: link.mark,
        flags: vec![format!("丢失 {from}–{}", link.mark)],
    })
}
