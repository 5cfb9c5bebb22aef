use std::collections::{BTreeMap, BTreeSet};

use crate::text::{is_digits, nfkc_trimmed};

use super::IdentifierError;
use crate::macros::string_identifier;

/// 金融機関コード: the four-digit bank code of the Zengin network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BankCode([u8; 4]);

/// 支店コード: the three-digit branch code of a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BranchCode([u8; 3]);

/// Parses `len` digits (full-width accepted) into a fixed byte array.
fn fixed_digits<const N: usize>(input: &str) -> Option<[u8; N]> {
    let s = nfkc_trimmed(input);
    if !is_digits(&s, N) {
        return None;
    }
    let mut out = [0u8; N];
    out.copy_from_slice(s.as_bytes());
    Some(out)
}

impl BankCode {
    /// Validates a bank code's form (existence is [`ZenginDirectory::check`]).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        fixed_digits(input)
            .map(BankCode)
            .ok_or_else(|| IdentifierError::InvalidBankCode {
                value: input.to_owned(),
            })
    }

    /// The code as four ASCII digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl BranchCode {
    /// Validates a branch code's form (existence is [`ZenginDirectory::check`]).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        fixed_digits(input)
            .map(BranchCode)
            .ok_or_else(|| IdentifierError::InvalidBranchCode {
                value: input.to_owned(),
            })
    }

    /// The code as three ASCII digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

string_identifier!(BankCode);
string_identifier!(BranchCode);

/// The zengin code-check master (全銀協コードチェックマスタ): which bank and
/// branch codes exist. Implemented by [`ZenginMaster`] in memory and by the
/// storage adapters.
pub trait ZenginDirectory {
    /// Whether the bank exists.
    fn contains_bank(&self, bank: &BankCode) -> bool;
    /// Whether the branch exists at that bank.
    fn contains_branch(&self, bank: &BankCode, branch: &BranchCode) -> bool;

    /// The zengin check: `unknown_bank_code`, then `unknown_branch_code`.
    fn check(&self, bank: &BankCode, branch: &BranchCode) -> Result<(), IdentifierError> {
        if !self.contains_bank(bank) {
            return Err(IdentifierError::UnknownBankCode {
                bank: bank.to_string(),
            });
        }
        if !self.contains_branch(bank, branch) {
            return Err(IdentifierError::UnknownBranchCode {
                bank: bank.to_string(),
                branch: branch.to_string(),
            });
        }
        Ok(())
    }
}

/// An in-memory zengin master: banks and their branches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZenginMaster {
    banks: BTreeMap<BankCode, BTreeSet<BranchCode>>,
}

impl ZenginMaster {
    /// An empty master.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one branch (and its bank).
    pub fn insert(&mut self, bank: BankCode, branch: BranchCode) {
        self.banks.entry(bank).or_default().insert(branch);
    }

    /// Adds a bank (with no branch yet).
    pub fn insert_bank(&mut self, bank: BankCode) {
        self.banks.entry(bank).or_default();
    }

    /// Number of branches in the master.
    pub fn branch_count(&self) -> usize {
        self.banks.values().map(BTreeSet::len).sum()
    }
}

impl FromIterator<(BankCode, BranchCode)> for ZenginMaster {
    fn from_iter<I: IntoIterator<Item = (BankCode, BranchCode)>>(iter: I) -> Self {
        let mut m = ZenginMaster::new();
        for (bank, branch) in iter {
            m.insert(bank, branch);
        }
        m
    }
}

impl ZenginDirectory for ZenginMaster {
    fn contains_bank(&self, bank: &BankCode) -> bool {
        self.banks.contains_key(bank)
    }
    fn contains_branch(&self, bank: &BankCode, branch: &BranchCode) -> bool {
        self.banks.get(bank).is_some_and(|b| b.contains(branch))
    }
}

/// 口座番号: a seven-digit account number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountNumber([u8; 7]);

