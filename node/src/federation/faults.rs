//! A seam for tests: links between regions can be cut, delayed or made to alter what they carry,
//! in-process, without touching sockets. A node started without faults uses none of this.
use super::LinkError;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::domain::federation::items::Carried;

/// What happens on a link from a child region to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkFault {
    /// Nothing gets through (as if the network were cut).
    Cut,
    /// Every push waits this long first.
    Delay(Duration),
}

/// A function that alters entries on their way (a man in the middle, or a dishonest city).
pub type Tamper = Arc<dyn Fn(&mut Carried) + Send + Sync>;

/// Faults by link, keyed by the sending region.
#[derive(Default)]
pub struct Faults {
    links: Mutex<BTreeMap<String, LinkFault>>,
    tamper: Mutex<BTreeMap<String, Tamper>>,
}

impl Faults {
    /// A new, fault-free set.
    pub fn new() -> Arc<Faults> {
        Arc::new(Faults::default())
    }

    /// Cuts the uplink of `from`.
    pub fn cut(&self, from: &str) {
        self.set(from, Some(LinkFault::Cut));
    }

    /// Delays the uplink of `from`.
    pub fn delay(&self, from: &str, d: Duration) {
        self.set(from, Some(LinkFault::Delay(d)));
    }

    /// Restores the uplink of `from`.
    pub fn heal(&self, from: &str) {
        self.set(from, None);
    }

    fn set(&self, from: &str, f: Option<LinkFault>) {
        let mut links = self.links.lock().unwrap_or_else(|p| p.into_inner());
        match f {
            Some(f) => links.insert(from.to_string(), f),
            None => links.remove(from),
        };
    }

    /// Makes the uplink of `from` alter entries with `f` (None: stop).
    pub fn tamper(&self, from: &str, f: Option<Tamper>) {
        let mut t = self.tamper.lock().unwrap_or_else(|p| p.into_inner());
        match f {
            Some(f) => t.insert(from.to_string(), f),
            None => t.remove(from),
        };
    }

    /// Applied by the sender before each push: waits out a delay, fails on a cut, and lets a
    /// tamper function alter the entries.
    pub async fn before_push(&self, from: &str, entries: &mut [Carried]) -> Result<(), LinkError> {
        let fault = self
            .links
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(from)
            .copied();
        match fault {
            Some(LinkFault::Cut) => {
                return Err(LinkError::Fault(format!("link from {from} is cut")))
            }
            Some(LinkFault::Delay(d)) => tokio::time::sleep(d).await,
            None => {}
        }
        let tamper = self
            .tamper
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(from)
            .cloned();
        if let Some(f) = tamper {
            for e in entries.iter_mut() {
                f(e);
            }
        }
        Ok(())
    }
}
