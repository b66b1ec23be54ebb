//! **The web**: an HTTPS server on every node (the topology's `http` address), pages rendered
//! on the server from the typed views of [`crate::view`], every asset inside the binary.
//!
//! - [`portal`]: the public portal — no sign-in, read-only: published decisions of the subtree
//!   (redacted, PUB-4), the agency registry (PUB-1), and each publication's proof, verified in
//!   the browser.
//! - [`dashboard`]: the supervisor's monitor as a page, with drill-down.
//! - [`desk`]: cases and their steps, notices with their forms.
//! - [`reports`]: progress reports drafted, submitted, received, accepted or returned.
//! - [`session`]: sign-in by the browser's certificate or by a one-time link; CSRF tokens.
//! - [`page`]: the layout, errors and the small helpers every page uses.
//!
//! Authorization is the gRPC API's: a person of this region, read from the verified certificate
//! (the browser's, or the one the sign-in link was made for); writes are domain commands with
//! the actor stamped here and judged by the same rules.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::pki::Identity;
use crate::raft::NodeCtx;
use crate::shutdown::Trigger;

pub mod charts;
pub mod client;
pub mod dashboard;
pub mod desk;
pub mod export;
pub mod forms;
pub mod ops;
pub mod page;
pub mod portal;
pub mod reports;
pub mod session;

pub use page::WebError;

/// Largest request body (a form): 64 KiB.
pub const MAX_BODY: usize = 64 * 1024;
/// Longest query string.
pub const MAX_QUERY: usize = 2048;

/// What every handler shares.
pub struct Web {
    pub ctx: Arc<NodeCtx>,
    pub sessions: session::Sessions,
    pub limiter: page::Limiter,
    /// Keys the CSRF tokens of certificate sign-ins.
    secret: [u8; 32],
}

/// The connection a request came on: the peer's address and its verified certificate, if any.
#[derive(Clone)]
pub struct Peer {
    pub addr: SocketAddr,
    /// The client certificate, when it was presented and accepted.
    pub cert_der: Option<Vec<u8>>,
    /// Its identity, read once when the certificate was judged.
    pub identity: Option<Identity>,
    /// Why a presented certificate was not accepted (the pages say so).
    pub refused: Option<crate::pki::tls::PeerRefused>,
}

impl Web {
    pub fn new(ctx: Arc<NodeCtx>) -> Arc<Web> {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        Arc::new(Web {
            ctx,
            sessions: session::Sessions::default(),
            limiter: page::Limiter::default(),
            secret,
        })
    }

    /// Who is signed in: the session of the cookie, else the browser's own certificate; a
    /// person of another region, or a revoked certificate, is nobody.
    pub fn viewer(&self, headers: &HeaderMap, peer: &Peer) -> Option<session::Viewer> {
        let v = match cookie(headers, page::COOKIE).and_then(|c| self.sessions.get(&c)) {
            Some(v) => v,
            None => {
                let der = peer.cert_der.clone()?;
                let id = peer.identity.clone()?;
                self.sessions.by_certificate(id, der, &self.secret)
            }
        };
        if let Some(serial) = self.ctx.tls.revoked.revoked(&v.cert_der) {
            tracing::info!(serial, "session of a revoked certificate ended");
            if let Some(s) = &v.session {
                self.sessions.end(s);
            }
            return None;
        }
        match &v.identity {
            Identity::Person { region, .. } if *region == self.ctx.region => Some(v),
            _ => None,
        }
    }
}

