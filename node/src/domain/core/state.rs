//! The replicated domain state: one ordered key/value map with typed key spaces.
//!
//! Keys start with a one-byte space prefix; values are bincode. The same map lives in memory
//! (for reads and snapshots) and in sled (for durability); `apply` produces a write set that the
//! store writes to both, in one batch with the applied log id and the ledger.
use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::core::keys::prefix;

/// Errors reading the state: the stored bytes are damaged. Never a domain refusal.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// A stored value does not decode.
    #[error("state value under key {key} does not decode")]
    Decode {
        key: String,
        #[source]
        source: bincode::Error,
    },
    /// The stored values do not fit together (one refers to another that is not held).
    #[error("state value under key {key} is damaged: {cause}")]
    Corrupt { key: String, cause: String },
    /// A value does not encode.
    #[error("cannot encode state value")]
    Encode(#[source] bincode::Error),
}

/// The whole domain state, ordered (no hash-map iteration order anywhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl State {
    /// Builds a state from stored pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> State {
        State {
            map: pairs.into_iter().collect(),
        }
    }

    /// Raw read.
    pub fn get_raw(&self, key: &[u8]) -> Option<&Vec<u8>> {
        self.map.get(key)
    }

    /// Entries whose key starts with `prefix`, in key order, starting at `from` (inclusive).
    pub fn range_from<'a>(
        &'a self,
        prefix: &'a [u8],
        from: Vec<u8>,
    ) -> impl Iterator<Item = (&'a Vec<u8>, &'a Vec<u8>)> + 'a {
        self.map
            .range(from..)
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    /// Applies a write set.
    pub fn apply_writes(&mut self, writes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        for (k, v) in writes {
            match v {
                Some(v) => {
                    self.map.insert(k.clone(), v.clone());
                }
                None => {
                    self.map.remove(k);
                }
            }
        }
    }

    /// All pairs, in key order.
    pub fn pairs(&self) -> impl Iterator<Item = (&Vec<u8>, &Vec<u8>)> {
        self.map.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// SHA-256 over every key and value in order: equal on replicas that applied the same log.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for (k, v) in &self.map {
            h.update((k.len() as u64).to_be_bytes());
            h.update(k);
            h.update((v.len() as u64).to_be_bytes());
            h.update(v);
        }
        h.finalize().into()
    }
}

/// A write set over a state: reads see the writes made so far.
pub struct Txn<'a> {
    base: &'a State,
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'a> Txn<'a> {
    pub fn new(base: &'a State) -> Txn<'a> {
        Txn {
            base,
            writes: BTreeMap::new(),
        }
    }

    fn get_raw(&self, key: &[u8]) -> Option<&[u8]> {
        match self.writes.get(key) {
            Some(Some(v)) => Some(v.as_slice()),
            Some(None) => None,
            None => self.base.get_raw(key).map(|v| v.as_slice()),
        }
    }

    fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    fn delete_raw(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    /// The base state (reads ignoring this transaction's writes).
    pub fn base(&self) -> &'a State {
        self.base
    }

    /// The writes, to be applied to the state and the store.
    pub fn into_writes(self) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        self.writes
    }

    /// Entries whose key starts with `prefix` as this transaction sees them (the base with the
    /// writes made so far laid over it), in key order.
    pub fn scan_prefix(&self, prefix: &[u8]) -> BTreeMap<Vec<u8>, Vec<u8>> {
        let mut out: BTreeMap<Vec<u8>, Vec<u8>> = self
            .base
            .range_from(prefix, prefix.to_vec())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in self.writes.range(prefix.to_vec()..) {
            if !k.starts_with(prefix) {
                break;
            }
            match v {
                Some(v) => out.insert(k.clone(), v.clone()),
                None => out.remove(k),
            };
        }
        out
    }

    /// Merges another transaction's writes into this one.
    pub fn merge(&mut self, writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        self.writes.extend(writes);
    }
}

/// Encodes a key of a typed space.
pub trait KeyCodec {
    fn encode_key(&self, out: &mut Vec<u8>);
}

impl KeyCodec for u64 {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
}

impl KeyCodec for str {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl KeyCodec for (String, String) {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
        out.push(0);
        out.extend_from_slice(self.1.as_bytes());
    }
}

