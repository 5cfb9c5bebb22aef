use crate::text::{digit_values, is_digits, nfkc_trimmed};

use super::IdentifierError;
use crate::macros::string_identifier;

/// 全国地方公共団体コード: the six-digit local government code of a
/// municipality (市区町村) or wide-area union (広域連合).
///
/// Two digits of prefecture (01–47), three of the body, and a check digit:
/// `s = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5`, `check = (11 − s mod 11) mod 10`.
/// Full-width digits are accepted (NFKC).
///
/// ```
/// use sesshu_core::identifiers::MunicipalityCode;
/// assert_eq!(MunicipalityCode::parse("１３１０１６").unwrap().as_str(), "131016");
/// assert_eq!(MunicipalityCode::parse("131017").unwrap_err().code(), "invalid_municipality_code");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MunicipalityCode([u8; 6]);

impl MunicipalityCode {
    /// Validates a local government code.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let err = |reason| IdentifierError::InvalidMunicipalityCode {
            value: input.to_owned(),
            reason,
        };
        let s = nfkc_trimmed(input);
        if !is_digits(&s, 6) {
            return Err(err("must be 6 digits"));
        }
        let d: Vec<u32> = digit_values(&s).collect();
        let prefecture = d[0] * 10 + d[1];
        if !(1..=47).contains(&prefecture) {
            return Err(err("the prefecture (first two digits) must be 01–47"));
        }
        if Self::check_digit(&d[..5]) != d[5] {
            return Err(err("wrong check digit"));
        }
        let mut bytes = [0u8; 6];
        bytes.copy_from_slice(s.as_bytes());
        Ok(MunicipalityCode(bytes))
    }

    /// The check digit of the first five digits.
    fn check_digit(first_five: &[u32]) -> u32 {
        let s: u32 = first_five
            .iter()
            .zip([6, 5, 4, 3, 2])
            .map(|(d, w)| d * w)
            .sum();
        (11 - s % 11) % 10
    }

    /// The code as six ASCII digits.
    pub fn as_str(&self) -> &str {
        // Only ever built from six ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The prefecture number (1–47).
    pub fn prefecture(&self) -> u8 {
        (self.0[0] - b'0') * 10 + (self.0[1] - b'0')
    }
}

string_identifier!(MunicipalityCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        for ok in ["131016", "011002", "131041", "131130", "141003", "271004"] {
            assert_eq!(
                MunicipalityCode::parse(ok).map(|c| c.to_string()),
                Ok(ok.into())
            );
        }
        for bad in [
            "", "13101", "1310160", "13101A", "131017", "000001", "481000",
        ] {
            assert_eq!(
                MunicipalityCode::parse(bad).map_err(|e| e.code()),
                Err("invalid_municipality_code"),
                "{bad}"
            );
        }
    }
}
