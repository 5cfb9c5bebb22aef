use chrono::{Datelike, NaiveDate};

use crate::text::{digit_values, nfkc, nfkc_trimmed};

use super::IdentifierError;
use crate::macros::string_identifier;

/// GTIN-13 or GTIN-14 (商品コード) of a vaccine package, with the GS1 mod-10
/// check digit. Full-width digits are accepted (NFKC).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gtin(String);

impl Gtin {
    /// Validates a GTIN-13 or GTIN-14.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let err = |reason| IdentifierError::InvalidGtin {
            value: input.to_owned(),
            reason,
        };
        let s = nfkc_trimmed(input);
        if !(s.len() == 13 || s.len() == 14) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("must be 13 or 14 digits"));
        }
        let (body, check) = s.split_at(s.len() - 1);
        if gs1_check_digit(body) != digit_values(check).sum::<u32>() {
            return Err(err("wrong check digit"));
        }
        Ok(Gtin(s))
    }

    /// The GTIN as digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GTIN as 14 digits (GTIN-13 with a leading zero), the form AI (01) carries.
    pub fn to_gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }
}

string_identifier!(Gtin);

/// GS1 mod-10: weights 3,1,3,… from the rightmost digit of the body.
fn gs1_check_digit(body: &str) -> u32 {
    let sum: u32 = digit_values(body)
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { d })
        .sum();
    (10 - sum % 10) % 10
}

/// The group separator (FNC1 in a raw scan).
const GS: char = '\u{1d}';

/// How the data of one application identifier is delimited.
#[derive(Clone, Copy)]
enum AiLength {
    Fixed(usize),
    Variable(usize),
}

/// The application identifiers read on vaccine labels, and their data lengths.
fn ai_length(ai: &str) -> Option<AiLength> {
    Some(match ai {
        "00" => AiLength::Fixed(18),
        "01" | "02" => AiLength::Fixed(14),
        "10" | "21" | "22" => AiLength::Variable(20),
        "11" | "12" | "13" | "15" | "16" | "17" => AiLength::Fixed(6),
        "20" => AiLength::Fixed(2),
        "30" | "37" => AiLength::Variable(8),
        _ => return None,
    })
}

/// GS1 element string from a vial or package label: AI (01) GTIN, (17)
/// expiry, (10) lot (and (21) serial when present).
///
/// Reads the human-readable bracketed form `(01)…(17)…(10)…` and the raw
/// scanner form, where variable-length data ends at the group separator
/// (U+001D, FNC1) or at the end; a leading symbology identifier (`]C1`,
/// `]d2`, `]Q3`, `]e0`) is skipped. Expiry `YYMMDD` takes its century
/// from the reading date by the window of the GS1 General Specifications
/// (§7.12): from 49 years before to 50 years after it ([`gs1_year`]); day
/// 00 means the last day of the month.
///
/// ```
/// use chrono::NaiveDate;
/// use sesshu_core::identifiers::Gs1ElementString;
/// let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
/// let e = Gs1ElementString::parse("(01)04987123456784(17)271231(10)AB12C", today).unwrap();
/// assert_eq!(e.lot.as_deref(), Some("AB12C"));
/// assert_eq!(e.expiry, NaiveDate::from_ymd_opt(2027, 12, 31));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Gs1ElementString {
    /// AI (01): the GTIN.
    pub gtin: Gtin,
    /// AI (17): expiry date (有効期限).
    pub expiry: Option<NaiveDate>,
    /// AI (10): lot number (ロット番号).
    pub lot: Option<String>,
    /// AI (21): serial number (シリアル番号).
    pub serial: Option<String>,
}

