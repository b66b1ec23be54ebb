//! The public portal: no sign-in, read-only, rate-limited (PUB-1, PUB-3, PUB-4, PUB-7).
//! Everything here comes from [`crate::view::portal`], which holds public fields only.
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Json};
use maud::{html, Markup};
use serde::Deserialize;

use super::desk::power_label;
use super::page::Q;
use super::page::{layout, WebError};
use super::{Peer, Web};
use crate::domain::PowerKind;
use crate::view::portal::{self, Filter};

/// The search form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    region: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn kind_label(k: &str) -> &str {
    PowerKind::parse(k).map(power_label).unwrap_or(k)
}

fn state_label(s: &str) -> &'static str {
    if s.starts_with("Published") {
        "已公示"
    } else if s.starts_with("Withdrawn") {
        "已撤回"
    } else if s.starts_with("Superseded") {
        "已更正（有新版本）"
    } else {
        "—"
    }
}

fn check(s: &Search) -> Result<Filter, WebError> {
    for (name, v, max) in [
        ("地区", &s.region, 200),
        ("执法机关", &s.agency, 100),
        ("关键词", &s.q, 100),
    ] {
        if v.chars().count() > max || v.chars().any(char::is_control) {
            return Err(WebError::Input(format!("{name}过长或含控制字符")));
        }
    }
    for (name, d) in [("起始日期", &s.from), ("截止日期", &s.to)] {
        if !d.is_empty() && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            return Err(WebError::Input(format!("{name}应为 YYYY-MM-DD")));
        }
    }
    if !s.kind.is_empty() && PowerKind::parse(&s.kind).is_none() {
        return Err(WebError::Input("决定种类无法识别".into()));
    }
    Ok(Filter {
        region: s.region.trim().to_string(),
        agency: s.agency.trim().to_string(),
        kind: s.kind.clone(),
        text: s.q.trim().to_string(),
        from: s.from.clone(),
        to: s.to.clone(),
    })
}

