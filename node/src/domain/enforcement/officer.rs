//! `RegisterOfficer` — an agency's officer with duties and legal qualification (PUB-2, REV-6).
//! Writers: the clerk or head of the bureau, or of the officer's own agency.
use serde::{Deserialize, Serialize};

use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::ids::next_id;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::model::{Duty, Officer, OFFICERS};
use crate::domain::registry::AGENCIES;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OfficerInput {
    /// Id of the agency the officer belongs to.
    pub agency_id: u64,
    /// The officer's name: 1–50 characters.
    pub name: String,
    /// User name of the person certificate that signs in as this officer.
    pub user: String,
    /// What the officer may do in the agency: at least one duty.
    pub duties: Vec<Duty>,
    /// Holds the national legal professional qualification, needed to review a penalty (REV-6).
    pub legal_qualification: bool,
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, input: &OfficerInput) -> Ruled {
    if !actor.of_bureau(&[Role::Clerk, Role::Head])
        && !actor.acts_for(Organ::Agency(input.agency_id), &[Role::Clerk, Role::Head])
    {
        return Err(Refusal::new(
            "PUB-2",
            format!(
                "{} 无权登记执法机关 {} 的执法人员：由司法局或该机关的登记员、负责人办理",
                actor.label(),
                input.agency_id
            ),
        )
        .into());
    }
    for (f, v, max) in [("name", &input.name, 50), ("user", &input.user, 64)] {
        check_text(f, v, max, true)?;
    }
    if input.duties.is_empty() {
        return Err(Refusal::new(
            "INPUT",
            "职责（duties）：至少列明一项（enforcement 执法、reviewer 法制审核、head 负责人）",
        )
        .into());
    }
    if AGENCIES.get(txn, &input.agency_id)?.is_none() {
        return Err(Refusal::new(
            "INPUT",
            format!("没有编号为 {} 的执法机关", input.agency_id),
        )
        .into());
    }
    let mut duties = input.duties.clone();
    duties.sort();
    duties.dedup();
    let id = next_id(txn, "officer")?;
    OFFICERS.put(
        txn,
        &id,
        &Officer {
            id,
            agency_id: input.agency_id,
            name: input.name.clone(),
            user: input.user.clone(),
            duties,
            legal_qualification: input.legal_qualification,
            certificate: None,
        },
    )?;
    Ok(CommandResult::Record { id, flags: vec![] })
}