impl Gs1ElementString {
    /// Parses a bracketed or raw GS1 element string read on `today` (the
    /// date that resolves the expiry's century).
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, IdentifierError> {
        let err = |reason: String| IdentifierError::InvalidGs1 {
            value: input.to_owned(),
            reason,
        };
        let s = nfkc(input);
        let s = s.trim_matches(|c: char| c.is_whitespace());
        let pairs = if s.starts_with('(') {
            split_bracketed(s).map_err(err)?
        } else {
            split_raw(s).map_err(err)?
        };
        let mut gtin = None;
        let mut expiry = None;
        let mut lot = None;
        let mut serial = None;
        for (ai, data) in pairs {
            let slot_taken = match ai.as_str() {
                "01" => gtin.replace(Gtin::parse(&data)?).is_some(),
                "17" => expiry
                    .replace(
                        parse_yymmdd(&data, today)
                            .ok_or_else(|| err(format!("({ai}) {data:?} is not a date YYMMDD")))?,
                    )
                    .is_some(),
                "10" => lot.replace(check_cset82(&ai, data).map_err(err)?).is_some(),
                "21" => serial
                    .replace(check_cset82(&ai, data).map_err(err)?)
                    .is_some(),
                _ => false,
            };
            if slot_taken {
                return Err(err(format!("({ai}) appears twice")));
            }
        }
        let gtin = gtin.ok_or_else(|| err("no GTIN (01)".into()))?;
        Ok(Gs1ElementString {
            gtin,
            expiry,
            lot,
            serial,
        })
    }
}

/// Splits `(AI)data(AI)data…`.
fn split_bracketed(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let Some(after_open) = rest.strip_prefix('(') else {
            return Err(format!("expected '(' at {rest:?}"));
        };
        let (ai, after_ai) = after_open
            .split_once(')')
            .ok_or_else(|| "unclosed '('".to_owned())?;
        let len = ai_length(ai).ok_or_else(|| format!("unknown application identifier ({ai})"))?;
        let end = after_ai.find('(').unwrap_or(after_ai.len());
        let data = &after_ai[..end];
        check_length(ai, data, len)?;
        out.push((ai.to_owned(), data.to_owned()));
        rest = &after_ai[end..];
    }
    Ok(out)
}

/// Splits a raw scan: AI digits then data, variable data ended by GS.
fn split_raw(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut rest = s;
    for prefix in ["]C1", "]d2", "]Q3", "]e0"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
            break;
        }
    }
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches(GS);
        if rest.is_empty() {
            break;
        }
        let ai = rest
            .get(..2)
            .filter(|ai| ai.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("expected an application identifier at {rest:?}"))?;
        let len = ai_length(ai).ok_or_else(|| format!("unknown application identifier ({ai})"))?;
        let after = &rest[2..];
        let (data, next) = match len {
            AiLength::Fixed(n) => {
                let end = after.char_indices().nth(n).map_or(after.len(), |(i, _)| i);
                (&after[..end], &after[end..])
            }
            AiLength::Variable(_) => {
                let end = after.find(GS).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        check_length(ai, data, len)?;
        out.push((ai.to_owned(), data.to_owned()));
        rest = next;
    }
    Ok(out)
}

fn check_length(ai: &str, data: &str, len: AiLength) -> Result<(), String> {
    let n = data.chars().count();
    match len {
        AiLength::Fixed(want) if n != want || !data.bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("({ai}) must be {want} digits, got {data:?}"))
        }
        AiLength::Variable(max) if n == 0 || n > max => {
            Err(format!("({ai}) must be 1–{max} characters, got {n}"))
        }
        _ => Ok(()),
    }
}

/// GS1 character set 82, which lot and serial numbers use.
fn check_cset82(ai: &str, data: String) -> Result<String, String> {
    match data
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)))
    {
        Some(c) => Err(format!("({ai}) contains {c:?}, not a GS1 character")),
        None => Ok(data),
    }
}

