//! Sign-in bound to certificates. A browser that presents its person certificate is signed in
//! by it; a person without one gets a one-time link from `sanxiang web login`, which proves the
//! certificate over mutual TLS. A link is used once, within [`LINK_TTL`], and starts a session
//! (a cookie that is HttpOnly, Secure and SameSite=Strict) that ends after [`IDLE`] without use,
//! after [`MAX_AGE`], on sign-out, or when its certificate is revoked. Every form carries the
//! session's CSRF token. Sessions live in the node's memory: a link signs in on the node that
//! made it.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sha2::Digest;

use crate::pki::Identity;

/// A sign-in link is valid this long.
pub const LINK_TTL: Duration = Duration::from_secs(300);
/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// And in any case after this long.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 3600);
/// Most sessions and unused links kept; the oldest go first.
const MAX_ENTRIES: usize = 10_000;

/// Who is signed in, as the pages see it.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub identity: Identity,
    /// The certificate it was proven with (checked against the revocation list on every use).
    pub cert_der: Vec<u8>,
    /// Required in every form.
    pub csrf: String,
    /// The cookie's value, when signed in by a link (none when by the browser's certificate).
    pub session: Option<String>,
    /// Client id of this viewer's writes (the dedup key with each form's request id).
    pub client_id: String,
}

struct Entry {
    viewer: Viewer,
    created: Instant,
    last_seen: Instant,
}

struct Link {
    identity: Identity,
    cert_der: Vec<u8>,
    expires: Instant,
}

/// The node's sessions and unused links.
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    links: HashMap<String, Link>,
    sessions: HashMap<String, Entry>,
    /// Request ids handed to forms, per client id.
    requests: HashMap<String, u64>,
}

/// 32 random bytes, hex.
pub fn token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A one-time sign-in link for a person proven over mutual TLS; returns its token.
    pub fn new_link(&self, identity: Identity, cert_der: Vec<u8>) -> String {
        let t = token();
        let mut g = self.lock();
        let now = Instant::now();
        g.links.retain(|_, l| l.expires > now);
        if g.links.len() >= MAX_ENTRIES {
            return t; // a flood of links: this one is simply never valid
        }
        g.links.insert(
            t.clone(),
            Link {
                identity,
                cert_der,
                expires: now + LINK_TTL,
            },
        );
        t
    }

    /// Uses a link (once): the session it starts, or `None` for an unknown, used or expired one.
    pub fn redeem(&self, link: &str) -> Option<Viewer> {
        let mut g = self.lock();
        let l = g.links.remove(link)?;
        let now = Instant::now();
        if l.expires <= now {
            return None;
        }
        let id = token();
        let viewer = Viewer {
            identity: l.identity,
            cert_der: l.cert_der,
            csrf: token(),
            session: Some(id.clone()),
            client_id: format!("web-{}", &id[..16]),
        };
        if g.sessions.len() >= MAX_ENTRIES {
            let oldest = g
                .sessions
                .iter()
                .min_by_key(|(_, e)| e.last_seen)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                g.sessions.remove(&k);
            }
        }
        g.sessions.insert(
            id,
            Entry {
                viewer: viewer.clone(),
                created: now,
                last_seen: now,
            },
        );
        Some(viewer)
    }

    /// The session of a cookie, refreshed; `None` when unknown, idle too long or too old.
    pub fn get(&self, id: &str) -> Option<Viewer> {
        let mut g = self.lock();
        let now = Instant::now();
        let alive = g
            .sessions
            .get(id)
            .is_some_and(|e| now - e.last_seen < IDLE && now - e.created < MAX_AGE);
        if !alive {
            g.sessions.remove(id);
            return None;
        }
        let e = g.sessions.get_mut(id)?;
        e.last_seen = now;
        Some(e.viewer.clone())
    }

    /// The viewer of a browser signed in by its certificate: stable per certificate.
    pub fn by_certificate(&self, identity: Identity, cert_der: Vec<u8>, secret: &[u8]) -> Viewer {
        let mut h = sha2::Sha256::new();
        h.update(secret);
        h.update(&cert_der);
        let d = hex::encode(h.finalize());
        Viewer {
            identity,
            cert_der,
            csrf: d[..32].to_string(),
            session: None,
            client_id: format!("web-cert-{}", &d[32..48]),
        }
    }

    /// Ends a session.
    pub fn end(&self, id: &str) {
        self.lock().sessions.remove(id);
    }

    /// The next request id for a form of `client_id`.
    pub fn next_request(&self, client_id: &str) -> u64 {
        let mut g = self.lock();
        if g.requests.len() >= MAX_ENTRIES && !g.requests.contains_key(client_id) {
            g.requests.clear();
        }
        let n = g.requests.entry(client_id.to_string()).or_insert(0);
        *n += 1;
        *n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Identity {
        Identity::Person {
            domain: "d".into(),
            region: "r".into(),
            organ: crate::domain::Organ::Bureau,
            role: crate::domain::Role::Clerk,
            user: "u".into(),
        }
    }

    #[test]
    fn a_link_signs_in_once_and_a_session_ends_on_sign_out() {
        let s = Sessions::default();
        let link = s.new_link(person(), vec![1]);
        let v = s.redeem(&link).expect("the first use signs in");
        assert!(s.redeem(&link).is_none(), "a replayed link is refused");
        assert!(s.redeem("not-a-link").is_none());
        let id = v.session.clone().unwrap();
        assert_eq!(s.get(&id).unwrap().csrf, v.csrf);
        s.end(&id);
        assert!(s.get(&id).is_none());
        assert_ne!(s.next_request("c"), s.next_request("c"));
    }
}