/// `GET /portal`: published decisions of the region and below, searchable.
pub async fn list(
    State(web): State<Arc<Web>>,
    headers: axum::http::HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(s): Q<Search>,
) -> Result<Html<String>, WebError> {
    let f = check(&s)?;
    let own = web.ctx.region.clone();
    let list = web
        .ctx
        .sm
        .read(|st| portal::publications(&st.domain, &own, &f))?;
    let viewer = web.viewer(&headers, &peer);
    let body = html! {
        h1 { "行政执法决定公示" }
        p.muted { "本级及下级地区公开的行政执法决定。公示内容已去除身份证号、电话号码和住址（统一社会信用代码保留）。每条公示都可以在浏览器中验证它确实记录在发布地区的防篡改账本中。" }
        form.card.search method="get" action="/portal" {
            div.field { label for="region" { "地区（含下级）" } input #region type="text" name="region" value=(s.region) placeholder="例如 hunan/changsha"; }
            div.field { label for="agency" { "执法机关名称" } input #agency type="text" name="agency" value=(s.agency); }
            div.field { label for="kind" { "决定种类" }
                select #kind name="kind" {
                    option value="" selected[s.kind.is_empty()] { "全部" }
                    @for k in PowerKind::ALL { option value=(k.as_str()) selected[k.as_str() == s.kind] { (power_label(k)) } } } }
            div.field { label for="q" { "关键词（当事人名称等）" } input #q type="text" name="q" value=(s.q); }
            div.field { label for="from" { "公示日期 自" } input #from type="date" name="from" value=(s.from); }
            div.field { label for="to" { "至" } input #to type="date" name="to" value=(s.to); }
            div.field { button type="submit" { "查询" } }
        }
        p.muted #count { "共 " (list.len()) " 条" @if list.len() == portal::MAX_LISTED { "（仅显示最新 " (portal::MAX_LISTED) " 条，请缩小查询范围）" } }
        div.scroll {
            table #publications {
                thead { tr { th { "日期" } th { "地区" } th { "执法机关" } th { "种类" } th { "状态" } th { "内容" } th { "验证" } } }
                tbody {
                    @for p in &list {
                        tr {
                            td { (p.day) }
                            td { (p.origin) }
                            td { (p.agency) }
                            td { (kind_label(&p.kind)) }
                            td { (state_label(&p.state)) }
                            td.pub-text { (p.public_text) }
                            td {
                                @if let Some(seq) = p.seq {
                                    a.verify-link href={ "/portal/publication?origin=" (urlencode(&p.origin)) "&seq=" (seq) } { "查看与验证" }
                                } @else {
                                    span.muted { "本级公示（在上级门户验证）" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Html(
        layout("行政执法决定公示", viewer.as_ref(), body).into_string(),
    ))
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[derive(Debug, Deserialize)]
pub struct ItemRef {
    origin: String,
    seq: u64,
}

fn item_ref(r: &ItemRef) -> Result<(), WebError> {
    if !crate::domain::core::region::valid_region_id(&r.origin) {
        return Err(WebError::Input("地区编号无效".into()));
    }
    Ok(())
}

fn proven(web: &Web, r: &ItemRef) -> Result<portal::Proven, WebError> {
    item_ref(r)?;
    let own = web.ctx.region.clone();
    Ok(web
        .ctx
        .sm
        .read(|st| portal::proven(&st.domain, &own, &r.origin, r.seq))?)
}

/// `GET /portal/publication?origin=…&seq=…`: one publication with its verification.
pub async fn publication(
    State(web): State<Arc<Web>>,
    headers: axum::http::HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(r): Q<ItemRef>,
) -> Result<Html<String>, WebError> {
    let p = proven(&web, &r)?;
    let q = format!("origin={}&seq={}", urlencode(&r.origin), r.seq);
    let hq = format!("origin={}&size={}", urlencode(&r.origin), p.head.size);
    let pb = &p.publication;
    let body: Markup = html! {
        h1 { "公示详情" }
        div.card {
            p { "地区：" (pb.origin) " · 执法机关：" (pb.agency) " · 种类：" (kind_label(&pb.kind)) " · 状态：" (state_label(&pb.state)) " · 第 " (pb.version) " 版 · " (pb.day) }
            p.pub-text #public-text { (pb.public_text) }
        }
        div.card {
            h2 { "验证这条公示" }
            p.muted { "点击“验证”，浏览器会重新计算这条公示在 " (pb.origin) " 账本中的位置（RFC 6962 默克尔证明），并用签名节点证书中的公钥核对树头签名。服务器的说法不被采信：所有哈希和签名都在你的浏览器里计算。" }
            button #verify type="button" data-proof={ "/portal/proof?" (q) } data-head={ "/portal/head?" (hq) } { "验证" }
            div #verify-result .verify-result {}
            p.muted {
                "离线核验：下载 " a href={ "/portal/proof?" (q) } download="proof.json" { "证明 proof.json" }
                " 和 " a href={ "/portal/head?" (hq) } download="head.json" { "树头 head.json" }
                "，运行 " code { "sanxiang ledger verify --proof proof.json --root " (p.head.root) }
                " 与 " code { "sanxiang ledger verify-head --file head.json --ca ca.pem" } "。"
            }
        }
    };
    let viewer = web.viewer(&headers, &peer);
    Ok(Html(
        layout("公示详情", viewer.as_ref(), body).into_string(),
    ))
}

/// `GET /portal/proof?origin=…&seq=…`: the inclusion proof, as `ledger verify` reads it.
pub async fn proof(State(web): State<Arc<Web>>, Q(r): Q<ItemRef>) -> Result<Response, WebError> {
    let p = proven(&web, &r)?;
    Ok(json(&p.proof))
}

#[derive(Debug, Deserialize)]
pub struct HeadRef {
    origin: String,
    size: u64,
}

/// `GET /portal/head?origin=…&size=…`: the origin's signed tree head, as `ledger verify-head`
/// reads it.
pub async fn head(State(web): State<Arc<Web>>, Q(r): Q<HeadRef>) -> Result<Response, WebError> {
    if !crate::domain::core::region::valid_region_id(&r.origin) {
        return Err(WebError::Input("地区编号无效".into()));
    }
    let found = web.ctx.sm.read(|st| {
        crate::domain::federation::held::HELD_HEADS.read(&st.domain, &(r.origin.clone(), r.size))
    })?;
    let Some(held) = found else {
        return Err(WebError::NotFound(format!(
            "{} 的 {} 叶树头不在本级",
            r.origin, r.size
        )));
    };
    let crate::domain::federation::items::Carried::Head { head, .. } = held.carried else {
        return Err(WebError::NotFound("不是树头".into()));
    };
    Ok(json(&crate::view::query::HeadView::of(&head)))
}

fn json<T: serde::Serialize>(v: &T) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::to_value(v).unwrap_or_default()),
    )
        .into_response()
}

/// `GET /portal/agencies`: the agency registry (PUB-1) with this region's certified officers.
pub async fn agencies(
    State(web): State<Arc<Web>>,
    headers: axum::http::HeaderMap,
    Extension(peer): Extension<Peer>,
) -> Result<Html<String>, WebError> {
    let own = web.ctx.region.clone();
    let list = web.ctx.sm.read(|st| portal::agencies(&st.domain, &own))?;
    let body = html! {
        h1 { "行政执法主体" }
        p.muted { "本级及下级地区的行政执法机关，及本级持证执法人员与执法证号。" }
        div.scroll {
            table #agencies {
                thead { tr { th { "地区" } th { "名称" } th { "执法领域" } th { "职权" } th { "法律依据" } th { "联系方式" } th { "持证执法人员（证号）" } } }
                tbody {
                    @for a in &list {
                        tr {
                            td { (a.origin) }
                            td { (a.agency.name) @if a.agency.closed.is_some() { " " span.tag.warn { "已撤销或合并" } } }
                            td { (a.agency.domain) }
                            td { (a.agency.powers.iter().map(|p| power_label(*p)).collect::<Vec<_>>().join("、")) }
                            td { (a.agency.legal_basis) }
                            td { (a.agency.contact) }
                            td {
                                @for (name, number) in &a.officers { (name) "（" (number) "） " }
                            }
                        }
                    }
                }
            }
        }
    };
    let viewer = web.viewer(&headers, &peer);
    Ok(Html(
        layout("行政执法主体", viewer.as_ref(), body).into_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(f: impl FnOnce(&mut Search)) -> Search {
        let mut s = Search::default();
        f(&mut s);
        s
    }

    #[test]
    fn hostile_searches_are_refused_with_a_reason() {
        assert!(check(&Search::default()).is_ok());
        for bad in [
            search(|s| s.q = "x".repeat(101)),
            search(|s| s.q = "a\u{0}b".into()),
            search(|s| s.region = "r".repeat(201)),
            search(|s| s.from = "2026-13-01".into()),
            search(|s| s.to = "<script>".into()),
            search(|s| s.kind = "taxation".into()),
        ] {
            assert!(
                matches!(check(&bad), Err(WebError::Input(_))),
                "{bad:?} must be refused"
            );
        }
        // Script in a search term is a term like any other (rendered escaped by maud).
        assert!(check(&search(|s| s.q = "<script>alert(1)</script>".into())).is_ok());
    }

    #[test]
    fn region_ids_in_item_links_are_checked() {
        for bad in ["", "a//b", "../x", "a b"] {
            let r = ItemRef {
                origin: bad.into(),
                seq: 1,
            };
            assert!(item_ref(&r).is_err(), "{bad:?}");
        }
    }
}
