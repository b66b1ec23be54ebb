//! The client used by the command line and tests: several endpoints, mutual TLS, follows the
//! leader by the reply header, and retries unavailable nodes with the same request id.
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sanxiang_proto::region::monitor_client::MonitorClient;
use sanxiang_proto::region::region_client::RegionClient;
use tonic::transport::Channel;

use crate::api::LEADER_HEADER;
use crate::pki::{Expect, PkiError, TlsMaterial};
use crate::transport;

/// Errors of the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("未指定节点地址（请使用 --endpoints，或 --topology 与 --region）")]
    NoEndpoints,
    #[error("{0}")]
    Pki(#[from] PkiError),
    #[error("节点地址 {0} 无效：{1}")]
    Endpoint(String, String),
    /// The server answered with an error that retrying will not fix.
    #[error("{}：{}", code_name(.0.code()), .0.message())]
    Status(tonic::Status),
    /// No endpoint answered within the deadline.
    #[error("{secs} 秒内没有节点应答（最后一次错误：{last}）")]
    Unavailable { secs: u64, last: String },
}

fn code_name(c: tonic::Code) -> &'static str {
    match c {
        tonic::Code::PermissionDenied => "无权操作",
        tonic::Code::Unauthenticated => "身份未认证",
        tonic::Code::InvalidArgument => "参数无效",
        tonic::Code::OutOfRange => "超出范围",
        tonic::Code::ResourceExhausted => "超出限制",
        tonic::Code::NotFound => "未找到",
        tonic::Code::Internal => "内部错误",
        _ => "错误",
    }
}

/// A region client.
pub struct Client {
    endpoints: Vec<String>,
    channels: Vec<Channel>,
    preferred: usize,
    deadline: Duration,
}

impl Client {
    /// Builds a client for `endpoints` (host:port, optionally with `https://`), expecting
    /// node certificates of `region` when given.
    pub fn new(
        endpoints: &[String],
        tls: &TlsMaterial,
        region: Option<&str>,
        deadline: Duration,
    ) -> Result<Client, ClientError> {
        if endpoints.is_empty() {
            return Err(ClientError::NoEndpoints);
        }
        let expect = match region {
            Some(r) => Expect::Region(r.to_string()),
            None => Expect::AnyNode,
        };
        let cfg: Arc<rustls::ClientConfig> = tls.client_config(expect)?;
        let mut channels = Vec::new();
        let mut clean = Vec::new();
        for e in endpoints {
            let addr = e
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string();
            let ch = transport::channel(&addr, cfg.clone(), Duration::from_secs(3))
                .map_err(|err| ClientError::Endpoint(e.clone(), err.to_string()))?;
            channels.push(ch);
            clean.push(addr);
        }
        Ok(Client {
            endpoints: clean,
            channels,
            preferred: 0,
            deadline,
        })
    }

    /// Runs `f` against a node, moving to another node when one is unreachable or has no
    /// leader, until the deadline. Callers reuse the same request id inside `f`, so a write
    /// retried after a lost reply is answered from the dedup table.
    pub async fn call<T, F, Fut>(&mut self, f: F) -> Result<T, ClientError>
    where
        F: FnMut(RegionClient<Channel>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        self.call_with(
            |ch| {
                RegionClient::new(ch)
                    .max_decoding_message_size(16 * 1024 * 1024)
                    .max_encoding_message_size(16 * 1024 * 1024)
            },
            f,
        )
        .await
    }

    /// [`Client::call`] with one request, cloned for each attempt (same write id every time).
    pub async fn call_with_request<R, T, F, Fut>(&mut self, req: R, f: F) -> Result<T, ClientError>
    where
        R: Clone,
        F: Fn(RegionClient<Channel>, R) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        self.call(|c| f(c, req.clone())).await
    }

    /// Like [`Client::call`], against the `Monitor` service.
    pub async fn call_monitor<T, F, Fut>(&mut self, f: F) -> Result<T, ClientError>
    where
        F: FnMut(MonitorClient<Channel>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        self.call_with(
            |ch| MonitorClient::new(ch).max_decoding_message_size(64 * 1024 * 1024),
            f,
        )
        .await
    }

    async fn call_with<C, T, F, Fut>(
        &mut self,
        make: impl Fn(Channel) -> C,
        mut f: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut(C) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let start = Instant::now();
        let mut backoff = Duration::from_millis(100);
        let mut last;
        loop {
            let i = self.preferred;
            match f(make(self.channels[i].clone())).await {
                Ok(resp) => {
                    if let Some(leader) = resp
                        .metadata()
                        .get(LEADER_HEADER)
                        .and_then(|v| v.to_str().ok())
                    {
                        if let Some(j) = self.endpoints.iter().position(|e| e == leader) {
                            self.preferred = j;
                        }
                    }
                    return Ok(resp.into_inner());
                }
                Err(s)
                    if matches!(
                        s.code(),
                        tonic::Code::Unavailable
                            | tonic::Code::Unknown
                            | tonic::Code::Cancelled
                            | tonic::Code::DeadlineExceeded
                    ) =>
                {
                    last = format!("{}: {}", self.endpoints[i], cause_of(&s));
                    self.preferred = (i + 1) % self.channels.len();
                }
                Err(s) => return Err(ClientError::Status(s)),
            }
            if start.elapsed() >= self.deadline {
                return Err(ClientError::Unavailable {
                    secs: self.deadline.as_secs(),
                    last,
                });
            }
            if self.preferred == 0 || self.channels.len() == 1 {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// What went wrong under a transport failure, in words: a TLS refusal by either side is named
/// (the server's certificate not trusted here, or ours refused there), else the message.
pub fn cause_of(s: &tonic::Status) -> String {
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(s);
    while let Some(e) = next {
        let tls = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(t) = tls {
            return tls_words(t);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return "连接被拒绝：该节点没有在运行或地址有误 (connection refused)".into();
            }
        }
        next = e.source();
    }
    s.message().to_string()
}

fn tls_words(e: &rustls::Error) -> String {
    use rustls::AlertDescription as A;
    match e {
        rustls::Error::InvalidCertificate(c) => format!(
            "服务器的证书不受信任（{c:?}）：请检查 --ca 是否为本部署的 CA 证书 (server certificate not trusted)"
        ),
        rustls::Error::AlertReceived(
            a @ (A::BadCertificate
            | A::UnknownCA
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::CertificateUnknown
            | A::AccessDenied
            | A::CertificateRequired),
        ) => format!("服务器拒绝了你的证书（{a:?}）(certificate refused by the server)"),
        rustls::Error::General(m) => format!("TLS：{m}"),
        other => format!("TLS：{other}"),
    }
}

/// A fresh client id for one program run.
pub fn new_client_id() -> String {
    format!("cli-{:016x}", rand::random::<u64>())
}
