//! The administrative tree and each region's nodes, loaded from TOML and validated once.
//!
//! ```toml
//! domain = "hunan.sanxiang"
//! [[region]]
//! id = "hunan"
//! name = "湖南省"
//! kind = "province"
//! nodes = [
//!   { id = 1, grpc = "127.0.0.1:7101", http = "127.0.0.1:8101" },
//! ]
//! [[region]]
//! id = "hunan/changsha"
//! name = "长沙市"
//! kind = "city"
//! parent = "hunan"
//! ```
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Problems found while loading a topology. Each names the region or node at fault.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// The file could not be read.
    #[error("cannot read topology {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for a topology.
    #[error("topology is not valid: {0}")]
    Parse(String),
    /// A region id is empty or uses characters other than a-z, 0-9, '-', '_' and '/'.
    #[error("region id {0:?} is not valid: use lowercase segments of a-z, 0-9, '-', '_' separated by '/'")]
    BadRegionId(String),
    /// Two regions share an id.
    #[error("region {0} is defined twice")]
    DuplicateRegion(String),
    /// A region's id is not its parent's id plus one segment.
    #[error("region {region} must be named {parent}/<segment>: ids are paths of the tree")]
    IdNotUnderParent { region: String, parent: String },
    /// A region names a parent that is not defined.
    #[error("region {region} names parent {parent}, which is not defined")]
    UnknownParent { region: String, parent: String },
    /// Following parents from a region comes back to it.
    #[error("regions form a cycle through {0}")]
    Cycle(String),
    /// A region sits under a region whose kind is not higher than its own.
    #[error("region {region} ({kind}) cannot sit under {parent} ({parent_kind}): a parent must be of a higher kind")]
    KindOrder {
        region: String,
        kind: RegionKind,
        parent: String,
        parent_kind: RegionKind,
    },
    /// A region without a parent that is not the only root.
    #[error("topology must have exactly one root region (a region without parent); found {0:?}")]
    Roots(Vec<String>),
    /// A region has no nodes.
    #[error("region {0} has no nodes")]
    NoNodes(String),
    /// A region has more nodes than a Raft group should have.
    #[error("region {region} has {count} nodes; use 1, 3 or 5 (at most 7)")]
    TooManyNodes { region: String, count: usize },
    /// Two nodes of one region share an id.
    #[error("region {region} has node id {id} twice")]
    DuplicateNodeId { region: String, id: u64 },
    /// Node id 0 is reserved.
    #[error("region {region}: node id 0 is not allowed (use 1, 2, 3 …)")]
    ZeroNodeId { region: String },
    /// An address is not host:port.
    #[error("node {node}: address {addr:?} is not a valid host:port")]
    BadAddress { node: String, addr: String },
    /// Two nodes (anywhere in the tree) share an address.
    #[error("address {addr} is used by both {first} and {second}")]
    DuplicateAddress {
        addr: String,
        first: String,
        second: String,
    },
    /// The trust domain is not a valid DNS-like name.
    #[error("trust domain {0:?} is not valid: use lowercase letters, digits, '-' and '.'")]
    BadDomain(String),
    /// A name is empty.
    #[error("region {0} has an empty name")]
    EmptyName(String),
    /// A region or node asked for does not exist.
    #[error("{0} is not in the topology")]
    NotFound(String),
}

/// The kind of an administrative region, from highest to lowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionKind {
    Province,
    City,
    County,
    Zone,
}

impl RegionKind {
    /// Lower is higher in the tree.
    fn rank(self) -> u8 {
        match self {
            RegionKind::Province => 0,
            RegionKind::City => 1,
            RegionKind::County => 2,
            RegionKind::Zone => 3,
        }
    }
}

impl std::fmt::Display for RegionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RegionKind::Province => "province",
            RegionKind::City => "city",
            RegionKind::County => "county",
            RegionKind::Zone => "zone",
        })
    }
}

/// One node of a region's cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSpec {
    /// Raft node id, unique within the region, never reused for a wiped machine.
    pub id: u64,
    /// gRPC listen address (Raft peers and clients).
    pub grpc: String,
    /// HTTP listen address (dashboard, metrics, health).
    #[serde(default)]
    pub http: String,
}