impl AccountNumber {
    /// Validates exactly seven digits (full-width accepted).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        fixed_digits(input).map(AccountNumber).ok_or_else(|| {
            IdentifierError::InvalidAccountNumber {
                value: input.to_owned(),
                reason: "must be 7 digits",
            }
        })
    }

    /// Validates one to seven digits and left-pads with zeros: only when the
    /// caller asks for it, since a short number is usually a typing error.
    pub fn parse_padded(input: &str) -> Result<Self, IdentifierError> {
        let s = nfkc_trimmed(input);
        if s.is_empty() || s.len() > 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentifierError::InvalidAccountNumber {
                value: input.to_owned(),
                reason: "must be 1–7 digits",
            });
        }
        Self::parse(&format!("{s:0>7}"))
    }

    /// The number as seven ASCII digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

string_identifier!(AccountNumber);

/// Which characters an account holder name may contain besides half-width
/// katakana, A–Z, 0–9 and space. Banks differ on the symbols they accept,
/// so this is configuration; [`Default`] is the SPEC's set `( ) . - / ,`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HolderNameRules {
    /// The symbols accepted, as a string of ASCII characters.
    pub symbols: String,
    /// The longest name accepted, in characters after conversion.
    pub max_chars: usize,
}

impl Default for HolderNameRules {
    fn default() -> Self {
        HolderNameRules {
            symbols: "().-/,".to_owned(),
            max_chars: 30,
        }
    }
}

/// 口座名義: an account holder name in zengin characters.
///
/// Conversion (never NFKC, which would turn half-width kana full-width):
/// full-width katakana become half-width (濁点・半濁点 as separate ﾞ ﾟ),
/// small kana become large (ｯ→ﾂ), ー and ｰ become `-`, full-width digits,
/// letters, symbols and space become half-width, Latin letters upper case.
/// Then only ｦ–ﾝ, ﾞ, ﾟ, A–Z, 0–9, space and the configured symbols remain
/// allowed; anything else is an error naming the character.
///
/// ```
/// use sesshu_core::identifiers::AccountHolderName;
/// let n = AccountHolderName::parse("カ）メディカルクリニック").unwrap();
/// assert_eq!(n.as_str(), "ｶ)ﾒﾃﾞｲｶﾙｸﾘﾆﾂｸ");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountHolderName(String);

const FULL_KANA: &str =
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
const HALF_KANA: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ";

/// Small kana (full- and half-width) and their large forms.
fn enlarge(c: char) -> char {
    const SMALL: &str = "ァィゥェォッャュョヮヵヶｧｨｩｪｫｯｬｭｮ";
    const LARGE: &str = "アイウエオツヤユヨワカケｱｲｳｴｵﾂﾔﾕﾖ";
    SMALL
        .chars()
        .position(|s| s == c)
        .and_then(|i| LARGE.chars().nth(i))
        .unwrap_or(c)
}

/// A full-width katakana without marks to its half-width form.
fn halve_kana(c: char) -> Option<char> {
    FULL_KANA
        .chars()
        .position(|f| f == c)
        .and_then(|i| HALF_KANA.chars().nth(i))
}

/// One input character to its zengin form (one or two characters), or `None`
/// when it has none.
fn to_zengin(c: char, out: &mut String) -> bool {
    use unicode_normalization::char::decompose_canonical;
    match c {
        '\u{30A1}'..='\u{30FA}' => {
            let mut ok = true;
            decompose_canonical(c, |part| match part {
                '\u{3099}' => out.push('ﾞ'),
                '\u{309A}' => out.push('ﾟ'),
                base => match halve_kana(enlarge(base)) {
                    Some(h) => out.push(h),
                    None => ok = false,
                },
            });
            ok
        }
        'ー' | 'ｰ' | '－' => {
            out.push('-');
            true
        }
        '゛' => {
            out.push('ﾞ');
            true
        }
        '゜' => {
            out.push('ﾟ');
            true
        }
        '\u{3000}' => {
            out.push(' ');
            true
        }
        '\u{FF01}'..='\u{FF5E}' => match char::from_u32(u32::from(c) - 0xFEE0) {
            Some(a) => {
                out.push(a.to_ascii_uppercase());
                true
            }
            None => false,
        },
        '\u{FF66}'..='\u{FF9F}' => {
            out.push(enlarge(c));
            true
        }
        c if c.is_ascii() => {
            out.push(c.to_ascii_uppercase());
            true
        }
        _ => false,
    }
}