impl KeyCodec for (String, u64) {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
        out.push(0);
        out.extend_from_slice(&self.1.to_be_bytes());
    }
}

impl KeyCodec for (u64, String) {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_be_bytes());
        out.extend_from_slice(self.1.as_bytes());
    }
}

impl KeyCodec for (String, String, u64) {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
        out.push(0);
        out.extend_from_slice(self.1.as_bytes());
        out.push(0);
        out.extend_from_slice(&self.2.to_be_bytes());
    }
}

/// A typed key space: one prefix byte, a key type and a value type, declared in one place.
pub struct Space<K: ?Sized, V> {
    prefix: u8,
    _p: PhantomData<fn(&K) -> V>,
}

impl<K: KeyCodec + ?Sized, V: Serialize + DeserializeOwned> Space<K, V> {
    pub const fn new(prefix: u8) -> Self {
        Space {
            prefix,
            _p: PhantomData,
        }
    }

    /// The prefix byte.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Full key bytes.
    pub fn key(&self, k: &K) -> Vec<u8> {
        let mut out = vec![self.prefix];
        k.encode_key(&mut out);
        out
    }

    fn decode(key: &[u8], v: &[u8]) -> Result<V, DomainError> {
        bincode::deserialize(v).map_err(|source| DomainError::Decode {
            key: hex::encode(key),
            source,
        })
    }

    /// Reads through a transaction.
    pub fn get(&self, txn: &Txn<'_>, k: &K) -> Result<Option<V>, DomainError> {
        let key = self.key(k);
        txn.get_raw(&key).map(|v| Self::decode(&key, v)).transpose()
    }

    /// Reads a committed state.
    pub fn read(&self, state: &State, k: &K) -> Result<Option<V>, DomainError> {
        let key = self.key(k);
        state
            .get_raw(&key)
            .map(|v| Self::decode(&key, v))
            .transpose()
    }

    /// Writes through a transaction.
    pub fn put(&self, txn: &mut Txn<'_>, k: &K, v: &V) -> Result<(), DomainError> {
        let bytes = bincode::serialize(v).map_err(DomainError::Encode)?;
        txn.put_raw(self.key(k), bytes);
        Ok(())
    }

    /// Deletes through a transaction.
    pub fn delete(&self, txn: &mut Txn<'_>, k: &K) {
        txn.delete_raw(self.key(k));
    }

    /// Values of a committed state in key order, starting at key `from`.
    pub fn scan_from<'a>(
        &'a self,
        state: &'a State,
        from: &K,
    ) -> impl Iterator<Item = Result<V, DomainError>> + 'a {
        let prefix = [self.prefix];
        let start = self.key(from);
        state
            .range_from(&[], start)
            .take_while(move |(k, _)| k.first() == Some(&prefix[0]))
            .map(|(k, v)| Self::decode(k, v))
    }

    /// Raw keys of this space in a committed state.
    pub fn keys<'a>(&'a self, state: &'a State) -> impl Iterator<Item = &'a Vec<u8>> + 'a {
        let p = self.prefix;
        state
            .range_from(&[], vec![p])
            .take_while(move |(k, _)| k.first() == Some(&p))
            .map(|(k, _)| k)
    }
}

impl<V: Serialize + DeserializeOwned> Space<(String, u64), V> {
    /// Values whose key starts with `first`, in order of the number (e.g. one origin's
    /// agencies held by a region above it).
    pub fn scan_under<'a>(
        &'a self,
        state: &'a State,
        first: &str,
    ) -> impl Iterator<Item = Result<V, DomainError>> + 'a {
        let mut prefix = vec![self.prefix];
        prefix.extend_from_slice(first.as_bytes());
        prefix.push(0);
        let start = prefix.clone();
        state
            .map
            .range(start..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| Self::decode(k, v))
    }
}

/// Singleton values (clock, counters).
pub const META: Space<str, i64> = Space::new(prefix::META);

/// A counter kept in [`META`] (0 when absent).
pub fn meta_u64(txn: &Txn<'_>, key: &str) -> Result<u64, DomainError> {
    Ok(META.get(txn, key)?.unwrap_or(0).max(0) as u64)
}
/// Meta key: the replicated clock, Unix ms, never decreasing.
pub const CLOCK: &str = "clock";
