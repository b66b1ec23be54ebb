//! Who acts: a person (region, role, user) read from a certificate, or a node of a region.
use serde::{Deserialize, Serialize};

/// A person's role, read from their certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Person {
    pub region: String,
    pub role: Role,
    pub user: String,
}

/// Who issued a command, stamped by the node that verified the certificate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
            Actor::Person(p) => format!("{}/role/{}/user/{}", p.region, p.role, p.user),
            Actor::Node { region, node } => format!("{region}/node/{node}"),
        }
    }
}
