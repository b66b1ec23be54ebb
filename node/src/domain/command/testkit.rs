//! Helpers for the domain's tests: people, envelopes, and running envelopes against a state the
//! way the state machine does.
use crate::domain::command::apply::{apply_envelope, ApplyContext};
use crate::domain::command::envelope::{Command, Envelope, RULES_VERSION};
use crate::domain::core::identity::{Actor, Organ, Person, Role};
use crate::domain::core::organ::{AgencyInput, PowerKind};
use crate::domain::core::outcome::{CommandResult, Outcome, Response};
use crate::domain::core::state::State;

pub const REGION: &str = "hunan/changsha/liuyang";

/// The bureau's clerk.
pub fn clerk() -> Actor {
    Actor::Person(Person {
        region: REGION.into(),
        organ: Organ::Bureau,
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

/// Appends `name<TAB>bincode hex<TAB>JSON` of each envelope to the file named by
/// `SANXIANG_RECORD_ENVELOPES`, when set: how `testdata/envelopes.tsv` is recorded from the
/// test suites when the stored format changes.
fn record(e: &Envelope) {
    use std::io::Write;
    let Ok(path) = std::env::var("SANXIANG_RECORD_ENVELOPES") else {
        return;
    };
    let (Ok(bytes), Ok(json)) = (e.encode(), serde_json::to_string(e)) else {
        return;
    };
    let line = format!("{}\t{}\t{json}\n", e.command.name(), hex::encode(bytes));
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// The ledger's hashing and proofs, no CA (no head is trusted), and a downlink seal that
/// verifies unless its signature is `bad`.
pub struct KitCrypto;

impl crate::domain::federation::items::Crypto for KitCrypto {
    fn leaf_hash(&self, data: &[u8]) -> crate::domain::federation::items::Hash {
        crate::ledger::LedgerCrypto::default().leaf_hash(data)
    }
    fn verify_head(
        &self,
        head: &crate::domain::federation::items::SignedHead,
        at_ms: i64,
    ) -> Result<(), crate::domain::federation::items::CheckError> {
        crate::ledger::LedgerCrypto::default().verify_head(head, at_ms)
    }
    fn verify_seal(
        &self,
        seal: &crate::domain::federation::items::Seal<'_>,
    ) -> Result<(), crate::domain::federation::items::CheckError> {
        (seal.signature != b"bad").then_some(()).ok_or(
            crate::domain::federation::items::CheckError::new("bad seal"),
        )
    }
    fn verify_inclusion(
        &self,
        index: u64,
        size: u64,
        leaf: &crate::domain::federation::items::Hash,
        proof: &[crate::domain::federation::items::Hash],
        root: &crate::domain::federation::items::Hash,
    ) -> Result<(), crate::domain::federation::items::CheckError> {
        crate::ledger::LedgerCrypto::default().verify_inclusion(index, size, leaf, proof, root)
    }
    fn verify_consistency(
        &self,
        first: u64,
        second: u64,
        first_root: &crate::domain::federation::items::Hash,
        second_root: &crate::domain::federation::items::Hash,
        proof: &[crate::domain::federation::items::Hash],
    ) -> Result<(), crate::domain::federation::items::CheckError> {
        crate::ledger::LedgerCrypto::default().verify_consistency(
            first,
            second,
            first_root,
            second_root,
            proof,
        )
    }
}

/// An item with a seal [`KitCrypto`] accepts.
pub fn sealed(
    item: crate::domain::federation::downlink::DownItem,
) -> crate::domain::federation::downlink::SealedDown {
    crate::domain::federation::downlink::SealedDown {
        item,
        seal: crate::domain::federation::downlink::DownSeal {
            signer: 1,
            cert_der: Vec::new(),
            signature: b"ok".to_vec(),
            at_ms: 0,
        },
    }
}

/// [`run`] in another region.
pub fn run_in(state: &mut State, region: &str, envs: &[Envelope]) -> Vec<Response> {
    envs.iter()
        .inspect(|e| record(e))
        .enumerate()
        .map(|(i, e)| {
            let ctx = ApplyContext {
                region,
                log_index: i as u64 + 1,
                leaf_index: i as u64,
                crypto: &KitCrypto,
            };
            let a = apply_envelope(state, &ctx, e).unwrap();
            state.apply_writes(&a.writes);
            a.response
        })
        .collect()
}

/// Who issues a command in a [`World`]: an actor as given, a role of the world's region (user
/// `u`; officers and reviewers of agency 1, every other role of the bureau), or an organ's role.
pub trait Who {
    fn actor(self, region: &str) -> Actor;
}

impl Who for Actor {
    fn actor(self, _: &str) -> Actor {
        self
    }
}

impl Who for Role {
    fn actor(self, region: &str) -> Actor {
        let organ = match self {
            Role::Officer | Role::Reviewer => Organ::Agency(1),
            _ => Organ::Bureau,
        };
        (organ, self).actor(region)
    }
}

impl Who for (Organ, Role) {
    fn actor(self, region: &str) -> Actor {
        (self.0, self.1, "u").actor(region)
    }
}

impl Who for (Organ, Role, &str) {
    fn actor(self, region: &str) -> Actor {
        Actor::Person(Person {
            region: region.into(),
            organ: self.0,
            role: self.1,
            user: self.2.into(),
        })
    }
}

/// One region's state, driven one command at a time as the state machine would, with a
/// leader clock the test sets.
pub struct World {
    pub s: State,
    pub region: &'static str,
    req: u64,
    /// The leader's clock for the next command.
    pub t: i64,
}

impl World {
    pub fn new(region: &'static str, t: i64) -> World {
        World {
            s: State::default(),
            region,
            req: 0,
            t,
        }
    }

    pub fn exec(&mut self, who: impl Who, c: Command) -> Response {
        self.req += 1;
        let e = env(who.actor(self.region), "t", self.req, self.t, c);
        run_in(&mut self.s, self.region, &[e]).remove(0)
    }

    /// Expects success: the record's id and flags (0 and none for other results).
    pub fn ok(&mut self, who: impl Who, c: Command) -> (u64, Vec<String>) {
        match self.exec(who, c).outcome {
            Outcome::Ok(CommandResult::Record { id, flags }) => (id, flags),
            Outcome::Ok(CommandResult::Agency(a)) => (a.id, vec![]),
            Outcome::Ok(_) => (0, vec![]),
            o => panic!("expected success, got {o:?}"),
        }
    }

    /// Domain records only: everything but the dedup table (q, r, 0), the clock (m) and the
    /// counter of refused major decisions, which a refusal moves on purpose.
    pub fn records(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let attempts = crate::domain::supervision::summary::COUNTERS.key("");
        self.s
            .pairs()
            .filter(|(k, _)| !matches!(k.first(), Some(b'q' | b'r' | b'0' | b'm')))
            .filter(|(k, _)| {
                !(k.starts_with(&attempts) && k.ends_with(b"/decisions/major_refused"))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Expects a refusal that changes no record; the rule it names.
    pub fn refused(&mut self, who: impl Who, c: Command) -> String {
        let before = self.records();
        let f = match self.exec(who, c).outcome {
            Outcome::Refused(f) => f,
            o => panic!("expected a refusal, got {o:?}"),
        };
        assert!(
            before == self.records(),
            "a refused command changed a domain record: {f}"
        );
        f.rule
    }

    /// Expects a refusal under `rule` that changes no record.
    pub fn refused_by(&mut self, who: impl Who, c: Command, rule: &str) {
        let before = self.records();
        match self.exec(who, c).outcome {
            Outcome::Refused(f) => assert_eq!(f.rule, rule, "{}", f.message),
            o => panic!("expected a refusal {rule}, got {o:?}"),
        }
        assert!(
            before == self.records(),
            "a refused command changed a record"
        );
    }

    /// A `Tick` proposed by node 1 of the region; it must be accepted.
    pub fn node_tick(&mut self) {
        let node = Actor::Node {
            region: self.region.into(),
            node: 1,
        };
        let e = env(node, "", 0, self.t, Command::Tick);
        let r = run_in(&mut self.s, self.region, &[e]).remove(0);
        assert!(matches!(r.outcome, Outcome::Ok(_)), "{r:?}");
    }
}
