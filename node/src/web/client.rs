//! Asking a node for a one-time sign-in link over mutual TLS (the CLI's `web login`, and the
//! demo's printed links): the node makes the link for the certificate presented.
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::pki::TlsMaterial;

/// Why no link came back.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("tls: {0}")]
    Pki(#[from] crate::pki::PkiError),
    #[error("cannot reach the web pages at {addr}: {source}")]
    Io {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} gave no answer in time")]
    Timeout(SocketAddr),
    #[error("the node refused: {0}")]
    Refused(String),
    #[error("the node's answer is not a link: {0}")]
    Answer(String),
}

/// A link made by the node at `addr` (of `region`) for `tls`'s person: the node's JSON answer
/// (`url`, `valid_secs`).
pub async fn request_link(
    tls: &TlsMaterial,
    region: &str,
    addr: SocketAddr,
    within: Duration,
) -> Result<serde_json::Value, LinkError> {
    let connector = tokio_rustls::TlsConnector::from(tls.web_client_config(region)?);
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let io = |source| LinkError::Io { addr, source };
    let body = tokio::time::timeout(within, async {
        let tcp = tokio::net::TcpStream::connect(addr).await.map_err(io)?;
        let mut s = connector.connect(name, tcp).await.map_err(io)?;
        let req = format!(
            "POST /login/link HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.map_err(io)?;
        let mut buf = Vec::new();
        if let Err(e) = s.read_to_end(&mut buf).await {
            // A peer that closes without close_notify after a complete answer.
            if e.kind() != std::io::ErrorKind::UnexpectedEof || buf.is_empty() {
                return Err(io(e));
            }
        }
        Ok(buf)
    })
    .await
    .map_err(|_| LinkError::Timeout(addr))??;
    let text = String::from_utf8_lossy(&body);
    let (head, payload) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.starts_with("HTTP/1.1 200") {
        return Err(LinkError::Refused(format!(
            "{} {}",
            head.lines().next().unwrap_or(""),
            payload.trim()
        )));
    }
    let v: serde_json::Value =
        serde_json::from_str(payload.trim()).map_err(|e| LinkError::Answer(e.to_string()))?;
    if !v["url"].is_string() {
        return Err(LinkError::Answer(payload.trim().to_string()));
    }
    Ok(v)
}