/// The year of a two-digit GS1 year `yy` (0–99) read on `today`: GS1
/// General Specifications §7.12 — with `d = yy − (today's year mod 100)`,
/// a `d` of 51 to 99 is the previous century, −99 to −50 the next, any
/// other the current one. Read in 2026, 76 is 2076 and 77 is 1977; read in
/// 2090, 40 is 2140 and 41 is 2041.
pub fn gs1_year(yy: u32, today: NaiveDate) -> i32 {
    let current = today.year();
    let yy = i32::try_from(yy % 100).unwrap_or(0);
    let d = yy - current.rem_euclid(100);
    let year = current - current.rem_euclid(100) + yy;
    if d >= 51 {
        year - 100
    } else if d <= -50 {
        year + 100
    } else {
        year
    }
}

/// `YYMMDD` read on `today` ([`gs1_year`]); day 00 is the last day of the
/// month.
fn parse_yymmdd(data: &str, today: NaiveDate) -> Option<NaiveDate> {
    let n = |r: std::ops::Range<usize>| data.get(r)?.parse::<u32>().ok();
    let (yy, mm, dd) = (n(0..2)?, n(2..4)?, n(4..6)?);
    let year = gs1_year(yy, today);
    if dd == 0 {
        let first = NaiveDate::from_ymd_opt(year, mm, 1)?;
        let next = first.checked_add_months(chrono::Months::new(1))?;
        next.pred_opt()
    } else {
        NaiveDate::from_ymd_opt(year, mm, dd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins() {
        assert!(Gtin::parse("04987123456784").is_ok());
        assert!(Gtin::parse("4900000000016").is_ok());
        assert!(Gtin::parse("04987123456785").is_err());
        assert!(Gtin::parse("490000000001").is_err());
        assert_eq!(
            Gtin::parse("4900000000016").map(|g| g.to_gtin14()),
            Ok("04900000000016".into())
        );
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn gs1_century_window() {
        let on = |y| NaiveDate::from_ymd_opt(y, 6, 1).unwrap();
        assert_eq!(gs1_year(76, on(2026)), 2076);
        assert_eq!(gs1_year(77, on(2026)), 1977);
        assert_eq!(gs1_year(0, on(2026)), 2000);
        assert_eq!(gs1_year(99, on(2049)), 2099);
        assert_eq!(gs1_year(99, on(2048)), 1999);
        assert_eq!(gs1_year(40, on(2090)), 2140);
        assert_eq!(gs1_year(41, on(2090)), 2041);
        assert_eq!(gs1_year(42, on(2090)), 2042);
        assert_eq!(
            Gs1ElementString::parse("(01)04987123456784(17)770615", today()).map(|e| e.expiry),
            Ok(NaiveDate::from_ymd_opt(1977, 6, 15))
        );
        assert_eq!(
            Gs1ElementString::parse("(01)04987123456784(17)760615", today()).map(|e| e.expiry),
            Ok(NaiveDate::from_ymd_opt(2076, 6, 15))
        );
    }

    #[test]
    fn gs1_forms() {
        let raw = Gs1ElementString::parse("]d201049871234567841727060010LOT-9", today());
        assert_eq!(
            raw.as_ref().map(|e| e.lot.clone()),
            Ok(Some("LOT-9".into()))
        );
        let gs = Gs1ElementString::parse("010498712345678410X1\u{1d}17280229", today());
        assert_eq!(
            gs.map(|e| e.expiry),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29))
        );
        let day0 = Gs1ElementString::parse("(01)04987123456784(17)280200", today());
        assert_eq!(
            day0.map(|e| e.expiry),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29))
        );
        for bad in [
            "",
            "(17)271231",
            "(01)04987123456784(17)271332",
            "(99)1",
            "0104987",
        ] {
            assert!(Gs1ElementString::parse(bad, today()).is_err(), "{bad:?}");
        }
        assert_eq!(
            Gs1ElementString::parse("(01)04987123456780(17)271231(10)A", today())
                .map_err(|e| e.code()),
            Err("invalid_gtin")
        );
    }
}
