//! Persons subject to vaccination (接種対象者) and their attributes.

use chrono::NaiveDate;
use thiserror::Error;

use crate::identifiers::{ManagementId, SubjectNumber};
use crate::macros::named_enum;
use crate::residency::ResidencyHistory;
use crate::text::nfkc_trimmed;

/// Why a person's attributes were refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PersonError {
    /// Not `male`, `female` or `unspecified`.
    #[error("unknown sex {value:?}: expected male, female or unspecified")]
    InvalidSex {
        /// The value as given.
        value: String,
    },
    /// A name in kanji that is empty, too long or has control characters.
    #[error("invalid name (氏名): {reason}")]
    InvalidName {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A kana name with a character that is not katakana, hiragana or a space.
    #[error("invalid kana name (カナ氏名): {reason}")]
    InvalidKanaName {
        /// What is wrong with it, naming the character.
        reason: String,
    },
    /// A birth date (生年月日) after today or before 1873-01-01.
    #[error("birth date (生年月日) {date} is not between 1873-01-01 and today ({today})")]
    BirthDateOutOfRange {
        /// The date as given.
        date: NaiveDate,
        /// Today (JST) by the store's clock.
        today: NaiveDate,
    },
}

impl PersonError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PersonError::InvalidSex { .. } => "invalid_sex",
            PersonError::InvalidName { .. } => "invalid_name",
            PersonError::InvalidKanaName { .. } => "invalid_kana_name",
            PersonError::BirthDateOutOfRange { .. } => "birth_date_out_of_range",
        }
    }
}

named_enum! {
    /// 性別 as recorded.
    pub enum Sex {
        /// 男.
        Male = "male",
        /// 女.
        Female = "female",
        /// 不明・未記載.
        Unspecified = "unspecified",
    }
    unknown: PersonError = |v| PersonError::InvalidSex { value: v.to_owned() };
}

/// 生年月日: a person is born by `today` (JST, the store's clock) and not
/// before 1873-01-01, the first day a certificate can write in 和暦
/// ([`crate::calendar::first_wareki_date`]).
pub fn check_birth_date(date: NaiveDate, today: NaiveDate) -> Result<(), PersonError> {
    if date > today || date < crate::calendar::first_wareki_date() {
        return Err(PersonError::BirthDateOutOfRange { date, today });
    }
    Ok(())
}

/// 氏名: a person's name as written (kanji and kana allowed), NFKC, trimmed,
/// 1–100 characters, no control characters nor byte-order mark.
pub fn normalise_name(input: &str) -> Result<String, PersonError> {
    let s = nfkc_trimmed(input);
    if s.is_empty() {
        return Err(PersonError::InvalidName { reason: "empty" });
    }
    if s.chars().count() > 100 {
        return Err(PersonError::InvalidName {
            reason: "longer than 100 characters",
        });
    }
    if s.chars().any(char::is_control) {
        return Err(PersonError::InvalidName {
            reason: "contains a control character",
        });
    }
    // NFKC keeps U+FEFF; a name would print with an invisible character
    // and never match a search for it.
    if s.contains('\u{feff}') {
        return Err(PersonError::InvalidName {
            reason: "contains a byte-order mark (U+FEFF)",
        });
    }
    Ok(s)
}

/// カナ氏名: full-width katakana with single spaces. Half-width katakana
/// (NFKC) and hiragana are converted; runs of spaces fold to one.
pub fn normalise_kana(input: &str) -> Result<String, PersonError> {
    let s = nfkc_trimmed(input);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let k = match c {
            // Hiragana ぁ–ゖ to katakana ァ–ヶ.
            '\u{3041}'..='\u{3096}' => char::from_u32(u32::from(c) + 0x60).unwrap_or(c),
            _ => c,
        };
        match k {
            '\u{30A1}'..='\u{30FA}' | 'ー' | '・' => out.push(k),
            ' ' | '\u{3000}' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ => {
                return Err(PersonError::InvalidKanaName {
                    reason: format!("character {c:?} is not kana"),
                })
            }
        }
    }
    let out = out.trim_end().to_owned();
    if out.is_empty() {
        return Err(PersonError::InvalidKanaName {
            reason: "empty".into(),
        });
    }
    Ok(out)
}

/// A person subject to vaccination, with their residency history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// 予防接種管理番号: the key.
    pub management_id: ManagementId,
    /// 予防接種対象者番号.
    pub subject_number: SubjectNumber,
    /// 氏名 (normalised with [`normalise_name`]).
    pub name: String,
    /// カナ氏名 (normalised with [`normalise_kana`]).
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: NaiveDate,
    /// 性別.
    pub sex: Sex,
    /// The portal pseudonym (PMH key) that maps to this person, if linked.
    pub pmh_key: Option<String>,
    /// 住民記録の異動履歴.
    pub residency: ResidencyHistory,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana() {
        assert_eq!(normalise_kana("やまだ　たろう"), Ok("ヤマダ タロウ".into()));
        assert_eq!(normalise_kana("ﾔﾏﾀﾞ  ﾀﾛｳ"), Ok("ヤマダ タロウ".into()));
        assert!(normalise_kana("山田").is_err());
        assert!(normalise_kana("  ").is_err());
        assert!(normalise_name("山田\u{7}").is_err());
        assert_eq!(
            normalise_name("山田\u{feff}花子"),
            Err(PersonError::InvalidName {
                reason: "contains a byte-order mark (U+FEFF)"
            })
        );
        assert_eq!(normalise_name(" 𠮷田 花子 "), Ok("𠮷田 花子".into()));
    }

    #[test]
    fn birth_date_between_meiji_6_and_today() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let today = d(2026, 12, 3);
        assert_eq!(check_birth_date(today, today), Ok(()));
        assert_eq!(check_birth_date(d(1873, 1, 1), today), Ok(()));
        let err = check_birth_date(d(2026, 12, 4), today).unwrap_err();
        assert_eq!(err.code(), "birth_date_out_of_range");
        assert!(err.to_string().contains("2026-12-04"), "{err}");
        assert!(check_birth_date(d(1872, 12, 31), today).is_err());
        assert!(check_birth_date(d(3000, 1, 1), today).is_err());
    }
}
