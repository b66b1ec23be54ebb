//! Mutual-TLS transport for tonic with our own rustls configurations.
//!
//! tonic's built-in TLS cannot take custom verifiers, so the client dials TCP and runs the rustls
//! handshake in a connector, and the server accepts TCP, runs the handshake in a task per
//! connection, judges the client's certificate once, and hands finished TLS streams to
//! `serve_with_incoming`. The verdict ([`PeerInfo`]) reaches every handler in the request's
//! extensions; [`caller`] reads it.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint, Uri};
use tonic::Request;

use crate::pki::revocation::Revocations;
use crate::pki::tls::{ClientJudge, PeerRefused};
use crate::pki::Identity;

/// Name sent in SNI when the host dialled is not a valid name; identity is checked from the URI
/// SAN, not from this name.
const SNI: &str = "node.sanxiang";

/// Time allowed for a TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where this process dials each address: `addr` itself unless a dial map says otherwise.
static DIAL_MAP: std::sync::OnceLock<std::collections::HashMap<String, String>> =
    std::sync::OnceLock::new();

/// Errors of the dial map.
#[derive(Debug, thiserror::Error)]
pub enum DialMapError {
    #[error("cannot read the dial map {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("dial map {path}: {cause}")]
    Parse { path: String, cause: String },
    #[error("dial map {path}: {entry:?} is not a valid host:port")]
    BadAddress { path: String, entry: String },
    #[error("a dial map is already installed in this process")]
    AlreadySet,
}

/// Reads a dial map: a TOML table of `"listen address" = "address to dial instead"`, e.g.
/// `"127.0.0.1:7001" = "127.0.0.1:41377"`. It routes this process's outgoing connections
/// (Raft peers, the parent, the children) through relays such as the fault layer of
/// `sanxiang-chaos`, while the topology keeps the addresses nodes listen on.
pub fn load_dial_map(
    path: &std::path::Path,
) -> Result<std::collections::HashMap<String, String>, DialMapError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| DialMapError::Read {
        path: shown.clone(),
        cause: e.to_string(),
    })?;
    let map: std::collections::HashMap<String, String> =
        toml::from_str(&text).map_err(|e| DialMapError::Parse {
            path: shown.clone(),
            cause: e.to_string(),
        })?;
    for (k, v) in &map {
        for a in [k, v] {
            if a.parse::<SocketAddr>().is_err() {
                return Err(DialMapError::BadAddress {
                    path: shown.clone(),
                    entry: a.clone(),
                });
            }
        }
    }
    Ok(map)
}

/// Installs the dial map of this process (once, before any channel is made).
pub fn set_dial_map(map: std::collections::HashMap<String, String>) -> Result<(), DialMapError> {
    DIAL_MAP.set(map).map_err(|_| DialMapError::AlreadySet)
}

/// The address actually dialled for `addr`.
pub fn dial_addr(addr: &str) -> &str {
    DIAL_MAP
        .get()
        .and_then(|m| m.get(addr))
        .map(String::as_str)
        .unwrap_or(addr)
}

/// A lazily connecting channel to `addr` over mutual TLS (through the dial map, if any).
pub fn channel(
    addr: &str,
    cfg: Arc<rustls::ClientConfig>,
    connect_timeout: Duration,
) -> Result<Channel, tonic::transport::Error> {
    let endpoint = Endpoint::from_shared(format!("http://{}", dial_addr(addr)))?
        .connect_timeout(connect_timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(10))
        .keep_alive_timeout(Duration::from_secs(10));
    let connector = tower::service_fn(move |uri: Uri| {
        let cfg = cfg.clone();
        async move {
            let host = uri.host().unwrap_or("127.0.0.1").to_string();
            let port = uri.port_u16().unwrap_or(443);
            let tcp =
                tokio::time::timeout(connect_timeout, TcpStream::connect((host.as_str(), port)))
                    .await
                    .map_err(|_| {
                        std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out")
                    })??;
            tcp.set_nodelay(true)?;
            // The name sent is the host dialled, as any TLS client does (an IP address sends
            // none); the node's certificate names its hosts, and identity is checked from
            // the URI SAN by our verifier.
            let name = ServerName::try_from(host.clone())
                .or_else(|_| ServerName::try_from(SNI))
                .map_err(std::io::Error::other)?;
            let tls = tokio::time::timeout(
                HANDSHAKE_TIMEOUT,
                TlsConnector::from(cfg).connect(name, tcp),
            )
            .await
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake timed out")
            })??;
            Ok::<_, std::io::Error>(TokioIo::new(tls))
        }
    });
    Ok(endpoint.connect_with_connector_lazy(connector))
}

