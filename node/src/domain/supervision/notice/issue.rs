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
        return refuse("SUP-2", "a notice needs a title and a text");
    }
    if d.title.len() > 400 || d.text.len() > MAX_SECTION * 4 {
        return refuse("INPUT", "the title or text is too long");
    }
    if d.units.is_empty() || d.units.len() > MAX_NAMED || d.persons.len() > MAX_NAMED {
        return refuse(
            "SUP-2",
            format!("a notice names 1–{MAX_NAMED} units and at most {MAX_NAMED} persons"),
        );
    }
    if !d.persons.is_empty() && d.kind != NoticeKind::Criticism {
        return refuse("SUP-2", "persons are named only in a criticism (通报批评)");
    }
    if d.persons
        .iter()
        .chain(d.basis.iter())
        .any(|p| p.trim().is_empty() || p.len() > 400)
        || d.basis.len() > MAX_NAMED
    {
        return refuse("INPUT", "names and findings are 1–400 bytes each");
    }
    let mut seen = std::collections::BTreeSet::new();
    for u in &d.units {
        if !valid_region_id(&u.region) {
            return refuse("INPUT", format!("{:?} is not a region id", u.region));
        }
        if !unit_within(region, u) || (u.region == region && u.agency.is_none()) {
            return refuse(
                "SUP-2",
                format!(
                    "{} is not a unit below {region}: a judicial administration notices its own agencies and the regions below it",
                    u.key()
                ),
            );
        }
        if u.region == region {
            if let Some(a) = u.agency {
                if AGENCIES.get(txn, &a)?.is_none() {
                    return refuse("INPUT", format!("no agency {a} in {region}"));
                }
            }
        }
        if !seen.insert(u.key()) {
            return refuse("INPUT", format!("{} is named twice", u.key()));
        }
    }
    if let (Some(dl), Ok(today)) = (d.deadline, date_of(now)) {
        if dl < today {
            return refuse("INPUT", format!("the deadline {dl} has already passed"));
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
        return refuse(
            "INPUT",
            "the document number prefix is 1–12 characters, e.g. 湘司通",
        );
    }
    let Some(mut n) = NOTICES.get(txn, &id)? else {
        return refuse("INPUT", format!("no notice {id}"));
    };
    if n.number.is_some() {
        return refuse(
            "SUP-2",
            format!(
                "notice {id} was already signed off as {}",
                n.number.clone().unwrap_or_default()
            ),
        );
    }
    if let (Some(dl), Ok(today)) = (n.draft.deadline, date_of(now)) {
        if dl < today {
            return refuse(
                "SUP-2",
                format!("the deadline {dl} passed before sign-off; draft the notice again with a new deadline"),
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
