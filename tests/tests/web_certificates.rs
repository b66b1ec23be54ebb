//! The web pages judge a browser's certificate after the handshake, as the gRPC listeners do:
//! a certificate from another CA, or a revoked one, is told why on a page (and the public
//! portal still opens) instead of seeing a broken TLS connection.
use std::net::SocketAddr;
use std::time::Duration;

use sanxiang::app::network::Options;
use sanxiang::domain::{Organ, Role};
use sanxiang::pki::TlsMaterial;
use sanxiang::web::client::{request_link, LinkError};
use sanxiang_tests::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET path` over TLS presenting `who`: the status line and the body.
async fn get(who: &TlsMaterial, addr: SocketAddr, path: &str) -> anyhow::Result<(String, String)> {
    let connector = tokio_rustls::TlsConnector::from(who.web_client_config(REGION)?);
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let mut s = connector.connect(name, tcp).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    if let Err(e) = s.read_to_end(&mut buf).await {
        anyhow::ensure!(
            e.kind() == std::io::ErrorKind::UnexpectedEof && !buf.is_empty(),
            e
        );
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Ok((
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_browser_certificate_is_told_why_and_the_portal_still_opens() -> anyhow::Result<()>
{
    let c = Cluster::start_with(
        1,
        Options {
            web: true,
            ..Options::new(timings())
        },
    )
    .await?;
    c.leader().await?;
    let http: SocketAddr = c
        .net
        .topology
        .node(REGION, 1)
        .map(|n| n.http.clone())
        .unwrap_or_default()
        .parse()?;
    // A person of this region and domain, from another CA.
    let (intruder, _foreign) = c.foreign_person(Organ::Bureau, Role::Supervisor, "intruder")?;
    let (status, body) = get(&intruder, http, "/desk").await?;
    assert!(status.contains("401"), "{status}");
    assert!(body.contains("浏览器出示的证书未被接受"), "{body}");
    assert!(body.contains("签发者未知"), "{body}");
    // The public portal needs no certificate, and opens.
    let (status, _) = get(&intruder, http, "/portal").await?;
    assert!(status.contains("200"), "{status}");
    // Nor does a refused certificate get a sign-in link.
    match request_link(&intruder, REGION, http, Duration::from_secs(10)).await {
        Err(LinkError::Refused(why)) => assert!(why.contains("签发者未知"), "{why}"),
        other => panic!("{other:?}"),
    }
    // A certificate of this deployment is signed in by it.
    let sup = c.person(REGION, Organ::Bureau, Role::Supervisor, "sup")?;
    let (status, body) = get(&sup, http, "/desk").await?;
    assert!(status.contains("200"), "{status}: {body}");
    let link = request_link(&sup, REGION, http, Duration::from_secs(10)).await?;
    assert!(
        link["url"]
            .as_str()
            .is_some_and(|u| u.contains("/login?token=")),
        "{link}"
    );
    c.shutdown().await;
    Ok(())
}
