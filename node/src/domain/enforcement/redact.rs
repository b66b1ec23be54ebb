//! PUB-4: what the public sees never contains a personal ID number, a phone number or a home
//! address — not even inside free text — while an organisation's unified social credit code
//! (统一社会信用代码) stays visible. Every masking is reported so it can be recorded.
use serde::{Deserialize, Serialize};

/// What was masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum MaskKind {
    IdNumber,
    Mobile,
    Landline,
    Address,
}

impl MaskKind {
    /// What was masked, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            MaskKind::IdNumber => "身份证号码",
            MaskKind::Mobile => "手机号码",
            MaskKind::Landline => "固定电话",
            MaskKind::Address => "住址",
        }
    }
}

/// One masked span, in characters of the original text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Masking {
    pub kind: MaskKind,
    pub start: usize,
    pub len: usize,
}

/// Redacted text and what was masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Redacted {
    pub text: String,
    pub masked: Vec<Masking>,
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// The check character of the first 17 digits of an ID number (GB 11643, ISO 7064 MOD 11-2).
pub fn id_check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| (c - b'0') as u32 * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize])
}

/// A resident ID number: province code, a real birth date, and a valid check character.
pub fn is_valid_id_number(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let Some(check) = id_check_char(&b[..17]) else {
        return false;
    };
    if b[17].to_ascii_uppercase() as char != check {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let (Some(prov), Some(y), Some(m), Some(d)) = (num(0..2), num(6..10), num(10..12), num(12..14))
    else {
        return false;
    };
    PROVINCES.contains(&prov)
        && (1900..=2100).contains(&y)
        && chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some()
}

const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character of the first 17 characters of a credit code (GB 32100-2015).
pub fn credit_check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(USCC_WEIGHTS) {
        let v = USCC_CHARS.iter().position(|x| x == c)? as u32;
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(USCC_CHARS[check as usize] as char)
}

/// A unified social credit code with a valid check character.
pub fn is_valid_credit_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18 && credit_check_char(&b[..17]).is_some_and(|c| c as u8 == b[17])
}

/// Labels after which a home address follows.
const ADDRESS_LABELS: [&str; 9] = [
    "家庭住址",
    "户籍地址",
    "户籍所在地",
    "住所地",
    "居住地",
    "住址",
    "住所",
    "家住",
    "现住",
];
/// Labels after which any run of 7–13 digits is a phone number.
const PHONE_LABELS: [&str; 4] = ["电话", "手机", "联系方式", "Tel"];
/// Where a masked address ends.
const ADDRESS_END: [char; 8] = ['，', ',', '。', '；', ';', '\n', '）', ')'];
/// Longest address masked after a label.
const MAX_ADDRESS: usize = 80;

fn preceded_by(chars: &[char], at: usize, labels: &[&str], window: usize) -> bool {
    let from = at.saturating_sub(window);
    let before: String = chars[from..at].iter().collect();
    labels.iter().any(|l| before.contains(l))
}

fn classify(chars: &[char], start: usize, token: &str) -> Option<MaskKind> {
    let compact: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let has_letter = compact.bytes().any(|b| b.is_ascii_alphabetic());
    if compact.len() == 18 {
        // A string that is both a valid ID number and a valid credit code (only possible when its
        // sole letter, if any, is the final X) is treated as an ID number: privacy first.
        let letter_in_body = compact.as_bytes()[..17].iter().any(u8::is_ascii_alphabetic);
        if is_valid_credit_code(&compact) && (letter_in_body || !is_valid_id_number(&compact)) {
            return None;
        }
        if is_valid_id_number(&compact) {
            return Some(MaskKind::IdNumber);
        }
    }
    if has_letter || compact.is_empty() {
        return None;
    }
    let digits = compact.as_bytes();
    let is_mobile = |d: &[u8]| d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]);
    if is_mobile(digits)
        || (digits.len() == 13 && digits.starts_with(b"86") && is_mobile(&digits[2..]))
    {
        return Some(MaskKind::Mobile);
    }
    if digits[0] == b'0' && (10..=12).contains(&digits.len()) {
        return Some(MaskKind::Landline);
    }
    if (7..=13).contains(&digits.len()) && preceded_by(chars, start, &PHONE_LABELS, 8) {
        return Some(MaskKind::Landline);
    }
    None
}

