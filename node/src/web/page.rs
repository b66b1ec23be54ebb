//! The layout every page shares, the errors as pages, sign-in and sign-out, the portal's rate
//! limit, and the helpers of forms (CSRF, request ids, refusals in plain words).
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use super::session::Viewer;
use super::{Peer, Web};
use crate::domain::{Command, Envelope, Organ, Outcome, Role, RULES_VERSION};
use crate::pki::Identity;

/// The session cookie.
pub const COOKIE: &str = "sx_session";

/// What a page can fail with, each shown as a page in plain words.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("请先登录：用浏览器导入的个人证书访问，或用 `sanxiang web login` 取得一次性登录链接")]
    SignIn,
    #[error("浏览器出示的证书未被接受。{0}。请导入本部署签发的有效个人证书（可用 sanxiang pki rotate 续期），或用 `sanxiang web login` 取得一次性登录链接")]
    CertificateRefused(String),
    #[error("无权访问：{0}")]
    Forbidden(String),
    #[error("未找到：{0}")]
    NotFound(String),
    #[error("输入有误：{0}")]
    Input(String),
    #[error("请求过于频繁，请稍后再试")]
    RateLimited,
    #[error("表单已失效（缺少或不符的校验码），请返回重新打开页面后再提交")]
    Csrf,
    #[error("记录读取失败：{0}")]
    State(#[from] crate::domain::DomainError),
    #[error("查询失败：{0}")]
    View(#[from] crate::view::ViewError),
    #[error("区域暂时不可用：{0}")]
    Unavailable(String),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::SignIn | WebError::CertificateRefused(_) => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Input(_) => StatusCode::BAD_REQUEST,
            WebError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            WebError::State(_) | WebError::View(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        let body = layout(
            "出错了",
            None,
            html! {
                h1 { "出错了" }
                div.notice.bad #error { (self.to_string()) }
                p { a href="/portal" { "返回公示门户" } " · " a href="/" { "首页" } }
            },
        );
        (status, Html(body.into_string())).into_response()
    }
}

/// The page around `body`.
pub fn layout(title: &str, viewer: Option<&Viewer>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 三项制度监督网络" }
                link rel="stylesheet" href="/assets/style.css";
                script src="/assets/verify.js" defer {}
            }
            body {
                header {
                    a.title href="/" { "三项制度监督网络" }
                    nav {
                        a href="/portal" { "公示门户" }
                        a href="/portal/agencies" { "执法主体" }
                        @if viewer.is_some() {
                            a href="/dashboard" { "监督看板" }
                            a href="/desk" { "案件" }
                            a href="/notices" { "通报" }
                            a href="/reports" { "进展报告" }
                        }
                    }
                    @if let Some(v) = viewer {
                        span.who {
                            (who(&v.identity)) " "
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(v.csrf);
                                button.secondary type="submit" { "退出" }
                            }
                        }
                    } @else {
                        span.who { "未登录（公众）" }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A person in words: 浏阳市 司法局 监督人员 sup.
pub fn who(id: &Identity) -> String {
    match id {
        Identity::Person {
            region,
            organ,
            role,
            user,
            ..
        } => format!("{region} {} {} {user}", organ.label(), role_label(*role)),
        Identity::Node { region, node, .. } => format!("{region} 节点 {node}"),
    }
}

pub fn role_label(r: Role) -> &'static str {
    match r {
        Role::Clerk => "登记员",
        Role::Officer => "执法人员",
        Role::Reviewer => "法制审核人员",
        Role::Head => "负责人",
        Role::Supervisor => "监督人员",
        Role::Inspector => "行政执法监督人员",
        Role::Monitor => "监测人员",
    }
}

/// The signed-in viewer, or the sign-in page.
pub fn signed_in(web: &Web, headers: &HeaderMap, peer: &Peer) -> Result<Viewer, WebError> {
    web.viewer(headers, peer)
        .ok_or_else(|| match &peer.refused {
            Some(why) => WebError::CertificateRefused(why.to_string()),
            None => WebError::SignIn,
        })
}

pub async fn home(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
) -> Redirect {
    match web.viewer(&headers, &peer) {
        Some(v) => match &v.identity {
            Identity::Person {
                organ: Organ::Agency(_),
                ..
            } => Redirect::to("/desk"),
            _ => Redirect::to("/dashboard"),
        },
        None => Redirect::to("/portal"),
    }
}

pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/style.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/verify.js"),
    )
        .into_response()
}

