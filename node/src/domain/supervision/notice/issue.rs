//! Drafting a notice and its sign-off by the head (签发), which issues it to every named unit;
//! delivery here or over the downlink, and the receipt back.
use super::*;
use crate::domain::supervision::port::{Downlink, Downward};

/// `DraftNotice`.
pub fn draft(txn: &mut Txn<'_>, actor: &Actor, region: &str, d: &NoticeDraft, now: i64) -> Ruled {
    if !of_bureau(actor, &[Role::Supervisor, Role::Inspector]) {
        return refuse(
            "SUP-2",
            format!(
                "{} 无权起草通报：由司法局的监督人员或行政执法监督人员起草",
                actor.label()
            ),
        );
    }
    if d.title.trim().is_empty() || d.text.trim().is_empty() {
        return refuse("SUP-2", "通报须有标题和正文");
    }
    if d.title.len() > 400 || d.text.len() > MAX_SECTION * 4 {
        return refuse("INPUT", "标题或正文过长");
    }
    if d.units.is_empty() || d.units.len() > MAX_NAMED || d.persons.len() > MAX_NAMED {
        return refuse(
            "SUP-2",
            format!("通报须列明 1–{MAX_NAMED} 个单位，列明的人员最多 {MAX_NAMED} 名"),
        );
    }
    if !d.persons.is_empty() && d.kind != NoticeKind::Criticism {
        return refuse("SUP-2", "只有通报批评才列明人员");
    }
    if d.persons
        .iter()
        .chain(d.basis.iter())
        .any(|p| p.trim().is_empty() || p.len() > 400)
        || d.basis.len() > MAX_NAMED
    {
        return refuse("INPUT", "每个人员姓名和每条事实依据为 1–400 字节");
    }
    let mut seen = std::collections::BTreeSet::new();
    for u in &d.units {
        if !valid_region_id(&u.region) {
            return refuse("INPUT", format!("{:?} 不是有效的地区编号", u.region));
        }
        if !unit_within(region, u) || (u.region == region && u.agency.is_none()) {
            return refuse(
                "SUP-2",
                format!(
                    "{} 不是 {region} 所辖的单位：司法行政机关只通报本级执法机关和下级地区",
                    u.key()
                ),
            );
        }
        if u.region == region {
            if let Some(a) = u.agency {
                if AGENCIES.get(txn, &a)?.is_none() {
                    return refuse("INPUT", format!("{region} 没有编号为 {a} 的执法机关"));
                }
            }
        }
        if !seen.insert(u.key()) {
            return refuse("INPUT", format!("{} 重复列明", u.key()));
        }
    }
    if let (Some(dl), Ok(today)) = (d.deadline, date_of(now)) {
        if dl < today {
            return refuse("INPUT", format!("期限 {dl} 已经过去"));
        }
    }
    let id = next_id(txn, "notice")?;
    NOTICES.put(
        txn,
        &id,
        &Notice {
            id,
            issuer: region.to_string(),
            draft: d.clone(),
            drafted_by: actor.label(),
            drafted_ms: now,
            number: None,
            signed_by: None,
            signed_ms: None,
            units: BTreeMap::new(),
        },
    )?;
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// `SignNotice`: the organ's head signs off; the number is assigned and the notice issued.
pub fn sign(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    id: u64,
    prefix: &str,
    now: i64,
    down: &mut dyn Downlink,
) -> Ruled {
    if !of_bureau(actor, &[Role::Head]) {
        return refuse(
            "SUP-2",
            format!("{} 无权签发通报：只有司法局负责人签发", actor.label()),
        );
    }
    if prefix.trim().is_empty() || prefix.chars().count() > 12 {
        return refuse("INPUT", "文号前缀为 1–12 个字符，例如 湘司通");
    }
    let Some(mut n) = NOTICES.get(txn, &id)? else {
        return refuse("INPUT", format!("没有编号为 {id} 的通报"));
    };
    if n.number.is_some() {
        return refuse(
            "SUP-2",
            format!(
                "通报 {id} 已签发，文号为 {}",
                n.number.clone().unwrap_or_default()
            ),
        );
    }
    if let (Some(dl), Ok(today)) = (n.draft.deadline, date_of(now)) {
        if dl < today {
            return refuse(
                "SUP-2",
                format!("期限 {dl} 在签发前已经过去：请重新起草通报并设定新的期限"),
            );
        }
    }
    let year = date_of(now).map(|d| d.year()).unwrap_or(1970);
    let k = next_id(txn, &format!("notice-number/{prefix}/{year}"))?;
    let number = format!("{prefix}〔{year}〕{k}号");
    let by = actor.label();
    n.number = Some(number.clone());
    n.signed_by = Some(by.clone());
    n.signed_ms = Some(now);
    for u in n.draft.units.clone() {
        let mut p = Progress {
            stage: Stage::Issued,
            escalated: false,
            history: Vec::new(),
        };
        p.move_to(Stage::Issued, now, &by, &number);
        if u.region == region {
            // A unit of this region: delivered at once.
            p.move_to(Stage::Delivered, now, &by, "");
            INBOX.put(
                txn,
                &(region.to_string(), u.key(), id),
                &Inbox {
                    doc: n.doc(&u),
                    progress: p.clone(),
                },
            )?;
        } else {
            down.send(
                txn,
                region,
                &u.region,
                &by,
                Downward::IssuedNotice(Box::new(n.doc(&u))),
                now,
            )?;
        }
        n.units.insert(u.key(), p);
    }
    if let Some(dl) = n.draft.deadline {
        OPEN_NOTICES.put(txn, &id, &dl)?;
    }
    NOTICES.put(txn, &id, &n)?;
    Ok(CommandResult::Record {
        id,
        flags: vec![number],
    })
}

/// A notice arrived here over the downlink for a unit of this region.
pub fn on_delivered(txn: &mut Txn<'_>, doc: &NoticeDoc, now: i64) -> Result<(), DomainError> {
    let key = (doc.issuer.clone(), doc.unit.key(), doc.id);
    if INBOX.get(txn, &key)?.is_some() {
        return Ok(());
    }
    let mut p = Progress {
        stage: Stage::Delivered,
        escalated: false,
        history: Vec::new(),
    };
    p.move_to(Stage::Delivered, now, &doc.issuer, &doc.number);
    INBOX.put(
        txn,
        &key,
        &Inbox {
            doc: doc.clone(),
            progress: p,
        },
    )
}

/// The receipt of a notice sent down came back.
pub fn on_receipt(txn: &mut Txn<'_>, doc: &NoticeDoc, at_ms: i64) -> Result<(), DomainError> {
    let Some(mut n) = NOTICES.get(txn, &doc.id)? else {
        return Ok(());
    };
    if let Some(p) = n.units.get_mut(&doc.unit.key()) {
        if p.stage == Stage::Issued {
            p.move_to(Stage::Delivered, at_ms, &doc.unit.region, "");
            NOTICES.put(txn, &doc.id, &n)?;
        }
    }
    Ok(())
}
