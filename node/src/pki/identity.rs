//! Identities carried in certificates as a URI SAN:
//! - node:   `spiffe://<domain>/region/<region id>/node/<id>`
//! - person: `spiffe://<domain>/region/<region id>/organ/<bureau|agency-N>/role/<role>/user/<percent-encoded name>`
//!
//! A person's certificate names the organ the person acts for; a role the organ does not hold
//! (an officer of the bureau, an inspector of an agency) is refused when the URI is read.
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

use super::PkiError;
use crate::domain::{Actor, Organ, Person, Role};

/// Characters kept as they are in a user segment.
const USER_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// A verified identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Node {
        domain: String,
        region: String,
        node: u64,
    },
    Person {
        domain: String,
        region: String,
        organ: Organ,
        role: Role,
        user: String,
    },
}

impl Identity {
    /// The URI SAN form.
    pub fn uri(&self) -> String {
        match self {
            Identity::Node {
                domain,
                region,
                node,
            } => format!("spiffe://{domain}/region/{region}/node/{node}"),
            Identity::Person {
                domain,
                region,
                organ,
                role,
                user,
            } => format!(
                "spiffe://{domain}/region/{region}/organ/{organ}/role/{role}/user/{}",
                utf8_percent_encode(user, USER_SET)
            ),
        }
    }

    /// Trust domain.
    pub fn domain(&self) -> &str {
        match self {
            Identity::Node { domain, .. } | Identity::Person { domain, .. } => domain,
        }
    }

    /// Region.
    pub fn region(&self) -> &str {
        match self {
            Identity::Node { region, .. } | Identity::Person { region, .. } => region,
        }
    }

    /// The actor stamped into command envelopes.
    pub fn actor(&self) -> Actor {
        match self {
            Identity::Node { region, node, .. } => Actor::Node {
                region: region.clone(),
                node: *node,
            },
            Identity::Person {
                region,
                organ,
                role,
                user,
                ..
            } => Actor::Person(Person {
                region: region.clone(),
                organ: *organ,
                role: *role,
                user: user.clone(),
            }),
        }
    }

    /// Parses a URI SAN. Segments are read from the end, so a region id is never ambiguous.
    pub fn parse(uri: &str) -> Result<Identity, PkiError> {
        let bad = |why: &str| PkiError::Identity(format!("{uri:?}: {why}"));
        let rest = uri
            .strip_prefix("spiffe://")
            .ok_or_else(|| bad("not a spiffe:// URI"))?;
        let (domain, path) = rest.split_once('/').ok_or_else(|| bad("no path"))?;
        let path = path
            .strip_prefix("region/")
            .ok_or_else(|| bad("path does not start with region/"))?;
        let segs: Vec<&str> = path.split('/').collect();
        if domain.is_empty() || segs.iter().any(|s| s.is_empty()) {
            return Err(bad("empty segment"));
        }
        let n = segs.len();
        if n >= 3 && segs[n - 2] == "node" {
            let node: u64 = segs[n - 1]
                .parse()
                .map_err(|_| bad("node id is not a number"))?;
            return Ok(Identity::Node {
                domain: domain.to_string(),
                region: segs[..n - 2].join("/"),
                node,
            });
        }
        if n >= 5 && segs[n - 4] == "role" && segs[n - 2] == "user" {
            if n < 7 || segs[n - 6] != "organ" {
                return Err(bad(
                    "a person's certificate names no organ (bureau or agency-N): issue a new one with --organ",
                ));
            }
            let organ = Organ::parse(segs[n - 5])
                .ok_or_else(|| bad("the organ is neither bureau nor agency-<id>"))?;
            let role = Role::parse(segs[n - 3]).ok_or_else(|| bad("unknown role"))?;
            if !organ.roles().contains(&role) {
                return Err(bad(&format!(
                    "a person of {organ} cannot hold the role {role}"
                )));
            }
            let user = percent_decode_str(segs[n - 1])
                .decode_utf8()
                .map_err(|_| bad("user is not UTF-8"))?
                .to_string();
            if user.chars().any(char::is_control) {
                return Err(bad("user contains control characters"));
            }
            return Ok(Identity::Person {
                domain: domain.to_string(),
                region: segs[..n - 6].join("/"),
                organ,
                role,
                user,
            });
        }
        Err(bad("neither a node nor a person identity"))
    }

    /// Reads the single spiffe URI SAN of a DER certificate.
    pub fn from_cert_der(der: &[u8]) -> Result<Identity, PkiError> {
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|e| PkiError::Parse(e.to_string()))?;
        let san = cert
            .subject_alternative_name()
            .map_err(|e| PkiError::Parse(e.to_string()))?
            .ok_or_else(|| {
                PkiError::Identity("certificate has no subject alternative name".into())
            })?;
        let uris: Vec<&str> = san
            .value
            .general_names
            .iter()
            .filter_map(|g| match g {
                GeneralName::URI(u) if u.starts_with("spiffe://") => Some(*u),
                _ => None,
            })
            .collect();
        match uris.as_slice() {
            [one] => Identity::parse(one),
            [] => Err(PkiError::Identity(
                "certificate has no spiffe:// URI SAN".into(),
            )),
            _ => Err(PkiError::Identity(
                "certificate has several spiffe:// URI SANs".into(),
            )),
        }
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.uri())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        for id in [
            Identity::Node {
                domain: "d.x".into(),
                region: "hunan/changsha/liuyang".into(),
                node: 2,
            },
            Identity::Person {
                domain: "d.x".into(),
                region: "hunan".into(),
                organ: Organ::Bureau,
                role: Role::Inspector,
                user: "张三 / 测试".into(),
            },
            Identity::Person {
                domain: "d.x".into(),
                region: "hunan/changsha".into(),
                organ: Organ::Agency(12),
                role: Role::Officer,
                user: "张三 / 测试".into(),
            },
            Identity::Node {
                domain: "d.x".into(),
                region: "a/node/b".into(),
                node: 7,
            },
        ] {
            assert_eq!(Identity::parse(&id.uri()).unwrap(), id);
        }
    }

    #[test]
    fn hostile_uris_refused() {
        for u in [
            "",
            "http://d/region/a/node/1",
            "spiffe://d/region/a/node/x",
            "spiffe://d/region//node/1",
            "spiffe://d/a/node/1",
            "spiffe://d/region/a/organ/bureau/role/king/user/x",
            "spiffe://d/region/a/organ/bureau/role/clerk/user/%ff",
            // A person without an organ, a forged organ, a role the organ does not hold.
            "spiffe://d/region/a/role/clerk/user/x",
            "spiffe://d/region/a/organ/court/role/clerk/user/x",
            "spiffe://d/region/a/organ/agency-0/role/clerk/user/x",
            "spiffe://d/region/a/organ/bureau/role/officer/user/x",
            "spiffe://d/region/a/organ/agency-2/role/inspector/user/x",
            "spiffe://d/region/organ/bureau/role/clerk/user/x",
            "spiffe:///region/a/node/1",
            "spiffe://d/region/node/1",
            "spiffe://d/region/a/organ/bureau/role/clerk/user/a%00b",
        ] {
            assert!(Identity::parse(u).is_err(), "{u:?} must be refused");
        }
    }
}