pub async fn not_found() -> WebError {
    WebError::NotFound("没有这个页面".into())
}

#[derive(Deserialize)]
pub struct LinkQuery {
    token: String,
}

/// `GET /login?token=…`: uses a one-time link and starts the session.
pub async fn login(State(web): State<Arc<Web>>, Q(q): Q<LinkQuery>) -> Result<Response, WebError> {
    if q.token.len() != 64 {
        return Err(WebError::Forbidden("登录链接无效".into()));
    }
    let Some(v) = web.sessions.redeem(&q.token) else {
        return Err(WebError::Forbidden(
            "登录链接已使用或已过期（每个链接只能用一次，5 分钟内有效）：请重新运行 sanxiang web login"
                .into(),
        ));
    };
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        v.session.clone().unwrap_or_default(),
        super::session::MAX_AGE.as_secs()
    );
    tracing::info!(who = %v.identity, "signed in by a one-time link");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

/// `POST /login/link`: for a client presenting its person certificate over mutual TLS
/// (`sanxiang web login`), a one-time sign-in link on this node.
pub async fn make_link(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
) -> Response {
    if let Some(why) = &peer.refused {
        return super::plain(StatusCode::FORBIDDEN, why.to_string());
    }
    let Some(der) = peer.cert_der.clone() else {
        return super::plain(
            StatusCode::UNAUTHORIZED,
            "present your person certificate (sanxiang web login does)",
        );
    };
    let id = match peer.identity.clone() {
        Some(id @ Identity::Person { .. }) if id.region() == web.ctx.region => id,
        Some(other) => {
            return super::plain(
                StatusCode::FORBIDDEN,
                format!("{other} is not a person of {}", web.ctx.region),
            )
        }
        None => return super::plain(StatusCode::FORBIDDEN, "no identity in the certificate"),
    };
    if web.ctx.tls.revoked.revoked(&der).is_some() {
        return super::plain(StatusCode::FORBIDDEN, "certificate revoked");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let token = web.sessions.new_link(id, der);
    let url = format!("https://{host}/login?token={token}");
    axum::Json(serde_json::json!({ "url": url, "valid_secs": super::session::LINK_TTL.as_secs() }))
        .into_response()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<CsrfForm>,
) -> Result<Response, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    if let Some(s) = &v.session {
        web.sessions.end(s);
    }
    let clear = format!("{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/portal")).into_response())
}

/// Every form carries the viewer's CSRF token.
pub fn check_csrf(v: &Viewer, given: &str) -> Result<(), WebError> {
    if given.len() == v.csrf.len() && given == v.csrf {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// The hidden fields of a form: the CSRF token and the request id that makes a double submit
/// one write.
pub fn form_ids(web: &Web, v: &Viewer) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(v.csrf);
        input type="hidden" name="request_id" value=(web.sessions.next_request(&v.client_id));
    }
}

