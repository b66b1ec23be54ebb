//! The dedup table: per (actor, client id), the answers to its most recent request ids. A
//! retry with the same ids gets the first answer and changes nothing.
use serde::{Deserialize, Serialize};

use crate::domain::command::envelope::Envelope;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::{Outcome, Refusal, Response};
use crate::domain::core::state::{DomainError, Space, State, Txn};

/// How many recent request ids are remembered per (actor, client).
pub const DEDUP_WINDOW: u64 = 256;
/// A client silent for this long is forgotten by the dedup table (pruned on `Tick`).
pub const DEDUP_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Longest client id accepted.
pub const MAX_CLIENT_ID: usize = 64;

/// Per (actor, client): when it was last seen and how many answers are kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClientMeta {
    pub last_seen_ms: i64,
    pub count: u64,
}

/// One remembered answer.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Answer {
    pub outcome: Outcome,
    pub log_index: u64,
    pub leaf_index: Option<u64>,
}

/// Dedup clients: (actor label, client id) → meta.
pub const DEDUP_CLIENTS: Space<(String, String), ClientMeta> = Space::new(prefix::DEDUP_CLIENTS);
/// Dedup answers: (actor label, client id, request id) → answer. One key per answer, so a write
/// touches one small value instead of rewriting the whole window.
pub const DEDUP_ANSWERS: Space<(String, String, u64), Answer> = Space::new(prefix::DEDUP_ANSWERS);

/// Digests of the commands answered: (actor label, client id, request id) → SHA-256 of the
/// command. A replay of the ids with another command is refused (rule REPLAY) instead of
/// answered with the first answer. (Answers remembered before digests were kept have none and
/// are answered as retries.)
pub const DEDUP_DIGESTS: Space<(String, String, u64), [u8; 32]> = Space::new(prefix::DEDUP_DIGESTS);

/// What a replay is compared by.
pub fn command_digest(env: &Envelope) -> Result<[u8; 32], DomainError> {
    use sha2::{Digest, Sha256};
    let bytes = bincode::serialize(&env.command).map_err(DomainError::Encode)?;
    Ok(Sha256::digest(bytes).into())
}

/// Raw key prefix of one client's answers.
pub(crate) fn answers_prefix(key: &(String, String)) -> Vec<u8> {
    let mut p = DEDUP_CLIENTS.key(key);
    p[0] = DEDUP_ANSWERS.prefix();
    p.push(0);
    p
}

/// Request ids of one client's answers in a committed state, lowest first.
pub(crate) fn answer_ids<'a>(state: &'a State, prefix: &'a [u8]) -> impl Iterator<Item = u64> + 'a {
    state
        .range_from(prefix, prefix.to_vec())
        .filter_map(|(k, _)| {
            k.get(k.len().checked_sub(8)?..)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
        })
}

/// What the dedup table says of an envelope before its rules run.
pub enum Gate {
    /// No client id: not deduplicated.
    Open,
    /// A request not seen before: remember its answer.
    New(Request),
    /// A retry: the first answer, as it was.
    Retry(Response),
    /// Refused before any rule ran (a malformed client id, a request id too old to judge).
    Refused(Refusal),
}

/// A new request of a client, with what the table holds of that client.
pub struct Request {
    key: (String, String),
    meta: ClientMeta,
    /// The lowest request id remembered for the client.
    lowest: Option<u64>,
}

/// Looks the envelope's ids up.
pub fn gate(state: &State, txn: &Txn<'_>, env: &Envelope) -> Result<Gate, DomainError> {
    if env.client_id.is_empty() {
        return Ok(Gate::Open);
    }
    if env.client_id.len() > MAX_CLIENT_ID || !env.client_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(Gate::Refused(Refusal::new(
            "INPUT",
            format!("客户端编号应为 1–{MAX_CLIENT_ID} 个可打印的 ASCII 字符"),
        )));
    }
    let key = (env.actor.label(), env.client_id.clone());
    let answer_key = (key.0.clone(), key.1.clone(), env.request_id);
    if let Some(a) = DEDUP_ANSWERS.get(txn, &answer_key)? {
        if let Some(first) = DEDUP_DIGESTS.get(txn, &answer_key)? {
            if first != command_digest(env)? {
                return Ok(Gate::Refused(Refusal::new(
                    "REPLAY",
                    format!(
                        "客户端 {} 的请求编号 {} 已用于另一项不同的请求（日志第 {} 条）：\
                         重试须原样重发，新的请求请使用新的请求编号",
                        env.client_id, env.request_id, a.log_index
                    ),
                )));
            }
        }
        return Ok(Gate::Retry(Response {
            outcome: a.outcome,
            log_index: a.log_index,
            leaf_index: a.leaf_index,
            deduplicated: true,
        }));
    }
    let meta = DEDUP_CLIENTS.get(txn, &key)?.unwrap_or_default();
    let prefix = answers_prefix(&key);
    let lowest = answer_ids(state, &prefix).next();
    if meta.count >= DEDUP_WINDOW && lowest.is_some_and(|l| env.request_id < l) {
        return Ok(Gate::Refused(Refusal::new(
            "DEDUP",
            format!(
                "请求编号 {} 早于本客户端保留的最近 {DEDUP_WINDOW} 个请求：请使用新的请求编号",
                env.request_id
            ),
        )));
    }
    Ok(Gate::New(Request { key, meta, lowest }))
}

/// Remembers a new request's answer and its command's digest, forgetting the client's oldest
/// past the window.
pub fn remember(
    txn: &mut Txn<'_>,
    request: Request,
    request_id: u64,
    digest: [u8; 32],
    answer: Answer,
    now: i64,
) -> Result<(), DomainError> {
    let Request {
        key,
        mut meta,
        lowest,
    } = request;
    meta.last_seen_ms = now;
    meta.count += 1;
    DEDUP_ANSWERS.put(txn, &(key.0.clone(), key.1.clone(), request_id), &answer)?;
    DEDUP_DIGESTS.put(txn, &(key.0.clone(), key.1.clone(), request_id), &digest)?;
    if meta.count > DEDUP_WINDOW {
        if let Some(victim) = lowest {
            DEDUP_ANSWERS.delete(txn, &(key.0.clone(), key.1.clone(), victim));
            DEDUP_DIGESTS.delete(txn, &(key.0.clone(), key.1.clone(), victim));
            meta.count -= 1;
        }
    }
    DEDUP_CLIENTS.put(txn, &key, &meta)
}
