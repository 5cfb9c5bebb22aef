use crate::text::nfkc_trimmed;

use super::IdentifierError;
use crate::macros::string_identifier;

/// Passport number (旅券番号) for form 3: NFKC, upper case, 1–20 of A–Z and 0–9.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PassportNumber(String);

impl PassportNumber {
    /// Normalises and validates a passport number.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let s = nfkc_trimmed(input).to_uppercase();
        if s.is_empty() || s.chars().count() > 20 {
            return Err(IdentifierError::InvalidPassportNumber {
                reason: "must be 1–20 characters",
            });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(IdentifierError::InvalidPassportNumber {
                reason: "only A–Z and 0–9 are allowed",
            });
        }
        Ok(PassportNumber(s))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Passport numbers are personal data: `Debug` shows only the length.
impl std::fmt::Debug for PassportNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PassportNumber(<{} characters>)", self.0.len())
    }
}

string_identifier!(PassportNumber);

/// The officially assigned ISO 3166-1 alpha-3 codes, sorted.
const ISO_3166_ALPHA3: [&str; 249] = [
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// Nationality or region (国籍・地域) for form 3: an ISO 3166-1 alpha-3 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nationality([u8; 3]);

impl Nationality {
    /// Normalises (NFKC, upper case) and validates a country code.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let s = nfkc_trimmed(input).to_uppercase();
        match ISO_3166_ALPHA3.binary_search(&s.as_str()) {
            Ok(_) => {
                let mut b = [0u8; 3];
                b.copy_from_slice(s.as_bytes());
                Ok(Nationality(b))
            }
            Err(_) => Err(IdentifierError::InvalidNationality {
                value: input.to_owned(),
            }),
        }
    }

    /// The code as three upper-case letters.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Every code accepted, sorted.
    pub fn all_codes() -> &'static [&'static str] {
        &ISO_3166_ALPHA3
    }
}

string_identifier!(Nationality);

/// Name in Roman letters (ローマ字氏名) as in the passport, for form 3:
/// NFKC, upper case, A–Z, space, apostrophe and hyphen; runs of spaces folded,
/// trimmed, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RomanName(String);

impl RomanName {
    /// Normalises and validates a Roman-letter name.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let upper = nfkc_trimmed(input).to_uppercase();
        if let Some(c) = upper
            .chars()
            .find(|&c| !(c.is_ascii_uppercase() || c == ' ' || c == '\'' || c == '-'))
        {
            return Err(IdentifierError::InvalidRomanName {
                reason: format!("character {c:?} is not allowed (A–Z, space, ' and - only)"),
            });
        }
        let folded = upper
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let len = folded.chars().count();
        if len == 0 {
            return Err(IdentifierError::InvalidRomanName {
                reason: "empty".into(),
            });
        }
        if len > 64 {
            return Err(IdentifierError::InvalidRomanName {
                reason: format!("{len} characters; at most 64 allowed"),
            });
        }
        Ok(RomanName(folded))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_identifier!(RomanName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha3_list_is_sorted_and_complete() {
        assert!(ISO_3166_ALPHA3.windows(2).all(|w| w[0] < w[1]));
        for ok in ["JPN", "usa", "ＧＢＲ", "TWN", "PSE"] {
            assert!(Nationality::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["JP", "ZZZ", "XKX", "", "JAPAN"] {
            assert!(Nationality::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passport_and_name() {
        assert_eq!(
            PassportNumber::parse("ｔｋ１２３４５６７").map(|p| p.to_string()),
            Ok("TK1234567".into())
        );
        assert!(PassportNumber::parse("TK-1234567").is_err());
        assert!(!format!("{:?}", PassportNumber::parse("TK1234567")).contains("1234567"));
        assert_eq!(
            RomanName::parse("  o'brien-smith   mary ").map(|n| n.to_string()),
            Ok("O'BRIEN-SMITH MARY".into())
        );
        assert!(RomanName::parse("山田 太郎").is_err());
        assert!(RomanName::parse(&"A".repeat(65)).is_err());
    }
}