/// Runs a command as the viewer; the page says what happened, a refusal with its rule.
pub async fn execute(web: &Web, v: &Viewer, request_id: u64, command: Command) -> Markup {
    if request_id == 0 {
        return html! { div.notice.bad #result { "表单缺少请求编号，请重新打开页面" } };
    }
    let env = Envelope {
        actor: v.identity.actor(),
        client_id: v.client_id.clone(),
        request_id,
        time_ms: 0,
        rules_version: RULES_VERSION,
        command,
    };
    let written = web.ctx.write(env).await;
    if let Ok(r) = &written {
        // Read your own write: the page that follows is rendered from this node's state.
        let _ = web
            .ctx
            .raft
            .wait(Some(std::time::Duration::from_secs(5)))
            .applied_index_at_least(Some(r.log_index), "web write")
            .await;
    }
    match written {
        Ok(r) => match r.outcome {
            Outcome::Ok(res) => {
                let flags = match &res {
                    crate::domain::CommandResult::Record { flags, .. } => flags.clone(),
                    _ => vec![],
                };
                html! {
                    div.notice.ok #result {
                        "已完成" @if r.deduplicated { "（重复提交，按第一次的结果）" }
                        @for f in &flags { br; (f) }
                    }
                }
            }
            Outcome::Refused(f) => html! {
                div.notice.bad #result { "未通过（" (f.rule) " " (rule_words(&f.rule)) "）：" (f.message) }
            },
        },
        Err(e) => {
            html! { div.notice.bad #result { "区域暂时不可用，请稍后重试：" (e.to_string()) } }
        }
    }
}

/// A notice's stage (as [`crate::domain::supervision::notice::Stage::as_str`] names it) in
/// Chinese.
pub fn stage_words(s: &str) -> &str {
    crate::domain::supervision::notice::Stage::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .map_or(s, |x| x.label())
}

/// Why a unit qualifies for a notice (as [`crate::view::qualifying`] names it) in Chinese.
pub fn qualifying_words(s: &str) -> &str {
    match s {
        "tamper_alert" => "账本校验告警",
        "report_missing" => "报告未报送",
        "report_late" => "报告逾期报送",
        "publication_overdue" => "决定逾期未公示",
        "review_overdue" => "法制审核超期",
        "certificate_expired" => "证件过期仍在执法",
        "reviewer_ratio_below_5_percent" => "法制审核人员不足 5%",
        other => other,
    }
}

/// What a rule of `docs/rules.md` is about, in a few words, for a refusal's message.
pub fn rule_words(rule: &str) -> &'static str {
    match rule {
        "PUB-1" => "执法主体和人员公开",
        "PUB-2" => "持证上岗",
        "PUB-3" => "执法决定按期公开",
        "PUB-4" => "个人信息不公开",
        "PUB-5" => "公示纠错和撤回",
        "REC-1" => "执法全过程记录",
        "REC-2" => "音像记录",
        "REC-3" => "记录不得删改",
        "REC-6" => "决定说明理由",
        "REV-1" => "重大执法决定未经法制审核不得作出",
        "REV-2" => "重大执法决定目录",
        "REV-3" => "法制审核内容",
        "REV-4" => "审核意见",
        "REV-5" => "审核意见分歧的处理",
        "REV-6" => "法制审核人员",
        "REV-7" => "责任人记录",
        "REV-8" => "审核时限",
        "SUP-1" => "季度进展报告",
        "SUP-2" => "通报和整改",
        "SUP-3" => "阶段性报告",
        "SUP-7" => "被纠错率",
        "LAW-1" => "简易程序的适用范围",
        "LAW-2" => "执法人员不少于两人",
        "LAW-3" => "作出决定的期限",
        "LAW-4" => "决定书送达",
        "LAW-5" => "负责人集体讨论",
        "LAW-6" => "变更撤销后撤回公示",
        "AUTH" => "无此权限",
        "INPUT" => "填写有误",
        "CONFLICT" => "与已有记录冲突",
        _ => "规则",
    }
}

/// A query string, refused in plain words when it does not parse (an id that is no number, a
/// field missing).
pub struct Q<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Q<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Q(v)),
            Err(e) => Err(WebError::Input(format!(
                "查询参数不完整或格式不对（{}）",
                e.body_text()
            ))),
        }
    }
}

/// A form body, refused in plain words when it does not parse.
pub struct F<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for F<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(F(v)),
            Err(e) => Err(WebError::Input(format!(
                "表单不完整或格式不对（{}）",
                e.body_text()
            ))),
        }
    }
}

/// The portal's rate limit: a token bucket per client address.
#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Requests per second, and the burst allowed.
const RATE: f64 = 20.0;
const BURST: f64 = 60.0;

impl Limiter {
    pub fn allow(&self, ip: IpAddr) -> bool {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if b.len() > 100_000 {
            b.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 60);
        }
        let (tokens, last) = b.entry(ip).or_insert((BURST, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * RATE).min(BURST);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_lets_a_burst_through_then_refuses() {
        let l = Limiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let allowed = (0..200).filter(|_| l.allow(ip)).count();
        assert!((60..=70).contains(&allowed), "{allowed}");
        let other: IpAddr = IpAddr::from([10, 0, 0, 1]);
        assert!(l.allow(other), "another client has its own bucket");
    }

    #[test]
    fn a_wrong_or_missing_csrf_token_is_refused() {
        let v = Viewer {
            identity: Identity::Node {
                domain: "d".into(),
                region: "r".into(),
                node: 1,
            },
            cert_der: vec![],
            csrf: "a".repeat(32),
            session: None,
            client_id: "c".into(),
        };
        assert!(check_csrf(&v, &"a".repeat(32)).is_ok());
        for bad in ["", "b", &"b".repeat(32), &"a".repeat(33)] {
            assert!(matches!(check_csrf(&v, bad), Err(WebError::Csrf)));
        }
    }
}
