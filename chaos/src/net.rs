//! The fault layer: one TCP relay per directed link (the node that dials → the node it dials),
//! owned by the runner. Each node's dial map sends its outgoing connections through the relay of
//! that link, so every link can be cut one way or both, delayed or made lossy on its own.
//!
//! A cut direction is a black hole, as in a real partition: bytes are read and thrown away, the
//! sender sees no error and waits for its own timeouts. A connection that lost bytes is closed
//! once its link heals (its TLS stream is broken anyway), so the nodes reconnect. Loss on a
//! relayed TCP stream is a reset connection: each chunk resets its connection with the link's
//! loss probability.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::rng::Rng;

/// A node of the network under test: (region, node id).
pub type NodeRef = (String, u64);

/// Shows a node as `region/id`.
pub fn show(n: &NodeRef) -> String {
    format!("{}/{}", n.0, n.1)
}

/// The faults on one directed link. `fwd` is what the dialling node sends, `back` the answers.
#[derive(Debug, Default)]
pub struct LinkFaults {
    pub fwd_cut: AtomicBool,
    pub back_cut: AtomicBool,
    pub delay_ms: AtomicU64,
    /// Reset probability per relayed chunk, in parts per million.
    pub loss_ppm: AtomicU32,
    /// Bytes relayed (both ways), to show the link is in use.
    pub bytes: AtomicU64,
    /// Bumped on every change, so connections notice a heal.
    pub epoch: AtomicU64,
}

impl LinkFaults {
    fn clear(&self) {
        self.fwd_cut.store(false, Ordering::SeqCst);
        self.back_cut.store(false, Ordering::SeqCst);
        self.delay_ms.store(0, Ordering::SeqCst);
        self.loss_ppm.store(0, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }
    fn is_clear(&self) -> bool {
        !self.fwd_cut.load(Ordering::SeqCst)
            && !self.back_cut.load(Ordering::SeqCst)
            && self.delay_ms.load(Ordering::SeqCst) == 0
            && self.loss_ppm.load(Ordering::SeqCst) == 0
    }
}

/// One relay.
pub struct Link {
    pub from: NodeRef,
    pub to: NodeRef,
    /// Where the relay listens (what `from` dials instead of `to`).
    pub listen: SocketAddr,
    pub faults: Arc<LinkFaults>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Every relay of the network, by (from, to).
#[derive(Default)]
pub struct FaultLayer {
    links: BTreeMap<(NodeRef, NodeRef), Link>,
}

impl FaultLayer {
    /// Opens a relay from `from` to `to` (listening at `to_addr`) on a free loopback port.
    pub async fn add(
        &mut self,
        from: NodeRef,
        to: NodeRef,
        to_addr: SocketAddr,
        seed: u64,
    ) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let listen = listener.local_addr()?;
        let faults = Arc::new(LinkFaults::default());
        let f = faults.clone();
        let task = tokio::spawn(accept_loop(listener, to_addr, f, seed));
        self.links.insert(
            (from.clone(), to.clone()),
            Link {
                from,
                to,
                listen,
                faults,
                task,
            },
        );
        Ok(listen)
    }

    /// Links from `from`, as (to, relay address).
    pub fn from_node(&self, from: &NodeRef) -> Vec<(&NodeRef, SocketAddr)> {
        self.links
            .values()
            .filter(|l| &l.from == from)
            .map(|l| (&l.to, l.listen))
            .collect()
    }

    fn get(&self, from: &NodeRef, to: &NodeRef) -> Option<&Link> {
        self.links.get(&(from.clone(), to.clone()))
    }

