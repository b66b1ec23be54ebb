//! RFC 6962 tree: hashing, the frontier used on append, and proof generation.
use sha2::{Digest, Sha256};

use super::LedgerError;

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Hash of a leaf: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// Hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Where stored perfect-subtree hashes are read from: node `(level, index)` covers leaves
/// `[index·2^level, (index+1)·2^level)`; level 0 holds the leaf hashes.
pub trait NodeSource {
    /// The hash of a perfect subtree that is part of the tree.
    fn node(&self, level: u8, index: u64) -> Result<Hash, LedgerError>;
}

/// The right edge of the tree: one perfect subtree per set bit of `size`, highest first.
/// Enough to append a leaf and compute the root without reading storage.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frontier {
    size: u64,
    peaks: Vec<(u8, Hash)>,
}

impl Frontier {
    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; returns every perfect-subtree node completed by it
    /// (`(level, index, hash)`, the leaf itself first) so the caller can store them.
    pub fn append(&mut self, leaf: Hash) -> Vec<(u8, u64, Hash)> {
        let index = self.size;
        let mut out = vec![(0u8, index, leaf)];
        let mut level = 0u8;
        let mut hash = leaf;
        while let Some(&(peak_level, peak_hash)) = self.peaks.last() {
            if peak_level != level {
                break;
            }
            self.peaks.pop();
            hash = node_hash(&peak_hash, &hash);
            level += 1;
            out.push((level, index >> level, hash));
        }
        self.peaks.push((level, hash));
        self.size += 1;
        out
    }

    /// The current root (RFC 6962 MTH of all leaves).
    pub fn root(&self) -> Hash {
        let mut iter = self.peaks.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else {
            return empty_root();
        };
        for (_, peak) in iter {
            acc = node_hash(peak, &acc);
        }
        acc
    }

    /// Rebuilds the frontier of a tree of `size` leaves from stored nodes.
    pub fn rebuild(size: u64, src: &dyn NodeSource) -> Result<Frontier, LedgerError> {
        let mut peaks = Vec::new();
        let mut start = 0u64;
        for level in (0..64u8).rev() {
            if size & (1u64 << level) != 0 {
                peaks.push((level, src.node(level, start >> level)?));
                start += 1u64 << level;
            }
        }
        Ok(Frontier { size, peaks })
    }
}

