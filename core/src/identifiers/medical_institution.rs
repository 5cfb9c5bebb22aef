use crate::text::{digit_values, is_digits, nfkc_trimmed};

use super::IdentifierError;
use crate::macros::string_identifier;

/// 点数表番号: which fee schedule a medical institution code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScoreTable {
    /// 1: 医科 (medical).
    Medical,
    /// 3: 歯科 (dental).
    Dental,
    /// 4: 調剤 (pharmacy).
    Pharmacy,
    /// 6: 訪問看護 (home nursing).
    HomeNursing,
}

/// 医療機関コード: the ten-digit medical institution code.
///
/// Prefecture 01–47 (2 digits), score table 1/3/4/6 (1), district (2),
/// number (4) and a check digit: Luhn over the first nine (weights 2,1 from
/// the right, digit sums; `check = (10 − sum mod 10) mod 10`). Full-width
/// digits are accepted (NFKC).
///
/// ```
/// use sesshu_core::identifiers::MedicalInstitutionCode;
/// assert!(MedicalInstitutionCode::parse("0110113719").is_ok());
/// assert!(MedicalInstitutionCode::parse("0110113718").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MedicalInstitutionCode([u8; 10]);

impl MedicalInstitutionCode {
    /// Validates a medical institution code.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let err = |reason| IdentifierError::InvalidMedicalInstitutionCode {
            value: input.to_owned(),
            reason,
        };
        let s = nfkc_trimmed(input);
        if !is_digits(&s, 10) {
            return Err(err("must be 10 digits"));
        }
        let d: Vec<u32> = digit_values(&s).collect();
        let prefecture = d[0] * 10 + d[1];
        if !(1..=47).contains(&prefecture) {
            return Err(err("the prefecture (first two digits) must be 01–47"));
        }
        if score_table(d[2]).is_none() {
            return Err(err(
                "the score table (third digit) must be 1 (medical), 3 (dental), 4 (pharmacy) or 6 (home nursing)",
            ));
        }
        if luhn_check_digit(&d[..9]) != d[9] {
            return Err(err("wrong check digit"));
        }
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(s.as_bytes());
        Ok(MedicalInstitutionCode(bytes))
    }

    /// The code as ten ASCII digits.
    pub fn as_str(&self) -> &str {
        // Only ever built from ten ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The prefecture number (1–47).
    pub fn prefecture(&self) -> u8 {
        (self.0[0] - b'0') * 10 + (self.0[1] - b'0')
    }

    /// The fee schedule (点数表) the institution belongs to.
    pub fn score_table(&self) -> ScoreTable {
        score_table(u32::from(self.0[2] - b'0')).unwrap_or(ScoreTable::Medical)
    }
}

fn score_table(digit: u32) -> Option<ScoreTable> {
    match digit {
        1 => Some(ScoreTable::Medical),
        3 => Some(ScoreTable::Dental),
        4 => Some(ScoreTable::Pharmacy),
        6 => Some(ScoreTable::HomeNursing),
        _ => None,
    }
}

/// Luhn check digit: weights 2,1,2,… from the rightmost digit, digit sums.
fn luhn_check_digit(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let p = d * 2;
                p / 10 + p % 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

string_identifier!(MedicalInstitutionCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples() {
        for ok in [
            "0110113719",
            "1311234502",
            "2711234563",
            "１３１１２３４５０２",
        ] {
            assert!(MedicalInstitutionCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "0110113718",
            "011011371",
            "4811234568",
            "0120113719",
            "abcdefghij",
        ] {
            assert_eq!(
                MedicalInstitutionCode::parse(bad).map_err(|e| e.code()),
                Err("invalid_medical_institution_code"),
                "{bad}"
            );
        }
    }
}