/// The value of a cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The pages and actions.
pub fn router(web: Arc<Web>) -> Router {
    Router::new()
        .route("/", get(page::home))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/assets/style.css", get(page::style))
        .route("/assets/verify.js", get(page::script))
        .route("/portal", get(portal::list))
        .route("/portal/publication", get(portal::publication))
        .route("/portal/proof", get(portal::proof))
        .route("/portal/head", get(portal::head))
        .route("/portal/agencies", get(portal::agencies))
        .route("/login", get(page::login))
        .route("/login/link", post(page::make_link))
        .route("/logout", post(page::logout))
        .route("/dashboard", get(dashboard::show))
        .route("/dashboard.csv", get(dashboard::csv))
        .route("/dashboard.xlsx", get(dashboard::xlsx))
        .route("/desk", get(desk::cases))
        .route("/desk.csv", get(desk::export))
        .route("/desk.xlsx", get(desk::export))
        .route("/desk/case", get(desk::case))
        .route("/desk/open", post(forms::open))
        .route("/desk/step", post(forms::step))
        .route("/desk/submit", post(forms::submit))
        .route("/desk/review", post(forms::review))
        .route("/desk/decide", post(forms::decide))
        .route("/desk/publish", post(forms::publish))
        .route("/desk/release", post(forms::release))
        .route("/desk/withdraw", post(forms::withdraw))
        .route("/notices", get(desk::notices))
        .route("/notices/draft", post(desk::draft))
        .route("/notices/sign", post(desk::sign))
        .route("/notices/answer", post(desk::answer))
        .route("/notices/judge", post(desk::judge))
        .route("/reports", get(reports::show))
        .route("/reports/draft", post(reports::draft))
        .route("/reports/submit", post(reports::submit))
        .route("/reports/judge", post(reports::judge))
        .fallback(page::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(web.clone(), guard))
        .with_state(web)
}

/// Before every request: the query string's length, the portal's rate limit; after: the
/// security headers.
async fn guard(State(web): State<Arc<Web>>, req: Request, next: Next) -> Response {
    if req.uri().query().is_some_and(|q| q.len() > MAX_QUERY) {
        return WebError::Input(format!("查询参数过长（最多 {MAX_QUERY} 字节）")).into_response();
    }
    let peer = req.extensions().get::<Peer>().map(|p| p.addr.ip());
    if let Some(ip) = peer {
        if !web.limiter.allow(ip) {
            return WebError::RateLimited.into_response();
        }
    }
    let mut res = next.run(req).await;
    web.ctx
        .metrics
        .web_requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let h = res.headers_mut();
    for (k, v) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    res
}

/// Serves the pages on `listener` over TLS until shutdown.
pub fn spawn(
    ctx: &Arc<NodeCtx>,
    listener: TcpListener,
    shutdown: &Trigger,
) -> Result<JoinHandle<()>, crate::pki::PkiError> {
    let acceptor = tokio_rustls::TlsAcceptor::from(ctx.tls.web_server_config()?);
    let judge = Arc::new(ctx.tls.client_judge()?);
    let app = router(Web::new(ctx.clone()));
    let mut stop = shutdown.subscribe();
    Ok(tokio::spawn(async move {
        loop {
            let (tcp, addr) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        // E.g. out of file descriptors: wait a little instead of spinning.
                        tracing::warn!(cause = %e, "web accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                },
                _ = stop.recv() => break,
            };
            let acceptor = acceptor.clone();
            let judge = judge.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let tls = match tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    acceptor.accept(tcp),
                )
                .await
                {
                    Ok(Ok(t)) => t,
                    _ => return, // a failed or slow handshake: nothing to answer
                };
                let (cert_der, identity, refused) = match tls.get_ref().1.peer_certificates() {
                    Some(chain) if !chain.is_empty() => match judge.check(chain) {
                        Ok(id) => (Some(chain[0].as_ref().to_vec()), Some(id), None),
                        Err(why) => {
                            tracing::info!(remote = %addr, cause = %why, "web client certificate refused");
                            (None, None, Some(why))
                        }
                    },
                    _ => (None, None, None),
                };
                let peer = Peer {
                    addr,
                    cert_der,
                    identity,
                    refused,
                };
                let svc = TowerToHyperService::new(app.layer(axum::Extension(peer)));
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(std::time::Duration::from_secs(10))
                    .serve_connection(TokioIo::new(tls), svc);
                if let Err(e) = conn.await {
                    tracing::debug!(cause = %e, "web connection ended");
                }
            });
        }
    }))
}

/// A response of this status with a plain message (for the JSON endpoints).
pub fn plain(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, msg.into()).into_response()
}