/// Masks ID numbers, phone numbers and labelled addresses with `*`, one per character.
pub fn redact(text: &str) -> Redacted {
    let mut chars: Vec<char> = text.chars().collect();
    let mut masked = Vec::new();
    let n = chars.len();
    let mut i = 0;
    while i < n {
        if chars[i].is_ascii_alphanumeric() {
            // A token: ASCII letters and digits, with single spaces or dashes between digits
            // (so "138 1234 5678" and "0731-8888 8888" are one number).
            let mut j = i + 1;
            while j < n {
                let c = chars[j];
                let joins_digits = (c == '-' || c == ' ')
                    && j + 1 < n
                    && chars[j - 1].is_ascii_digit()
                    && chars[j + 1].is_ascii_digit();
                if !(c.is_ascii_alphanumeric() || joins_digits) {
                    break;
                }
                j += 1;
            }
            let token: String = chars[i..j].iter().collect();
            if let Some(kind) = classify(&chars, i, &token) {
                masked.push(Masking {
                    kind,
                    start: i,
                    len: j - i,
                });
            }
            i = j;
        } else {
            i += 1;
        }
    }
    // Addresses after a label, up to the end of the clause.
    let joined: String = chars.iter().collect();
    for label in ADDRESS_LABELS {
        let mut search_from = 0;
        while let Some(pos) = joined[search_from..].find(label) {
            let byte_at = search_from + pos;
            let start_char = joined[..byte_at].chars().count() + label.chars().count();
            let mut s = start_char;
            while s < n && matches!(chars[s], '：' | ':' | ' ' | '　' | '为' | '在' | '是') {
                s += 1;
            }
            let mut e = s;
            while e < n && e - s < MAX_ADDRESS && !ADDRESS_END.contains(&chars[e]) {
                e += 1;
            }
            if e > s
                && !masked
                    .iter()
                    .any(|m| m.kind == MaskKind::Address && m.start <= s && s < m.start + m.len)
            {
                masked.push(Masking {
                    kind: MaskKind::Address,
                    start: s,
                    len: e - s,
                });
            }
            search_from = byte_at + label.len();
        }
    }
    for m in &masked {
        for c in chars.iter_mut().skip(m.start).take(m.len) {
            *c = '*';
        }
    }
    masked.sort_by_key(|m| m.start);
    Redacted {
        text: chars.into_iter().collect(),
        masked,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn make_id(prov: u32, rest4: u32, y: u32, m: u32, d: u32, seq: u32) -> String {
        let first17 = format!("{prov:02}{rest4:04}{y:04}{m:02}{d:02}{seq:03}");
        let c = id_check_char(first17.as_bytes()).unwrap();
        format!("{first17}{c}")
    }

    fn make_credit(body: &str) -> String {
        let c = credit_check_char(body.as_bytes()).unwrap();
        format!("{body}{c}")
    }

    #[test]
    fn pub_4_known_values() {
        // A published sample ID number with a valid check digit.
        assert!(is_valid_id_number("11010519491231002X"));
        assert!(!is_valid_id_number("110105194912310021"));
        assert!(!is_valid_id_number("99010519491231002X"), "no province 99");
        // Valid as both: treated as an ID number.
        assert!(
            is_valid_credit_code("41179819770307451X") && is_valid_id_number("41179819770307451X")
        );
        assert_eq!(
            redact("41179819770307451X").masked[0].kind,
            MaskKind::IdNumber
        );
        assert!(is_valid_credit_code(&make_credit("91430100MA4L16JQ9")));
        assert!(!is_valid_credit_code("91430100MA4L16JQ90"));
    }

    #[test]
    fn pub_4_publication_text_masks_personal_data_and_keeps_credit_code() {
        let id = make_id(43, 181, 1985, 6, 15, 123);
        let code = make_credit("91430181MA4L16JQ9");
        let text = format!(
            "当事人张三（身份证号：{id}，手机 13812345678，住址：浏阳市集里街道某某路88号），浏阳某某有限公司（统一社会信用代码{code}），联系电话0731-83001234。"
        );
        let r = redact(&text);
        assert!(!r.text.contains(&id), "{}", r.text);
        assert!(!r.text.contains("13812345678"));
        assert!(!r.text.contains("83001234"));
        assert!(!r.text.contains("集里街道"));
        assert!(r.text.contains(&code), "credit code must stay: {}", r.text);
        assert!(r.text.contains("张三") && r.text.contains("浏阳某某有限公司"));
        let kinds: Vec<_> = r.masked.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            [
                MaskKind::IdNumber,
                MaskKind::Mobile,
                MaskKind::Address,
                MaskKind::Landline
            ]
        );
        assert_eq!(
            r.text.chars().count(),
            text.chars().count(),
            "lengths are kept"
        );
    }

    #[test]
    fn pub_4_spaced_and_prefixed_phones() {
        for t in [
            "电话 138 1234 5678",
            "+86 13812345678",
            "8613812345678",
            "电话：8300 1234",
            "tel 0731-8300-1234",
        ] {
            let r = redact(t);
            assert!(
                r.masked
                    .iter()
                    .any(|m| matches!(m.kind, MaskKind::Mobile | MaskKind::Landline)),
                "{t} → {}",
                r.text
            );
            assert!(!r.text.contains("1234"), "{t} → {}", r.text);
        }
    }

    #[test]
    fn pub_4_amounts_dates_and_case_numbers_stay() {
        let t = "罚款人民币5000元，2025年9月30日作出，案号浏市监罚〔2025〕123号，金额12345678元";
        assert_eq!(redact(t).text, t);
    }

    proptest! {
        #[test]
        fn pub_4_random_id_numbers_never_survive(
            prov in prop::sample::select(PROVINCES.to_vec()),
            rest in 0u32..10000, y in 1930u32..2020, m in 1u32..13, d in 1u32..29, seq in 0u32..1000,
            before in "[\\p{Han}，。 ]{0,20}", after in "[\\p{Han}，。 ]{0,20}",
        ) {
            let id = make_id(prov, rest, y, m, d, seq);
            let text = format!("{before}{id}{after}");
            let r = redact(&text);
            prop_assert!(!r.text.contains(&id));
            prop_assert!(!r.text.contains(&id[..10]));
            prop_assert!(r.masked.iter().any(|x| x.kind == MaskKind::IdNumber));
        }

        #[test]
        fn pub_4_random_mobiles_never_survive(
            second in 3u8..10, rest in 0u64..1_000_000_000,
            before in "[\\p{Han}：，]{0,10}", after in "[\\p{Han}。]{0,10}",
        ) {
            let mobile = format!("1{second}{rest:09}");
            let r = redact(&format!("{before}{mobile}{after}"));
            prop_assert!(!r.text.contains(&mobile));
        }

        #[test]
        fn pub_4_random_credit_codes_stay(
            first in prop::sample::select(vec!['1', '5', '9', 'Y']),
            kind in prop::sample::select(vec!['1', '2', '3', '9']),
            region in 110000u32..660000,
            org in "[0-9A-HJ-NPQRTUWXY]{8}",
            letter in "[A-HJ-NPQRTUWXY]",
            before in "[\\p{Han}，]{0,10}", after in "[\\p{Han}。]{0,10}",
        ) {
            let body = format!("{first}{kind}{region:06}{letter}{org}");
            let code = make_credit(&body);
            let text = format!("{before}统一社会信用代码{code}{after}");
            let r = redact(&text);
            prop_assert!(r.text.contains(&code), "{} → {}", text, r.text);
        }

        #[test]
        fn redaction_never_panics_and_keeps_length(text in "\\PC{0,200}") {
            let r = redact(&text);
            prop_assert_eq!(r.text.chars().count(), text.chars().count());
        }
    }
}