/// One administrative region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSpec {
    pub id: String,
    pub name: String,
    pub kind: RegionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default)]
    pub nodes: Vec<NodeSpec>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TopologyFile {
    #[serde(default = "default_domain")]
    domain: String,
    #[serde(default)]
    region: Vec<RegionSpec>,
}

fn default_domain() -> String {
    "sanxiang.local".to_string()
}

/// A validated topology.
#[derive(Debug, Clone)]
pub struct Topology {
    /// SPIFFE trust domain of the deployment.
    pub domain: String,
    regions: BTreeMap<String, RegionSpec>,
}

fn valid_region_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

impl Topology {
    /// Reads and validates a topology file.
    pub fn load(path: &Path) -> Result<Topology, TopologyError> {
        let text = std::fs::read_to_string(path).map_err(|source| TopologyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Topology::parse(&text)
    }

    /// Parses and validates topology TOML.
    pub fn parse(text: &str) -> Result<Topology, TopologyError> {
        let file: TopologyFile =
            toml::from_str(text).map_err(|e| TopologyError::Parse(e.to_string()))?;
        Topology::from_parts(file.domain, file.region)
    }

    /// Validates a list of regions.
    pub fn from_parts(domain: String, list: Vec<RegionSpec>) -> Result<Topology, TopologyError> {
        if !valid_domain(&domain) {
            return Err(TopologyError::BadDomain(domain));
        }
        let mut regions = BTreeMap::new();
        for r in list {
            if !valid_region_id(&r.id) {
                return Err(TopologyError::BadRegionId(r.id));
            }
            if r.name.trim().is_empty() {
                return Err(TopologyError::EmptyName(r.id));
            }
            if regions.contains_key(&r.id) {
                return Err(TopologyError::DuplicateRegion(r.id));
            }
            regions.insert(r.id.clone(), r);
        }
        let mut roots = Vec::new();
        for r in regions.values() {
            match &r.parent {
                None => roots.push(r.id.clone()),
                Some(p) => {
                    let parent = regions.get(p).ok_or_else(|| TopologyError::UnknownParent {
                        region: r.id.clone(),
                        parent: p.clone(),
                    })?;
                    if r.id.rsplit_once('/').map(|(head, _)| head) != Some(p.as_str()) {
                        return Err(TopologyError::IdNotUnderParent {
                            region: r.id.clone(),
                            parent: p.clone(),
                        });
                    }
                    if parent.kind.rank() >= r.kind.rank() && parent.id != r.id {
                        // Checked after the cycle test below for self-parents.
                        let mut seen = BTreeSet::new();
                        let mut cur = Some(r.id.clone());
                        while let Some(c) = cur {
                            if !seen.insert(c.clone()) {
                                return Err(TopologyError::Cycle(c));
                            }
                            cur = regions.get(&c).and_then(|x| x.parent.clone());
                        }
                        return Err(TopologyError::KindOrder {
                            region: r.id.clone(),
                            kind: r.kind,
                            parent: parent.id.clone(),
                            parent_kind: parent.kind,
                        });
                    }
                }
            }
        }
        // Cycles (including a region naming itself as parent).
        for r in regions.values() {
            let mut seen = BTreeSet::new();
            let mut cur = Some(r.id.clone());
            while let Some(c) = cur {
                if !seen.insert(c.clone()) {
                    return Err(TopologyError::Cycle(c));
                }
                cur = regions.get(&c).and_then(|x| x.parent.clone());
            }
        }
        if roots.len() != 1 {
            return Err(TopologyError::Roots(roots));
        }
        let mut addrs: BTreeMap<String, String> = BTreeMap::new();
        for r in regions.values() {
            if r.nodes.is_empty() {
                return Err(TopologyError::NoNodes(r.id.clone()));
            }
            if r.nodes.len() > 7 {
                return Err(TopologyError::TooManyNodes {
                    region: r.id.clone(),
                    count: r.nodes.len(),
                });
            }
            let mut ids = BTreeSet::new();
            for n in &r.nodes {
                if n.id == 0 {
                    return Err(TopologyError::ZeroNodeId {
                        region: r.id.clone(),
                    });
                }
                if !ids.insert(n.id) {
                    return Err(TopologyError::DuplicateNodeId {
                        region: r.id.clone(),
                        id: n.id,
                    });
                }
                let who = format!("{}/node/{}", r.id, n.id);
                for (kind, addr) in [("grpc", &n.grpc), ("http", &n.http)] {
                    if addr.is_empty() && kind == "http" {
                        continue;
                    }
                    if addr.parse::<SocketAddr>().is_err() && !looks_like_host_port(addr) {
                        return Err(TopologyError::BadAddress {
                            node: who.clone(),
                            addr: addr.clone(),
                        });
                    }
                    if addr.ends_with(":0") {
                        // Port 0 means "any free port" and is only meaningful in tests.
                        continue;
                    }
                    let label = format!("{who} ({kind})");
                    if let Some(first) = addrs.insert(addr.clone(), label.clone()) {
                        return Err(TopologyError::DuplicateAddress {
                            addr: addr.clone(),
                            first,
                            second: label,
                        });
                    }
                }
            }
        }
        Ok(Topology { domain, regions })
    }

    /// All regions, ordered by id.
    pub fn regions(&self) -> impl Iterator<Item = &RegionSpec> {
        self.regions.values()
    }

    /// One region.
    pub fn region(&self, id: &str) -> Result<&RegionSpec, TopologyError> {
        self.regions
            .get(id)
            .ok_or_else(|| TopologyError::NotFound(format!("region {id}")))
    }

    /// One node of a region.
    pub fn node(&self, region: &str, id: u64) -> Result<&NodeSpec, TopologyError> {
        self.region(region)?
            .nodes
            .iter()
            .find(|n| n.id == id)
            .ok_or_else(|| TopologyError::NotFound(format!("node {region}/node/{id}")))
    }

    /// Parses `REGION/ID` (e.g. `hunan/changsha/liuyang/2`) into a region and node id.
    pub fn parse_node_ref(&self, s: &str) -> Result<(String, u64), TopologyError> {
        let bad = || {
            TopologyError::NotFound(format!(
                "node {s:?} (expected REGION/ID, e.g. hunan/changsha/liuyang/1)"
            ))
        };
        let (region, id) = s.rsplit_once('/').ok_or_else(bad)?;
        let region = region.strip_suffix("/node").unwrap_or(region);
        let id: u64 = id.parse().map_err(|_| bad())?;
        self.node(region, id)?;
        Ok((region.to_string(), id))
    }

    /// Serializes back to TOML (used by the demo to write the addresses it bound).
    pub fn to_toml(&self) -> Result<String, TopologyError> {
        let file = TopologyFile {
            domain: self.domain.clone(),
            region: self.regions.values().cloned().collect(),
        };
        toml::to_string(&file).map_err(|e| TopologyError::Parse(e.to_string()))
    }
}

fn looks_like_host_port(s: &str) -> bool {
    match s.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && port.parse::<u16>().is_ok()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> String {
        r#"
domain = "test.sanxiang"
[[region]]
id = "p"
name = "省"
kind = "province"
nodes = [{ id = 1, grpc = "127.0.0.1:1001", http = "127.0.0.1:2001" }]
[[region]]
id = "p/c"
name = "市"
kind = "city"
parent = "p"
nodes = [{ id = 1, grpc = "127.0.0.1:1002", http = "127.0.0.1:2002" }]
"#
        .to_string()
    }

    fn with(extra: &str) -> Result<Topology, TopologyError> {
        Topology::parse(&format!("{}{}", base(), extra))
    }

    #[test]
    fn demo_topology_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cluster-config/demo.toml");
        let t = Topology::load(&path).expect("demo.toml must load");
        assert_eq!(t.regions().count(), 7);
        assert!(t.regions().all(|r| r.nodes.len() == 3));
        assert_eq!(
            t.region("hunan/changsha/liuyang")
                .map(|r| r.name.as_str())
                .ok(),
            Some("浏阳市")
        );
    }

