//! Federation commands, all proposed by nodes: signed tree heads, batches from a child or the
//! parent, acknowledgements; and `SendDown`, a person's item for a region below.
use crate::domain::command::cmd;
use crate::domain::command::rule::{Cx, Rule, RuleResult};
use crate::domain::federation::ingest::{self, IngestInput};
use crate::domain::federation::items::SignedHead;
use crate::domain::federation::tree_head;
use crate::domain::federation::{downlink, lost, outbox};

impl Rule for SignedHead {
    const NAME: &'static str = "record_tree_head";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        tree_head::apply(cx.txn, cx.actor, cx.region, self, cx.now)
    }
}

impl Rule for IngestInput {
    const NAME: &'static str = "ingest";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        ingest::ingest(cx.txn, cx.actor, cx.region, self, cx.crypto, cx.now, cx.up)
    }
}

impl Rule for cmd::UplinkAcked {
    const NAME: &'static str = "uplink_acked";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        outbox::acked(cx.txn, cx.actor, self.mark)
    }
}

impl Rule for cmd::SendDown {
    const NAME: &'static str = "send_down";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        downlink::send(cx.txn, cx.actor, cx.region, &self.to, &self.body, cx.now)
    }
}

/// A batch from the parent, sealed or (in older log entries) not.
fn ingest_down(
    cx: &mut Cx<'_, '_>,
    from: &str,
    first_seq: u64,
    items: &[downlink::Incoming<'_>],
) -> RuleResult {
    let batch = downlink::Batch {
        from,
        first_seq,
        items,
    };
    downlink::ingest(
        cx.txn, cx.actor, cx.region, &batch, cx.crypto, cx.now, cx.up,
    )
}

impl Rule for cmd::IngestDown {
    const NAME: &'static str = "ingest_down";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let items: Vec<downlink::Incoming<'_>> = self
            .items
            .iter()
            .map(|item| downlink::Incoming { item, seal: None })
            .collect();
        ingest_down(cx, &self.from, self.first_seq, &items)
    }
}

impl Rule for cmd::IngestSealedDown {
    const NAME: &'static str = "ingest_sealed_down";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let items: Vec<downlink::Incoming<'_>> = self
            .items
            .iter()
            .map(|s| downlink::Incoming {
                item: &s.item,
                seal: Some(&s.seal),
            })
            .collect();
        ingest_down(cx, &self.from, self.first_seq, &items)
    }
}

impl Rule for cmd::SealDown {
    const NAME: &'static str = "seal_down";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        downlink::seal(
            cx.txn,
            cx.actor,
            cx.region,
            self.first_seq,
            &self.seals,
            cx.crypto,
        )
    }
}

impl Rule for cmd::DownAcked {
    const NAME: &'static str = "down_acked";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        downlink::acked(cx.txn, cx.actor, &self.child, self.mark)
    }
}

impl Rule for cmd::LinkLost {
    const NAME: &'static str = "link_lost";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        lost::link_lost(cx.txn, cx.actor, cx.region, self, cx.now, cx.up)
    }
}

impl Rule for cmd::UplinkLost {
    const NAME: &'static str = "uplink_lost";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        lost::uplink_lost(cx.txn, cx.actor, cx.region, self, cx.now, cx.up)
    }
}

impl Rule for cmd::RebaselineLink {
    const NAME: &'static str = "rebaseline_link";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        lost::rebaseline(cx.txn, cx.actor, cx.region, self, cx.now, cx.up)
    }
}