impl AccountHolderName {
    /// Converts and validates with the default rules.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        Self::parse_with(input, &HolderNameRules::default())
    }

    /// Converts and validates with the given rules.
    pub fn parse_with(input: &str, rules: &HolderNameRules) -> Result<Self, IdentifierError> {
        let err = |reason: String| IdentifierError::InvalidHolderName {
            value: input.to_owned(),
            reason,
        };
        let mut out = String::with_capacity(input.len());
        for (i, c) in input.chars().enumerate() {
            let start = out.len();
            let converted = to_zengin(c, &mut out);
            let allowed = converted
                && out[start..].chars().all(|z| {
                    matches!(z, '\u{FF66}'..='\u{FF6F}' | '\u{FF71}'..='\u{FF9F}')
                        || z.is_ascii_uppercase()
                        || z.is_ascii_digit()
                        || z == ' '
                        || rules.symbols.contains(z)
                });
            if !allowed {
                return Err(err(format!(
                    "character {c:?} (U+{:04X}) at position {} is not a zengin character",
                    u32::from(c),
                    i + 1
                )));
            }
        }
        let name = out.trim_matches(' ').to_owned();
        let len = name.chars().count();
        if len == 0 {
            return Err(err("empty".into()));
        }
        if len > rules.max_chars {
            return Err(err(format!(
                "{len} characters after conversion; at most {} allowed",
                rules.max_chars
            )));
        }
        Ok(AccountHolderName(name))
    }

    /// The name in zengin characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_identifier!(AccountHolderName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_names() {
        let ok = |s: &str| AccountHolderName::parse(s).map(|n| n.to_string());
        assert_eq!(ok("ｲﾘﾖｳﾎｳｼﾞﾝ ｻｸﾗｶｲ"), Ok("ｲﾘﾖｳﾎｳｼﾞﾝ ｻｸﾗｶｲ".into()));
        assert_eq!(ok("カ）メディカルクリニック"), Ok("ｶ)ﾒﾃﾞｲｶﾙｸﾘﾆﾂｸ".into()));
        assert_eq!(ok("ヴィーナス"), Ok("ｳﾞｲ-ﾅｽ".into()));
        assert_eq!(ok("ﾊﾟｰｸ　ｃｌｉｎｉｃ"), Ok("ﾊﾟ-ｸ CLINIC".into()));
        assert_eq!(ok("ｼｬｯﾌﾟ"), Ok("ｼﾔﾂﾌﾟ".into()));
        for bad in ["山田医院", "", "   ", "やまだ", "ｱ@ｲ", &"ｱ".repeat(31)] {
            assert_eq!(
                AccountHolderName::parse(bad).map_err(|e| e.code()),
                Err("invalid_holder_name"),
                "{bad}"
            );
        }
        let strict = HolderNameRules {
            symbols: "().".into(),
            max_chars: 30,
        };
        assert!(AccountHolderName::parse_with("ｶ)ﾔﾏﾀﾞ/ｲｲﾝ", &strict).is_err());
    }

    #[test]
    fn numbers_and_codes() {
        assert!(AccountNumber::parse("1234567").is_ok());
        assert!(AccountNumber::parse("123456").is_err());
        assert_eq!(
            AccountNumber::parse_padded("12345").map(|n| n.to_string()),
            Ok("0012345".into())
        );
        assert!(BankCode::parse("0005").is_ok());
        assert!(BankCode::parse("005").is_err());
        assert!(BranchCode::parse("123").is_ok());
        let master: ZenginMaster = [(
            BankCode::parse("0005").unwrap_or(BankCode(*b"0000")),
            BranchCode::parse("123").unwrap_or(BranchCode(*b"000")),
        )]
        .into_iter()
        .collect();
        let b = |s| BankCode::parse(s).unwrap_or(BankCode(*b"9999"));
        let br = |s| BranchCode::parse(s).unwrap_or(BranchCode(*b"999"));
        assert_eq!(master.check(&b("0005"), &br("123")), Ok(()));
        assert_eq!(
            master.check(&b("0001"), &br("123")).map_err(|e| e.code()),
            Err("unknown_bank_code")
        );
        assert_eq!(
            master.check(&b("0005"), &br("124")).map_err(|e| e.code()),
            Err("unknown_branch_code")
        );
    }
}