    #[test]
    fn base_loads() {
        let t = with("").unwrap();
        assert_eq!(t.region("p/c").unwrap().parent.as_deref(), Some("p"));
        assert_eq!(t.parse_node_ref("p/c/1").unwrap(), ("p/c".to_string(), 1));
        assert!(t.parse_node_ref("p/c/9").is_err());
        assert!(t.parse_node_ref("nonsense").is_err());
    }

    #[test]
    fn unknown_parent() {
        let e = with("[[region]]\nid=\"x\"\nname=\"x\"\nkind=\"county\"\nparent=\"nope\"\nnodes=[{id=1,grpc=\"127.0.0.1:1\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::UnknownParent { .. }), "{e}");
    }

    #[test]
    fn city_under_county_refused() {
        let e = with("[[region]]\nid=\"p/c/k\"\nname=\"县\"\nkind=\"county\"\nparent=\"p/c\"\nnodes=[{id=1,grpc=\"127.0.0.1:3\"}]\n[[region]]\nid=\"p/c/k/x\"\nname=\"市\"\nkind=\"city\"\nparent=\"p/c/k\"\nnodes=[{id=1,grpc=\"127.0.0.1:4\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::KindOrder { .. }), "{e}");
        assert!(e.to_string().contains("p/c/k/x"));
    }

    #[test]
    fn county_directly_under_province_and_zone_under_county() {
        with("[[region]]\nid=\"p/k\"\nname=\"县\"\nkind=\"county\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"127.0.0.1:3\"}]\n[[region]]\nid=\"p/k/z\"\nname=\"区\"\nkind=\"zone\"\nparent=\"p/k\"\nnodes=[{id=1,grpc=\"127.0.0.1:4\"}]\n").unwrap();
    }

    #[test]
    fn cycle_detected() {
        let text = r#"
[[region]]
id = "a"
name = "a"
kind = "city"
parent = "b"
nodes = [{ id = 1, grpc = "127.0.0.1:1" }]
[[region]]
id = "b"
name = "b"
kind = "city"
parent = "a"
nodes = [{ id = 1, grpc = "127.0.0.1:2" }]
"#;
        // Path ids make a cycle impossible: the first region whose id is not under its
        // parent's is named.
        let e = Topology::parse(text).unwrap_err();
        assert!(
            matches!(
                e,
                TopologyError::IdNotUnderParent { .. } | TopologyError::Cycle(_)
            ),
            "{e}"
        );
    }

    #[test]
    fn id_must_extend_parent_id() {
        let e = with("[[region]]\nid=\"q/k\"\nname=\"县\"\nkind=\"county\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"127.0.0.1:3\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::IdNotUnderParent { .. }), "{e}");
        let e = with("[[region]]\nid=\"p/c/k\"\nname=\"县\"\nkind=\"county\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"127.0.0.1:3\"}]\n").unwrap_err();
        assert!(e.to_string().contains("p/c/k"), "{e}");
    }

    #[test]
    fn duplicate_region_and_address_and_node() {
        let e = with("[[region]]\nid=\"p/c\"\nname=\"x\"\nkind=\"city\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"127.0.0.1:9\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::DuplicateRegion(_)), "{e}");
        let e = with("[[region]]\nid=\"p/d\"\nname=\"x\"\nkind=\"city\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"127.0.0.1:1001\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::DuplicateAddress { .. }), "{e}");
        let e = with("[[region]]\nid=\"p/d\"\nname=\"x\"\nkind=\"city\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"127.0.0.1:7\"},{id=1,grpc=\"127.0.0.1:8\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::DuplicateNodeId { .. }), "{e}");
    }