/// Accepts TCP connections and yields finished server-side TLS streams. Failed handshakes
/// (foreign CA, no certificate, wrong trust domain) are logged with the remote address.
pub fn incoming(
    listener: TcpListener,
    cfg: Arc<rustls::ServerConfig>,
    judge: Arc<ClientJudge>,
) -> ReceiverStream<Result<Revocable, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let acceptor = TlsAcceptor::from(cfg);
    tokio::spawn(async move {
        loop {
            // The listener is released as soon as the server stops taking connections.
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = tx.closed() => break,
            };
            let (tcp, remote) = match accepted {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(cause = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            if tx.is_closed() {
                break;
            }
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            let judge = judge.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let conn = Revocable::new(stream, &judge, remote);
                        let _ = tx.send(Ok(conn)).await;
                    }
                    Ok(Err(e)) => refused_handshake(remote, &e.to_string()),
                    Err(_) => refused_handshake(remote, "handshake timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// What the server knows of the client of one connection, judged once right after the
/// handshake ([`ClientJudge`]) and seen by every request on it.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    pub remote: SocketAddr,
    pub verdict: Arc<Result<VerifiedPeer, PeerRefused>>,
}

/// A client whose certificate was accepted.
#[derive(Debug)]
pub struct VerifiedPeer {
    pub identity: Identity,
    /// Its certificate's serial, as the revocation list writes it.
    pub serial: String,
    /// When its certificate ends, Unix seconds.
    pub not_after: i64,
}

/// A server-side TLS connection with its client judged once, that ends when the client's
/// certificate is revoked: after each change of the revocation list, its next read or write
/// rechecks the certificate and, if it is revoked, fails, which closes the connection.
/// (Requests on it are refused at once by [`caller`]; the connection itself goes at its next
/// activity, at the latest the client's next keep-alive.)
pub struct Revocable {
    inner: TlsStream<TcpStream>,
    info: PeerInfo,
    revoked: Arc<Revocations>,
    checked: u64,
}

impl Revocable {
    fn new(inner: TlsStream<TcpStream>, judge: &ClientJudge, remote: SocketAddr) -> Revocable {
        let chain = inner.get_ref().1.peer_certificates().unwrap_or(&[]);
        let verdict = judge.check(chain).map(|identity| {
            let der = chain.first().map(|c| c.as_ref()).unwrap_or(&[]);
            VerifiedPeer {
                identity,
                serial: crate::pki::revocation::serial_of(der).unwrap_or_default(),
                not_after: x509_parser::parse_x509_certificate(der)
                    .map(|(_, c)| c.validity().not_after.timestamp())
                    .unwrap_or(i64::MAX),
            }
        });
        if let Err(why) = &verdict {
            refused_handshake(remote, &why.to_string());
        }
        Revocable {
            checked: judge.revoked.generation(),
            inner,
            info: PeerInfo {
                remote,
                verdict: Arc::new(verdict),
            },
            revoked: judge.revoked.clone(),
        }
    }

    /// An error once this connection's certificate is revoked.
    fn still_trusted(&mut self) -> std::io::Result<()> {
        let now = self.revoked.generation();
        if now == self.checked {
            return Ok(());
        }
        self.checked = now;
        match self.info.verdict.as_ref() {
            Ok(v) if self.revoked.contains(&v.serial) => {
                tracing::warn!(serial = %v.serial, "connection closed: its certificate was revoked");
                Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "certificate revoked",
                ))
            }
            _ => Ok(()),
        }
    }
}

impl tonic::transport::server::Connected for Revocable {
    type ConnectInfo = PeerInfo;

    fn connect_info(&self) -> PeerInfo {
        self.info.clone()
    }
}

impl tokio::io::AsyncRead for Revocable {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if let Err(e) = self.still_trusted() {
            return std::task::Poll::Ready(Err(e));
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Revocable {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if let Err(e) = self.still_trusted() {
            return std::task::Poll::Ready(Err(e));
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if let Err(e) = self.still_trusted() {
            return std::task::Poll::Ready(Err(e));
        }
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn refused_handshake(remote: SocketAddr, why: &str) {
    tracing::warn!(%remote, cause = %why, "TLS connection refused");
}

/// The status a client whose certificate was refused gets, with the reason in
/// `x-sanxiang-reason` for programs.
pub fn refused_status(why: &PeerRefused) -> tonic::Status {
    let mut status = tonic::Status::unauthenticated(why.to_string());
    status.metadata_mut().insert(
        "x-sanxiang-reason",
        tonic::metadata::MetadataValue::from_static(why.reason()),
    );
    status
}

/// The verified identity of the caller of a request, as judged once for its connection. A
/// certificate revoked or ended after its connection was opened is refused here, on the
/// connection's next request: revocation takes effect at once, not only at the next handshake.
pub fn caller<T>(req: &Request<T>, revoked: &Revocations) -> Result<Identity, tonic::Status> {
    let info = req
        .extensions()
        .get::<PeerInfo>()
        .ok_or_else(|| refused_status(&PeerRefused::NoCertificate))?;
    let peer = info.verdict.as_ref().as_ref().map_err(refused_status)?;
    if revoked.contains(&peer.serial) {
        return Err(refused_status(&PeerRefused::Revoked(peer.serial.clone())));
    }
    if crate::clock::system_ms() / 1000 >= peer.not_after {
        return Err(refused_status(&PeerRefused::Expired));
    }
    Ok(peer.identity.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("dial.toml");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn dial_map_reads_pairs_and_refuses_bad_input() {
        let (_d, p) = write("\"127.0.0.1:7001\" = \"127.0.0.1:41377\"\n");
        let m = load_dial_map(&p).unwrap();
        assert_eq!(
            m.get("127.0.0.1:7001").map(String::as_str),
            Some("127.0.0.1:41377")
        );

        let (_d, p) = write("\"127.0.0.1:7001\" = \"nowhere\"\n");
        assert!(
            matches!(load_dial_map(&p), Err(DialMapError::BadAddress { entry, .. }) if entry == "nowhere")
        );
        let (_d, p) = write("\"x:1\" = \"127.0.0.1:1\"\n");
        assert!(matches!(
            load_dial_map(&p),
            Err(DialMapError::BadAddress { .. })
        ));
        let (_d, p) = write("not toml [");
        assert!(matches!(load_dial_map(&p), Err(DialMapError::Parse { .. })));
        let (_d, p) = write("\"127.0.0.1:7001\" = 5\n");
        assert!(matches!(load_dial_map(&p), Err(DialMapError::Parse { .. })));
        assert!(matches!(
            load_dial_map(std::path::Path::new("/nonexistent/dial.toml")),
            Err(DialMapError::Read { .. })
        ));
    }
}
