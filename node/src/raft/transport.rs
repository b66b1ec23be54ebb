//! Mutual-TLS transport for tonic with our own rustls configurations.
//!
//! tonic's built-in TLS cannot take custom verifiers, so the client dials TCP and runs the rustls
//! handshake in a connector, and the server accepts TCP, runs the handshake in a task per
//! connection, and hands finished TLS streams to `serve_with_incoming`. Peer certificates then
//! reach every handler through `Request::peer_certs()`.
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

use crate::pki::{Identity, PkiError};

/// Name sent in SNI; identity is checked from the URI SAN, not from this name.
const SNI: &str = "node.sanxiang";

/// Time allowed for a TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A lazily connecting channel to `addr` over mutual TLS.
pub fn channel(
    addr: &str,
    cfg: Arc<rustls::ClientConfig>,
    connect_timeout: Duration,
) -> Result<Channel, tonic::transport::Error> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))?
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
            let name = ServerName::try_from(SNI).map_err(std::io::Error::other)?;
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
) -> ReceiverStream<Result<TlsStream<TcpStream>, std::io::Error>> {
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
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Ok(Err(e)) => refused_handshake(remote, &e.to_string()),
                    Err(_) => refused_handshake(remote, "handshake timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

fn refused_handshake(remote: SocketAddr, why: &str) {
    tracing::warn!(%remote, cause = %why, "TLS connection refused");
}

/// The verified identity of the caller of a request.
pub fn caller<T>(req: &Request<T>) -> Result<Identity, tonic::Status> {
    let certs = req
        .peer_certs()
        .ok_or_else(|| tonic::Status::unauthenticated("no client certificate"))?;
    let first = certs
        .first()
        .ok_or_else(|| tonic::Status::unauthenticated("no client certificate"))?;
    Identity::from_cert_der(first.as_ref())
        .map_err(|e: PkiError| tonic::Status::unauthenticated(e.to_string()))
}