    #[test]
    fn region_without_nodes_and_bad_input() {
        let e =
            with("[[region]]\nid=\"p/d\"\nname=\"x\"\nkind=\"city\"\nparent=\"p\"\n").unwrap_err();
        assert!(matches!(e, TopologyError::NoNodes(_)), "{e}");
        let e = with("[[region]]\nid=\"P/D\"\nname=\"x\"\nkind=\"city\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"127.0.0.1:7\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::BadRegionId(_)), "{e}");
        let e = with("[[region]]\nid=\"p/d\"\nname=\"x\"\nkind=\"city\"\nparent=\"p\"\nnodes=[{id=1,grpc=\"not an address\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::BadAddress { .. }), "{e}");
        let e = with("[[region]]\nid=\"p/d\"\nname=\"x\"\nkind=\"hamlet\"\n").unwrap_err();
        assert!(matches!(e, TopologyError::Parse(_)), "{e}");
        let e = Topology::parse("garbage = [").unwrap_err();
        assert!(matches!(e, TopologyError::Parse(_)), "{e}");
        let e = with("[[region]]\nid=\"q\"\nname=\"x\"\nkind=\"province\"\nnodes=[{id=1,grpc=\"127.0.0.1:7\"}]\n").unwrap_err();
        assert!(matches!(e, TopologyError::Roots(_)), "{e}");
    }
}
