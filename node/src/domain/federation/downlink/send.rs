//! Sending down: an item queued for the next hop toward the region it names, once, with a
//! record of what was sent; supervision's items come in through [`Port`].
use super::*;

/// Digest compared on repeats.
pub fn digest(item: &DownItem) -> Result<[u8; 32], DomainError> {
    use sha2::{Digest, Sha256};
    let bytes = bincode::serialize(item).map_err(DomainError::Encode)?;
    Ok(Sha256::digest(bytes).into())
}

pub(super) fn queue(
    txn: &mut Txn<'_>,
    child: &str,
    item: DownItem,
    now: i64,
) -> Result<(), DomainError> {
    let mut link = DOWN_LINKS.get(txn, child)?.unwrap_or_default();
    link.tail += 1;
    DOWN_OUT.put(
        txn,
        &(child.to_string(), link.tail),
        &DownOut {
            item,
            queued_ms: now,
        },
    )?;
    DOWN_LINKS.put(txn, child, &link)
}

/// `SendDown`: an inspector, supervisor or head of this region addresses a region below it.
pub fn send(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    to: &str,
    body: &DownBody,
    now: i64,
) -> Ruled {
    match actor {
        Actor::Person(_) if actor.of_bureau(&[Role::Inspector, Role::Supervisor, Role::Head]) => {}
        _ => {
            return Err(Refusal::new(
                "SUP-2",
                "只有本地区的行政执法监督人员、监督人员或负责人可以向下级发送",
            )
            .into())
        }
    }
    if next_hop(region, to).is_none() {
        return Err(Refusal::new("AUTH", format!("{to} 不是 {region} 的下级地区")).into());
    }
    if !matches!(
        body,
        DownBody::Notice { .. } | DownBody::Revocation { .. } | DownBody::Setting { .. }
    ) {
        return Err(Refusal::new(
            "INPUT",
            "通报和对答复的办结、退回通过各自的命令（签发、办结或退回）向下发送",
        )
        .into());
    }
    body.check()?;
    let seq = queue_new(txn, region, to, &actor.label(), body.clone(), now)?;
    Ok(CommandResult::Record {
        id: seq,
        flags: vec![],
    })
}

/// Addresses an item issued by this region to `to` (below it): kept as sent, queued for the
/// next hop. Returns the issuer's sequence number, or a refusal when `to` is not below.
pub fn queue_new(
    txn: &mut Txn<'_>,
    region: &str,
    to: &str,
    by: &str,
    body: DownBody,
    now: i64,
) -> Ruled<u64> {
    let Some(child) = next_hop(region, to) else {
        return Err(Refusal::new("AUTH", format!("{to} 不是 {region} 的下级地区")).into());
    };
    let seq = meta_u64(txn, DOWN_SEQ)? + 1;
    META.put(txn, DOWN_SEQ, &(seq as i64))?;
    let item = DownItem {
        issuer: region.to_string(),
        seq,
        to: to.to_string(),
        time_ms: now,
        by: by.to_string(),
        body,
    };
    SENT_DOWN.put(
        txn,
        &seq,
        &SentDown {
            item: item.clone(),
            delivered_ms: None,
            altered: false,
        },
    )?;
    queue(txn, &child, item, now)?;
    Ok(seq)
}

/// `SealDown`: the issuer's leader signed its next items. Each seal must be by a node of this
/// region, in order from the first unsealed item, and verify over the item as sent.
pub fn seal(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    first_seq: u64,
    seals: &[DownSeal],
    crypto: &dyn Crypto,
) -> Ruled {
    if !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new("AUTH", "下发项目的签名由本地区的节点记录").into());
    }
    if seals.is_empty() || seals.len() > MAX_SEALS {
        return Err(Refusal::new("INPUT", format!("每次记录 1–{MAX_SEALS} 个签名")).into());
    }
    let sealed = meta_u64(txn, DOWN_SEALED)?;
    if first_seq != sealed + 1 {
        return Err(Refusal::new(
            "INPUT",
            format!(
                "下一个待签名的下发项目是第 {} 项，不是第 {first_seq} 项",
                sealed + 1
            ),
        )
        .into());
    }
    for (i, seal) in seals.iter().enumerate() {
        let seq = first_seq + i as u64;
        let Some(sent) = SENT_DOWN.get(txn, &seq)? else {
            return Err(Refusal::new("INPUT", format!("本地区没有第 {seq} 个下发项目")).into());
        };
        let message = seal_message(&digest(&sent.item)?);
        let check = Seal {
            region,
            signer: seal.signer,
            cert_der: &seal.cert_der,
            message: &message,
            signature: &seal.signature,
            at_ms: seal.at_ms,
        };
        if let Err(e) = crypto.verify_seal(&check) {
            return Err(Refusal::new("AUTH", format!("第 {seq} 个下发项目的签名无效：{e}")).into());
        }
        DOWN_SEALS.put(txn, &(region.to_string(), seq), seal)?;
    }
    let last = first_seq + seals.len() as u64 - 1;
    META.put(txn, DOWN_SEALED, &(last as i64))?;
    Ok(CommandResult::Record {
        id: last,
        flags: vec![],
    })
}

impl From<Downward> for DownBody {
    fn from(d: Downward) -> DownBody {
        match d {
            Downward::IssuedNotice(doc) => DownBody::IssuedNotice(doc),
            Downward::NoticeJudged(j) => DownBody::NoticeJudged(j),
            Downward::ReportJudged {
                period,
                version,
                accepted,
                reasons,
            } => DownBody::ReportJudged {
                period,
                version,
                accepted,
                reasons,
            },
        }
    }
}

/// Supervision's way down: its items are queued on this region's downlink.
pub struct Port;

impl Downlink for Port {
    fn send(
        &mut self,
        txn: &mut Txn<'_>,
        region: &str,
        to: &str,
        by: &str,
        item: Downward,
        now: i64,
    ) -> Ruled<u64> {
        queue_new(txn, region, to, by, item.into(), now)
    }
}
