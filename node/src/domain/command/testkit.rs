//! Helpers for the domain's tests: people, envelopes, and running envelopes against a state the
//! way the state machine does.
use crate::domain::command::apply::{apply_envelope, ApplyContext};
use crate::domain::command::envelope::{Command, Envelope, RULES_VERSION};
use crate::domain::core::identity::{Actor, Person, Role};
use crate::domain::core::organ::{AgencyInput, PowerKind};
use crate::domain::core::outcome::Response;
use crate::domain::core::state::State;

pub const REGION: &str = "hunan/changsha/liuyang";

pub fn clerk() -> Actor {
    Actor::Person(Person {
        region: REGION.into(),
        role: Role::Clerk,
        user: "zhang".into(),
    })
}

pub fn input(name: &str) -> AgencyInput {
    AgencyInput {
        name: name.into(),
        powers: vec![PowerKind::Penalty, PowerKind::Inspection],
        legal_basis: "《中华人民共和国行政处罚法》".into(),
        domain: "市场监管".into(),
        contact: "0731-12345678".into(),
    }
}

pub fn env(actor: Actor, client: &str, req: u64, t: i64, command: Command) -> Envelope {
    Envelope {
        actor,
        client_id: client.into(),
        request_id: req,
        time_ms: t,
        rules_version: RULES_VERSION,
        command,
    }
}

/// Applies envelopes in order like the state machine does.
pub fn run(state: &mut State, envs: &[Envelope]) -> Vec<Response> {
    run_in(state, REGION, envs)
}

/// [`run`] in another region.
pub fn run_in(state: &mut State, region: &str, envs: &[Envelope]) -> Vec<Response> {
    envs.iter()
        .enumerate()
        .map(|(i, e)| {
            let ctx = ApplyContext {
                region,
                log_index: i as u64 + 1,
                leaf_index: i as u64,
                crypto: &crate::ledger::LedgerCrypto::default(),
            };
            let a = apply_envelope(state, &ctx, e).unwrap();
            state.apply_writes(&a.writes);
            a.response
        })
        .collect()
}
