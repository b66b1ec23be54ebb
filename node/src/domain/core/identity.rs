//! Who acts: a person (region, organ, role, user) read from a certificate, or a node of a region.
//!
//! An organ (机关) is the judicial bureau of a region (司法局, which supervises) or one of the
//! region's enforcement agencies (行政执法机关). Every person acts for exactly one organ, named in
//! the certificate and stamped into each envelope; the rules check role *and* organ.
use serde::{Deserialize, Serialize};

/// A person's role, read from their certificate.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Role {
    /// Registry clerk of a judicial bureau or agency.
    Clerk,
    /// Enforcement officer.
    Officer,
    /// Legal reviewer (法制审核人员).
    Reviewer,
    /// Head of an organ (负责人), signs off.
    Head,
    /// Supervisor in the judicial administration.
    Supervisor,
    /// Inspector (行政执法监督人员), issues circulated notices.
    Inspector,
    /// Read-only monitoring.
    Monitor,
}

impl Role {
    /// All roles, for help texts.
    pub const ALL: [Role; 7] = [
        Role::Clerk,
        Role::Officer,
        Role::Reviewer,
        Role::Head,
        Role::Supervisor,
        Role::Inspector,
        Role::Monitor,
    ];

    /// The lowercase name used in certificates.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Officer => "officer",
            Role::Reviewer => "reviewer",
            Role::Head => "head",
            Role::Supervisor => "supervisor",
            Role::Inspector => "inspector",
            Role::Monitor => "monitor",
        }
    }

    /// Parses a lowercase role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The organ a person acts for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Organ {
    /// The region's judicial bureau (司法局): registry, certificates, supervision.
    Bureau,
    /// An enforcement agency of the region, by its registry id.
    Agency(u64),
}

impl Organ {
    /// The form used in certificates and labels: `bureau` or `agency-<id>`.
    pub fn segment(self) -> String {
        match self {
            Organ::Bureau => "bureau".to_string(),
            Organ::Agency(id) => format!("agency-{id}"),
        }
    }

    /// Parses `bureau` or `agency-<id>` (id ≥ 1, no leading zeros).
    pub fn parse(s: &str) -> Option<Organ> {
        if s == "bureau" {
            return Some(Organ::Bureau);
        }
        let id = s.strip_prefix("agency-")?;
        if id.is_empty() || id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        id.parse().ok().map(Organ::Agency)
    }

    /// The roles a person of this organ may hold: an agency has its officers, reviewers, clerk
    /// and head; the bureau its supervisors, inspectors, clerk and head. Monitoring is read-only
    /// and open to both.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Organ::Bureau => &[
                Role::Clerk,
                Role::Head,
                Role::Supervisor,
                Role::Inspector,
                Role::Monitor,
            ],
            Organ::Agency(_) => &[
                Role::Clerk,
                Role::Officer,
                Role::Reviewer,
                Role::Head,
                Role::Monitor,
            ],
        }
    }

    /// Chinese name for messages: 司法局 or 执法机关 n.
    pub fn label(self) -> String {
        match self {
            Organ::Bureau => "司法局".to_string(),
            Organ::Agency(id) => format!("执法机关 {id}"),
        }
    }
}

impl std::fmt::Display for Organ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.segment())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-in person.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Person {
    pub region: String,
    /// The organ the person acts for.
    pub organ: Organ,
    pub role: Role,
    pub user: String,
}

/// Who issued a command, stamped by the node that verified the certificate.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Actor {
    Person(Person),
    /// A node of a region (leader-proposed commands such as `Tick`).
    Node {
        region: String,
        node: u64,
    },
}

impl Actor {
    /// The region the actor belongs to.
    pub fn region(&self) -> &str {
        match self {
            Actor::Person(p) => &p.region,
            Actor::Node { region, .. } => region,
        }
    }

    /// A stable textual form (also the dedup table's key prefix).
    pub fn label(&self) -> String {
        match self {
            Actor::Person(p) => format!(
                "{}/organ/{}/role/{}/user/{}",
                p.region, p.organ, p.role, p.user
            ),
            Actor::Node { region, node } => format!("{region}/node/{node}"),
        }
    }
}

impl Actor {
    /// The person, when a person acts.
    pub fn person(&self) -> Option<&Person> {
        match self {
            Actor::Person(p) => Some(p),
            Actor::Node { .. } => None,
        }
    }

    /// A person of `organ` holding one of `roles`.
    pub fn acts_for(&self, organ: Organ, roles: &[Role]) -> bool {
        self.person()
            .is_some_and(|p| p.organ == organ && roles.contains(&p.role))
    }

    /// A person of the region's judicial bureau holding one of `roles`.
    pub fn of_bureau(&self, roles: &[Role]) -> bool {
        self.acts_for(Organ::Bureau, roles)
    }

    /// The organ the actor acts for (none for a node).
    pub fn organ(&self) -> Option<Organ> {
        self.person().map(|p| p.organ)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organ_segments_round_trip_and_hostile_ones_are_refused() {
        for o in [Organ::Bureau, Organ::Agency(1), Organ::Agency(u64::MAX)] {
            assert_eq!(Organ::parse(&o.segment()), Some(o));
        }
        for bad in [
            "",
            "agency-",
            "agency-0",
            "agency-01",
            "agency--1",
            "agency-x",
            "Bureau",
            "agency-18446744073709551616",
            "agency-1 ",
        ] {
            assert_eq!(Organ::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_organ_holds_only_its_own_roles() {
        assert!(!Organ::Bureau.roles().contains(&Role::Officer));
        assert!(!Organ::Bureau.roles().contains(&Role::Reviewer));
        assert!(!Organ::Agency(3).roles().contains(&Role::Inspector));
        assert!(!Organ::Agency(3).roles().contains(&Role::Supervisor));
        assert!(Organ::Agency(3).roles().contains(&Role::Head));
        assert!(Organ::Bureau.roles().contains(&Role::Head));
    }
}