/// Largest power of two strictly less than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// MTH of leaves `[start, end)`, where `start` is aligned as in RFC 6962's recursion.
fn subtree(src: &dyn NodeSource, start: u64, end: u64) -> Result<Hash, LedgerError> {
    let len = end - start;
    if len == 0 {
        return Ok(empty_root());
    }
    if len.is_power_of_two() {
        let level = len.trailing_zeros() as u8;
        if !start.is_multiple_of(len) {
            return Err(LedgerError::OutOfRange(format!(
                "unaligned subtree [{start}, {end})"
            )));
        }
        return src.node(level, start >> level);
    }
    let k = split(len);
    let left = subtree(src, start, start + k)?;
    let right = subtree(src, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// A [`NodeSource`] that remembers what it read: proofs for neighbouring leaves share most of
/// their nodes, so a batch of proofs reads each stored node once.
pub struct CachedNodes<'a> {
    src: &'a dyn NodeSource,
    memo: std::sync::Mutex<std::collections::BTreeMap<(u8, u64), Hash>>,
}

impl<'a> CachedNodes<'a> {
    pub fn new(src: &'a dyn NodeSource) -> CachedNodes<'a> {
        CachedNodes {
            src,
            memo: Default::default(),
        }
    }
}

impl NodeSource for CachedNodes<'_> {
    fn node(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        let mut memo = self.memo.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = memo.get(&(level, index)) {
            return Ok(*h);
        }
        let h = self.src.node(level, index)?;
        memo.insert((level, index), h);
        Ok(h)
    }
}

/// Root of the tree as it was at `size` leaves.
pub fn root_at(src: &dyn NodeSource, size: u64) -> Result<Hash, LedgerError> {
    subtree(src, 0, size)
}

/// Inclusion proof (audit path) of leaf `index` in the tree of `size` leaves, leaf level first.
pub fn inclusion_proof(
    src: &dyn NodeSource,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, LedgerError> {
    if index >= size {
        return Err(LedgerError::OutOfRange(format!(
            "leaf {index} is not in a tree of size {size}"
        )));
    }
    let mut path = Vec::new();
    fn rec(
        src: &dyn NodeSource,
        m: u64,
        start: u64,
        end: u64,
        path: &mut Vec<Hash>,
    ) -> Result<(), LedgerError> {
        let n = end - start;
        if n <= 1 {
            return Ok(());
        }
        let k = split(n);
        if m < k {
            rec(src, m, start, start + k, path)?;
            path.push(subtree(src, start + k, end)?);
        } else {
            rec(src, m - k, start + k, end, path)?;
            path.push(subtree(src, start, start + k)?);
        }
        Ok(())
    }
    rec(src, index, 0, size, &mut path)?;
    Ok(path)
}

/// Consistency proof between the tree of `first` leaves and the tree of `second` leaves.
pub fn consistency_proof(
    src: &dyn NodeSource,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, LedgerError> {
    if first == 0 || first > second {
        return Err(LedgerError::OutOfRange(format!(
            "no consistency proof from size {first} to size {second}"
        )));
    }
    fn rec(
        src: &dyn NodeSource,
        m: u64,
        start: u64,
        end: u64,
        complete: bool,
        path: &mut Vec<Hash>,
    ) -> Result<(), LedgerError> {
        let n = end - start;
        if m == n {
            if !complete {
                path.push(subtree(src, start, end)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            rec(src, m, start, start + k, complete, path)?;
            path.push(subtree(src, start + k, end)?);
        } else {
            rec(src, m - k, start + k, end, false, path)?;
            path.push(subtree(src, start, start + k)?);
        }
        Ok(())
    }
    let mut path = Vec::new();
    rec(src, first, 0, second, true, &mut path)?;
    Ok(path)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ledger::verify::{verify_consistency, verify_inclusion};

    /// In-memory node store for tests.
    #[derive(Default)]
    pub struct MemNodes(pub BTreeMap<(u8, u64), Hash>);

    impl NodeSource for MemNodes {
        fn node(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
            self.0
                .get(&(level, index))
                .copied()
                .ok_or(LedgerError::MissingNode { level, index })
        }
    }

    /// Reference MTH straight from RFC 6962's definition, over all leaf data.
    fn reference_root(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn build(n: u64) -> (Frontier, MemNodes, Vec<Vec<u8>>) {
        let mut f = Frontier::default();
        let mut nodes = MemNodes::default();
        let mut leaves = Vec::new();
        for i in 0..n {
            let data = format!("leaf-{i}").into_bytes();
            for (l, idx, h) in f.append(leaf_hash(&data)) {
                nodes.0.insert((l, idx), h);
            }
            leaves.push(data);
        }
        (f, nodes, leaves)
    }

    #[test]
    fn roots_match_reference_for_every_size() {
        let (_, nodes, leaves) = build(70);
        let mut f = Frontier::default();
        for n in 0..=70u64 {
            assert_eq!(f.root(), reference_root(&leaves[..n as usize]), "size {n}");
            assert_eq!(
                root_at(&nodes, n).unwrap(),
                f.root(),
                "stored nodes, size {n}"
            );
            let rebuilt = Frontier::rebuild(n, &nodes).unwrap();
            assert_eq!(rebuilt, f, "rebuild at size {n}");
            if n < 70 {
                f.append(leaf_hash(&leaves[n as usize]));
            }
        }
    }

    #[test]
    fn all_inclusion_and_consistency_proofs_verify() {
        let (_, nodes, leaves) = build(40);
        for size in 1..=40u64 {
            let root = root_at(&nodes, size).unwrap();
            for i in 0..size {
                let path = inclusion_proof(&nodes, i, size).unwrap();
                let lh = leaf_hash(&leaves[i as usize]);
                verify_inclusion(i, size, &lh, &path, &root).unwrap();
                // Tampering with the leaf must fail.
                let bad = leaf_hash(b"tampered");
                assert!(verify_inclusion(i, size, &bad, &path, &root).is_err());
            }
            for first in 1..=size {
                let r1 = root_at(&nodes, first).unwrap();
                let p = consistency_proof(&nodes, first, size).unwrap();
                verify_consistency(first, size, &r1, &root, &p).unwrap();
                if first < size {
                    let mut bad = p.clone();
                    bad[0][0] ^= 1;
                    assert!(verify_consistency(first, size, &r1, &root, &bad).is_err());
                }
            }
        }
    }

    #[test]
    fn rewritten_history_is_detected() {
        let (_, nodes, mut leaves) = build(20);
        let old_root = root_at(&nodes, 10).unwrap();
        leaves[3] = b"rewritten".to_vec();
        let mut f = Frontier::default();
        let mut other = MemNodes::default();
        for d in &leaves {
            for (l, idx, h) in f.append(leaf_hash(d)) {
                other.0.insert((l, idx), h);
            }
        }
        let new_root = f.root();
        let p = consistency_proof(&other, 10, 20).unwrap();
        assert!(verify_consistency(10, 20, &old_root, &new_root, &p).is_err());
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let (_, nodes, _) = build(5);
        assert!(inclusion_proof(&nodes, 5, 5).is_err());
        assert!(consistency_proof(&nodes, 0, 5).is_err());
        assert!(consistency_proof(&nodes, 6, 5).is_err());
        assert!(root_at(&nodes, 6).is_err());
    }
}
