//! What a decision decides (Administrative Penalty Law art. 9; licensing outcomes) and its
//! document number (文号). REV-2, LAW-1 and LAW-5 are judged on these, not on the estimate the
//! case was opened with.
use serde::{Deserialize, Serialize};

use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::Refusal;
use crate::domain::core::state::Space;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::model::MAX_AMOUNT_FEN;

/// The kinds of administrative penalty (行政处罚法 第九条).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum PenaltyKind {
    /// 警告、通报批评
    Warning,
    /// 罚款
    Fine,
    /// 没收违法所得、没收非法财物
    Confiscation,
    /// 暂扣许可证件、降低资质等级、吊销许可证件
    Licence,
    /// 限制开展生产经营活动、责令停产停业、责令关闭、限制从业
    Restriction,
    /// 行政拘留
    Detention,
    /// 法律、行政法规规定的其他行政处罚
    Other,
}

impl PenaltyKind {
    pub const ALL: [PenaltyKind; 7] = [
        PenaltyKind::Warning,
        PenaltyKind::Fine,
        PenaltyKind::Confiscation,
        PenaltyKind::Licence,
        PenaltyKind::Restriction,
        PenaltyKind::Detention,
        PenaltyKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PenaltyKind::Warning => "warning",
            PenaltyKind::Fine => "fine",
            PenaltyKind::Confiscation => "confiscation",
            PenaltyKind::Licence => "licence",
            PenaltyKind::Restriction => "restriction",
            PenaltyKind::Detention => "detention",
            PenaltyKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<PenaltyKind> {
        PenaltyKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Chinese name used on decisions.
    pub fn label(self) -> &'static str {
        match self {
            PenaltyKind::Warning => "警告、通报批评",
            PenaltyKind::Fine => "罚款",
            PenaltyKind::Confiscation => "没收违法所得、没收非法财物",
            PenaltyKind::Licence => "暂扣或者吊销许可证件、降低资质等级",
            PenaltyKind::Restriction => "限制开展生产经营活动、责令停产停业、责令关闭、限制从业",
            PenaltyKind::Detention => "行政拘留",
            PenaltyKind::Other => "法律、行政法规规定的其他行政处罚",
        }
    }

    /// A fine or a confiscation has an amount; the other kinds have none.
    pub fn has_amount(self) -> bool {
        matches!(self, PenaltyKind::Fine | PenaltyKind::Confiscation)
    }

    /// Kinds that make a penalty serious whatever the amount (LAW-5): a licence taken, a
    /// business closed or restricted, detention.
    pub fn serious(self) -> bool {
        matches!(
            self,
            PenaltyKind::Licence | PenaltyKind::Restriction | PenaltyKind::Detention
        )
    }
}

/// One penalty of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Penalty {
    /// The kind of penalty (art. 9); each kind at most once in a decision.
    pub kind: PenaltyKind,
    /// In fen; 0 for kinds without an amount.
    pub amount_fen: u64,
    /// What exactly, e.g. 吊销食品经营许可证 (required for licence, restriction, detention and
    /// other).
    pub detail: String,
}

/// A licensing decision's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum LicenceOutcome {
    /// 准予许可
    Granted,
    /// 不予许可
    Refused,
    /// 部分准予
    Partly,
}

/// Most penalties in one decision.
pub const MAX_PENALTIES: usize = 10;

/// Checks the penalties of a decision; returns their total amount in fen.
pub fn check_penalties(list: &[Penalty]) -> Result<u64, Refusal> {
    if list.is_empty() || list.len() > MAX_PENALTIES {
        return Err(Refusal::new(
            "INPUT",
            format!("处罚决定须写明 1–{MAX_PENALTIES} 项处罚种类（警告、罚款、没收……）"),
        ));
    }
    let mut kinds: Vec<PenaltyKind> = list.iter().map(|p| p.kind).collect();
    kinds.sort();
    kinds.dedup();
    if kinds.len() != list.len() {
        return Err(Refusal::new("INPUT", "同一处罚种类只写一项"));
    }
    let mut total: u64 = 0;
    for p in list {
        let required = matches!(
            p.kind,
            PenaltyKind::Licence
                | PenaltyKind::Restriction
                | PenaltyKind::Detention
                | PenaltyKind::Other
        );
        check_text("penalty.detail", &p.detail, 200, required)?;
        match (p.kind.has_amount(), p.amount_fen) {
            (true, 0) => {
                return Err(Refusal::new(
                    "INPUT",
                    format!("{}须写明金额", p.kind.label()),
                ))
            }
            (false, a) if a > 0 => {
                return Err(Refusal::new("INPUT", format!("{}没有金额", p.kind.label())))
            }
            _ => {}
        }
        total = total.saturating_add(p.amount_fen);
    }
    if total > MAX_AMOUNT_FEN {
        return Err(Refusal::new(
            "INPUT",
            "罚没金额超出合理范围（超过一千亿元）",
        ));
    }
    Ok(total)
}

