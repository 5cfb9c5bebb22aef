use crate::text::nfkc_trimmed;

use super::IdentifierError;
use crate::macros::string_identifier;

/// An e-mail address (メールアドレス), checked for shape only: one `@`, a
/// non-empty local part, a domain of dot-separated labels with at least one
/// dot, no white space or control characters, at most 254 characters.
/// Whether it can receive mail is found out by sending to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Validates an e-mail address (full-width input is normalised, NFKC).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let err = |reason| IdentifierError::InvalidEmail {
            value: input.to_owned(),
            reason,
        };
        let s = nfkc_trimmed(input);
        if s.is_empty() {
            return Err(err("empty"));
        }
        if s.chars().count() > 254 {
            return Err(err("longer than 254 characters"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("contains white space or a control character"));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(err("no '@'"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(err("the part before '@' must be 1–64 characters"));
        }
        if domain.contains('@') {
            return Err(err("more than one '@'"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
        {
            return Err(err(
                "the domain must be dot-separated labels, e.g. city.example.lg.jp",
            ));
        }
        Ok(EmailAddress(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@` (ローカル部).
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(l, _)| l)
    }
}

string_identifier!(EmailAddress);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(EmailAddress::parse("kenko@city.example.lg.jp").is_ok());
        assert_eq!(
            EmailAddress::parse("hanako.sato@city.example.lg.jp")
                .map(|e| e.local_part().to_owned()),
            Ok("hanako.sato".into())
        );
        for bad in [
            "not-an-email",
            "a@b",
            "@x.jp",
            "a b@x.jp",
            "a@@x.jp",
            "a@x..jp",
            "a@-x.jp",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