    /// Packets from `a` to `b` are lost (one way): what `a` sends on its own links to `b`,
    /// and the answers `a` sends on `b`'s links to `a`.
    pub fn cut_one_way(&self, a: &NodeRef, b: &NodeRef) {
        if let Some(l) = self.get(a, b) {
            l.faults.fwd_cut.store(true, Ordering::SeqCst);
            l.faults.epoch.fetch_add(1, Ordering::SeqCst);
        }
        if let Some(l) = self.get(b, a) {
            l.faults.back_cut.store(true, Ordering::SeqCst);
            l.faults.epoch.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// No packet passes between `a` and `b`.
    pub fn cut(&self, a: &NodeRef, b: &NodeRef) {
        self.cut_one_way(a, b);
        self.cut_one_way(b, a);
    }

    /// Cuts every link between a node of `left` and a node of `right`.
    pub fn partition(&self, left: &[NodeRef], right: &[NodeRef]) {
        for a in left {
            for b in right {
                self.cut(a, b);
            }
        }
    }

    /// Delay (each way) and loss on the links between `a` and `b`.
    pub fn degrade(&self, a: &NodeRef, b: &NodeRef, delay_ms: u64, loss_ppm: u32) {
        for l in [self.get(a, b), self.get(b, a)].into_iter().flatten() {
            l.faults.delay_ms.store(delay_ms, Ordering::SeqCst);
            l.faults.loss_ppm.store(loss_ppm, Ordering::SeqCst);
            l.faults.epoch.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Removes the faults on the links between `left` and `right` (both ways).
    pub fn heal_between(&self, left: &[NodeRef], right: &[NodeRef]) {
        for a in left {
            for b in right {
                for l in [self.get(a, b), self.get(b, a)].into_iter().flatten() {
                    l.faults.clear();
                }
            }
        }
    }

    /// (links that carried bytes, bytes relayed in all).
    pub fn traffic(&self) -> (usize, u64) {
        let used = self
            .links
            .values()
            .filter(|l| l.faults.bytes.load(Ordering::Relaxed) > 0)
            .count();
        let bytes = self
            .links
            .values()
            .map(|l| l.faults.bytes.load(Ordering::Relaxed))
            .sum();
        (used, bytes)
    }

    /// Removes every fault.
    pub fn heal(&self) {
        for l in self.links.values() {
            l.faults.clear();
        }
    }

    /// Links with a fault, for the report.
    pub fn faulty(&self) -> usize {
        self.links.values().filter(|l| !l.faults.is_clear()).count()
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }
}

async fn accept_loop(listener: TcpListener, target: SocketAddr, f: Arc<LinkFaults>, seed: u64) {
    let conns = Arc::new(Mutex::new(Rng::new(seed)));
    loop {
        let Ok((inbound, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let f = f.clone();
        let rng = conns
            .lock()
            .map(|mut r| r.fork())
            .unwrap_or_else(|_| Rng::new(seed));
        tokio::spawn(async move {
            let Ok(outbound) = TcpStream::connect(target).await else {
                return;
            };
            let _ = inbound.set_nodelay(true);
            let _ = outbound.set_nodelay(true);
            let (ir, iw) = inbound.into_split();
            let (or, ow) = outbound.into_split();
            let dead = Arc::new(AtomicBool::new(false));
            let a = tokio::spawn(pump(ir, ow, f.clone(), true, dead.clone(), rng.clone()));
            let b = tokio::spawn(pump(or, iw, f, false, dead, rng));
            let _ = a.await;
            let _ = b.await;
        });
    }
}

/// Copies one direction of a connection under the link's faults.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    f: Arc<LinkFaults>,
    fwd: bool,
    dead: Arc<AtomicBool>,
    mut rng: Rng,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut lost_bytes = false;
    loop {
        if dead.load(Ordering::SeqCst) {
            break;
        }
        let n = match tokio::time::timeout(Duration::from_millis(500), from.read(&mut buf)).await {
            Err(_) => {
                // Idle: a connection that lost bytes is closed once its link heals.
                let cut = if fwd { &f.fwd_cut } else { &f.back_cut };
                if lost_bytes && !cut.load(Ordering::SeqCst) {
                    break;
                }
                continue;
            }
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => n,
        };
        let cut = if fwd { &f.fwd_cut } else { &f.back_cut };
        if cut.load(Ordering::SeqCst) {
            lost_bytes = true;
            continue;
        }
        if lost_bytes {
            break;
        }
        let loss = f.loss_ppm.load(Ordering::SeqCst);
        if loss > 0 && rng.below(1_000_000) < u64::from(loss) {
            break;
        }
        let d = f.delay_ms.load(Ordering::SeqCst);
        if d > 0 {
            tokio::time::sleep(Duration::from_millis(d)).await;
        }
        let Some(chunk) = buf.get(..n) else { break };
        if to.write_all(chunk).await.is_err() {
            break;
        }
        f.bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
    dead.store(true, Ordering::SeqCst);
    let _ = to.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo_server() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.into_split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        a
    }

    async fn roundtrip(addr: SocketAddr, wait: Duration) -> Option<Vec<u8>> {
        let mut s = TcpStream::connect(addr).await.ok()?;
        s.write_all(b"ping").await.ok()?;
        let mut b = [0u8; 4];
        match tokio::time::timeout(wait, s.read_exact(&mut b)).await {
            Ok(Ok(_)) => Some(b.to_vec()),
            _ => None,
        }
    }

    fn n(r: &str, i: u64) -> NodeRef {
        (r.to_string(), i)
    }

    #[tokio::test]
    async fn relays_cuts_one_way_and_heals() {
        let echo = echo_server().await;
        let mut layer = FaultLayer::default();
        let a = n("p", 1);
        let b = n("p", 2);
        let relay = layer.add(a.clone(), b.clone(), echo, 7).await.unwrap();
        assert_eq!(
            roundtrip(relay, Duration::from_secs(5)).await.as_deref(),
            Some(&b"ping"[..])
        );
        // b → a lost: a's request arrives, the echo does not come back.
        layer.cut_one_way(&b, &a);
        assert_eq!(roundtrip(relay, Duration::from_millis(700)).await, None);
        assert_eq!(layer.faulty(), 1);
        layer.heal();
        assert_eq!(layer.faulty(), 0);
        assert_eq!(
            roundtrip(relay, Duration::from_secs(5)).await.as_deref(),
            Some(&b"ping"[..])
        );
        layer.cut(&a, &b);
        assert_eq!(roundtrip(relay, Duration::from_millis(700)).await, None);
        layer.heal();
        // Certain loss resets every connection.
        layer.degrade(&a, &b, 0, 1_000_000);
        assert_eq!(roundtrip(relay, Duration::from_secs(2)).await, None);
        layer.heal();
        layer.degrade(&a, &b, 300, 0);
        let t = std::time::Instant::now();
        assert!(roundtrip(relay, Duration::from_secs(5)).await.is_some());
        assert!(t.elapsed() >= Duration::from_millis(600), "delay each way");
    }
}