/// A document number (文号): `前缀〔年〕n号`, e.g. `浏市监罚〔2026〕12号`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumber {
    pub prefix: String,
    pub year: i32,
    pub serial: u32,
}

impl DocNumber {
    /// Parses a document number; the refusal says what the form is.
    pub fn parse(s: &str) -> Result<DocNumber, Refusal> {
        let bad = || {
            Refusal::new(
                "INPUT",
                format!("文号 {s:?} 格式不对：应为“前缀〔年份〕序号号”，例如 浏市监罚〔2026〕12号"),
            )
        };
        let (prefix, rest) = s.split_once('〔').ok_or_else(bad)?;
        let (year, rest) = rest.split_once('〕').ok_or_else(bad)?;
        let serial = rest.strip_suffix('号').ok_or_else(bad)?;
        // The organ's abbreviation: letters and digits only (Chinese characters included).
        let prefix_ok = (1..=12).contains(&prefix.chars().count())
            && prefix.chars().all(|c| c.is_alphanumeric() && c != '号');
        let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
            n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0')
        };
        if !prefix_ok || !digits(year, 4..=4) || !digits(serial, 1..=6) {
            return Err(bad());
        }
        Ok(DocNumber {
            prefix: prefix.to_string(),
            year: year.parse().map_err(|_| bad())?,
            serial: serial.parse().map_err(|_| bad())?,
        })
    }
}

/// Document numbers given by an agency: (agency, number) → case id. A number is unique per
/// agency (it names the year).
pub const DOC_NUMBERS: Space<(u64, String), u64> = Space::new(prefix::DOC_NUMBERS);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_parse_and_hostile_ones_are_refused() {
        let d = DocNumber::parse("浏市监罚〔2026〕12号").unwrap();
        assert_eq!(
            (d.prefix.as_str(), d.year, d.serial),
            ("浏市监罚", 2026, 12)
        );
        for bad in [
            "",
            "〔2026〕1号",
            "浏市监罚〔26〕1号",
            "浏市监罚〔2026〕0号",
            "浏市监罚〔2026〕01号",
            "浏市监罚〔2026〕1",
            "浏市监罚[2026]1号",
            "浏 市监罚〔2026〕1号",
            "浏市监罚〔2026〕1234567号",
            "一二三四五六七八九十一二三〔2026〕1号",
            "<script>〔2026〕1号x",
            "浏市监罚〔２０２６〕1号",
        ] {
            assert!(DocNumber::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn penalties_need_their_amounts_and_details() {
        let p = |kind, amount_fen, detail: &str| Penalty {
            kind,
            amount_fen,
            detail: detail.into(),
        };
        assert_eq!(
            check_penalties(&[
                p(PenaltyKind::Warning, 0, ""),
                p(PenaltyKind::Fine, 2_000_000, ""),
                p(PenaltyKind::Confiscation, 50_000, "没收违法所得"),
            ]),
            Ok(2_050_000)
        );
        for bad in [
            vec![],
            vec![p(PenaltyKind::Fine, 0, "")],
            vec![p(PenaltyKind::Warning, 100, "")],
            vec![p(PenaltyKind::Licence, 0, "")],
            vec![p(PenaltyKind::Fine, 1, ""), p(PenaltyKind::Fine, 2, "")],
            vec![p(PenaltyKind::Fine, MAX_AMOUNT_FEN + 1, "")],
            vec![p(PenaltyKind::Other, 0, &"x".repeat(201))],
        ] {
            assert!(check_penalties(&bad).is_err(), "{bad:?}");
        }
    }
}
