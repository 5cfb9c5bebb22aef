//! A master's rows: read from text by the master's declaration, dated by
//! their validity period, and looked up as of a day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Column, ColumnType, MasterError, MasterKind};
use crate::identifiers::{Gtin, MedicalInstitutionCode, MunicipalityCode};
use crate::text::{is_digits, nfkc_trimmed};

/// A checked value of a column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// Text, a code or a choice, normalised (NFKC, trimmed).
    Text(String),
    /// An integer.
    Integer(i64),
    /// Yen, whole and non-negative.
    Yen(Decimal),
    /// A date.
    Date(NaiveDate),
    /// A flag.
    Flag(bool),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(t) => f.write_str(t),
            Value::Integer(n) => write!(f, "{n}"),
            Value::Yen(y) => write!(f, "{y}"),
            Value::Date(d) => f.write_str(&crate::calendar::date_text(*d)),
            Value::Flag(b) => f.write_str(if *b { "1" } else { "0" }),
        }
    }
}

/// A value is stored and exchanged as its text (the form a file holds).
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One row of a master, one version of it: its values and the days it
/// is valid, `[valid_from, valid_to)` (`valid_to` absent: until further
/// notice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterRow {
    /// Its master.
    pub kind: &'static MasterKind,
    /// The values given, by column name (an empty optional column is absent).
    pub values: BTreeMap<&'static str, Value>,
    /// 適用開始日.
    pub valid_from: NaiveDate,
    /// 適用終了日: the first day no longer valid.
    pub valid_to: Option<NaiveDate>,
}

impl MasterRow {
    /// The values of the key columns, in key order.
    pub fn key(&self) -> Vec<Option<&Value>> {
        self.kind.key.iter().map(|k| self.values.get(k)).collect()
    }

    /// The key shown to people (`column=value, …`).
    pub fn key_text(&self) -> String {
        self.kind
            .key
            .iter()
            .map(|k| {
                let v = self.values.get(k).map(ToString::to_string);
                format!("{k}={}", v.unwrap_or_default())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The key as stored: the key columns' texts joined by U+001F (which
    /// no value holds), so that keys order as their columns do.
    pub fn key_id(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (i, k) in self.kind.key.iter().enumerate() {
            if i > 0 {
                out.push('\u{1f}');
            }
            match self.values.get(k) {
                Some(Value::Text(t)) => out.push_str(t),
                Some(v) => {
                    let _ = write!(out, "{v}");
                }
                None => {}
            }
        }
        out
    }

    /// The row as a file holds it: every column's text (empty when
    /// absent), in the master's file order ([`MasterKind::file_columns`]).
    pub fn fields(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .kind
            .columns
            .iter()
            .map(|c| {
                self.values
                    .get(c.name)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        out.push(crate::calendar::date_text(self.valid_from));
        out.push(
            self.valid_to
                .map(crate::calendar::date_text)
                .unwrap_or_default(),
        );
        out
    }

    /// The organisation that owns the row, for a master owned per
    /// organisation: the municipality, institution or federation its key
    /// names.
    /// `None` for the masters one organisation type owns whole (MHLW's,
    /// the central association's).
    pub fn owner(&self) -> Option<&str> {
        self.kind
            .owner_column()
            .and_then(|c| match self.values.get(c.name) {
                Some(Value::Text(t)) => Some(t.as_str()),
                _ => None,
            })
    }

    /// Whether the row is valid on `day`.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day < to)
    }
}

impl MasterKind {
    /// Reads one row from `(column, text)` pairs, as a file or a screen
    /// gives them: every column checked by its type (an empty text is an
    /// absent value), required columns present, `valid_from` required and
    /// `valid_to` after it. The first refusal names its column.
    pub fn parse_row(&'static self, fields: &[(&str, &str)]) -> Result<MasterRow, MasterError> {
        let mut values = BTreeMap::new();
        let (mut valid_from, mut valid_to) = (None, None);
        for &(name, text) in fields {
            let text = nfkc_trimmed(text);
            match name {
                "valid_from" | "valid_to" => {
                    if text.is_empty() {
                        continue;
                    }
                    let day = crate::calendar::parse_date(&text).map_err(|e| {
                        MasterError::InvalidValue {
                            kind: self.name,
                            column: if name == "valid_from" {
                                "valid_from"
                            } else {
                                "valid_to"
                            },
                            value: text.clone(),
                            reason: e.to_string(),
                        }
                    })?;
                    if name == "valid_from" {
                        valid_from = Some(day);
                    } else {
                        valid_to = Some(day);
                    }
                }
                _ => {
                    let column = self
                        .column(name)
                        .ok_or_else(|| MasterError::UnknownColumn {
                            kind: self.name,
                            column: name.to_owned(),
                        })?;
                    if !text.is_empty() {
                        values.insert(column.name, self.read(column, text)?);
                    }
                }
            }
        }
        if let Some(c) = self
            .columns
            .iter()
            .find(|c| c.required && !values.contains_key(c.name))
        {
            return Err(MasterError::Missing {
                kind: self.name,
                column: c.name,
                label: c.label,
            });
        }
        let valid_from = valid_from.ok_or(MasterError::Missing {
            kind: self.name,
            column: "valid_from",
            label: "適用開始日",
        })?;
        if let Some(to) = valid_to.filter(|to| *to <= valid_from) {
            return Err(MasterError::InvalidPeriod {
                kind: self.name,
                from: valid_from,
                to,
            });
        }
        Ok(MasterRow {
            kind: self,
            values,
            valid_from,
            valid_to,
        })
    }

    fn read(&self, column: &'static Column, text: String) -> Result<Value, MasterError> {
        let refuse = |text: &str, reason: String| MasterError::InvalidValue {
            kind: self.name,
            column: column.name,
            value: text.to_owned(),
            reason,
        };
        match column.ty {
            ColumnType::Text { max } => {
                if text.chars().count() > max {
                    return Err(refuse(&text, format!("is longer than {max} characters")));
                }
                if text.chars().any(char::is_control) {
                    return Err(refuse(&text, "holds a control character".into()));
                }
                Ok(Value::Text(text))
            }
            ColumnType::Key { max } => {
                let ok = text.chars().count() <= max
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if ok {
                    Ok(Value::Text(text))
                } else {
                    Err(refuse(
                        &text,
                        format!("is not a code of 1 to {max} letters, digits, '-' or '_'"),
                    ))
                }
            }
            ColumnType::Digits { len } if is_digits(&text, len) => Ok(Value::Text(text)),
            ColumnType::Digits { len } => Err(refuse(&text, format!("is not {len} digits"))),
            ColumnType::Integer { min, max } => match text.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Value::Integer(n)),
                _ => Err(refuse(
                    &text,
                    format!("is not an integer from {min} to {max}"),
                )),
            },
            ColumnType::Yen => match text.parse::<Decimal>() {
                Ok(y) if y >= Decimal::ZERO && y.fract().is_zero() => Ok(Value::Yen(y.normalize())),
                _ => Err(refuse(
                    &text,
                    "is not a whole, non-negative amount of yen".into(),
                )),
            },
            ColumnType::Date => crate::calendar::parse_date(&text)
                .map(Value::Date)
                .map_err(|e| refuse(&text, e.to_string())),
            ColumnType::Flag => match text.as_str() {
                "0" => Ok(Value::Flag(false)),
                "1" => Ok(Value::Flag(true)),
                _ => Err(refuse(&text, "is not 0 or 1".into())),
            },
            ColumnType::Choice(choices) if choices.contains(&text.as_str()) => {
                Ok(Value::Text(text))
            }
            ColumnType::Choice(choices) => Err(refuse(
                &text,
                format!("is not one of {}", choices.join(", ")),
            )),
            ColumnType::Municipality => MunicipalityCode::parse(&text)
                .map(|c| Value::Text(c.as_str().to_owned()))
                .map_err(|e| refuse(&text, e.to_string())),
            ColumnType::Institution => MedicalInstitutionCode::parse(&text)
                .map(|c| Value::Text(c.as_str().to_owned()))
                .map_err(|e| refuse(&text, e.to_string())),
            ColumnType::Gtin => Gtin::parse(&text)
                .map(|g| Value::Text(g.to_gtin14()))
                .map_err(|e| refuse(&text, e.to_string())),
        }
    }
}

/// Checks that no two versions of one row (one key) are valid on the same
/// day; the first overlap found is the error.
pub fn history(rows: &[MasterRow]) -> Result<(), MasterError> {
    let mut by_key: BTreeMap<Vec<Option<&Value>>, Vec<&MasterRow>> = BTreeMap::new();
    for row in rows {
        by_key.entry(row.key()).or_default().push(row);
    }
    for versions in by_key.values_mut() {
        versions.sort_by_key(|r| r.valid_from);
        for pair in versions.windows(2) {
            let (earlier, later) = (pair[0], pair[1]);
            if earlier.valid_to.is_none_or(|to| to > later.valid_from) {
                return Err(MasterError::OverlappingVersions {
                    kind: later.kind.name,
                    key: later.key_text(),
                    day: later.valid_from,
                });
            }
        }
    }
    Ok(())
}

/// The version of the row whose key columns hold `key` (in key order)
/// valid on `day`, if one is.
pub fn as_of<'r>(rows: &'r [MasterRow], key: &[&str], day: NaiveDate) -> Option<&'r MasterRow> {
    rows.iter().find(|r| {
        r.valid_on(day)
            && r.kind.key.len() == key.len()
            && r.kind
                .key
                .iter()
                .zip(key)
                .all(|(k, want)| matches!(r.values.get(k), Some(Value::Text(t)) if t == want))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::masters::catalog::{DISEASES, GTIN_CODES, VACCINE_TYPES};

    fn day(s: &str) -> NaiveDate {
        crate::calendar::parse_date(s).unwrap()
    }

    fn vaccine(code: &str, name: &str, from: &str, to: &str) -> MasterRow {
        VACCINE_TYPES
            .parse_row(&[
                ("code", code),
                ("name", name),
                ("valid_from", from),
                ("valid_to", to),
            ])
            .unwrap()
    }

    #[test]
    fn a_row_is_read_by_its_declaration() {
        let row = vaccine("MR", "麻しん風しん混合", "2006-04-01", "");
        assert_eq!(row.values["name"], Value::Text("麻しん風しん混合".into()));
        assert_eq!(row.valid_to, None);
        assert_eq!(row.key_text(), "code=MR");
        // Full-width input is read as NFKC.
        let wide = vaccine("ＭＲ", "麻しん風しん混合", "２００６-０４-０１", "");
        assert_eq!(wide.values["code"], Value::Text("MR".into()));
    }

    #[test]
    fn each_refusal_names_its_column_and_has_a_code() {
        type Fields<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Fields<'_>, &str, &str); 6] = [
            (
                &[("name", "麻しん"), ("valid_from", "2006-04-01")],
                "master_value_required",
                "code",
            ),
            (
                &[
                    ("code", "MR"),
                    ("name", "x"),
                    ("colour", "red"),
                    ("valid_from", "2006-04-01"),
                ],
                "unknown_master_column",
                "colour",
            ),
            (
                &[("code", "MR"), ("name", "x")],
                "master_value_required",
                "valid_from",
            ),
            (
                &[("code", "MR"), ("name", "x"), ("valid_from", "2006-04-31")],
                "invalid_master_value",
                "valid_from",
            ),
            (
                &[
                    ("code", "MR"),
                    ("name", "x"),
                    ("valid_from", "2006-04-01"),
                    ("valid_to", "2006-04-01"),
                ],
                "invalid_validity_period",
                "2006-04-01",
            ),
            (
                &[
                    ("code", "MR"),
                    ("name", "a\u{7}b"),
                    ("valid_from", "2006-04-01"),
                ],
                "invalid_master_value",
                "name",
            ),
        ];
        for (fields, code, named) in cases {
            let e = VACCINE_TYPES.parse_row(fields).unwrap_err();
            assert_eq!(e.code(), code, "{e}");
            assert!(e.to_string().contains(named), "{e}");
        }
        let gtin = GTIN_CODES
            .parse_row(&[
                ("gtin", "04987123456785"),
                ("vaccine_type", "MR"),
                ("product", "乾燥弱毒生麻しん風しん混合ワクチン"),
                ("valid_from", "2020-01-01"),
            ])
            .unwrap_err();
        assert_eq!(
            (gtin.code(), gtin.to_string().contains("gtin")),
            ("invalid_master_value", true)
        );
    }

    #[test]
    fn versions_of_a_row_must_not_overlap_and_are_read_as_of_a_day() {
        let old = vaccine(
            "DPT",
            "沈降精製百日せきジフテリア破傷風混合",
            "1981-01-01",
            "2012-11-01",
        );
        let new = vaccine("DPT", "ジフテリア・百日せき・破傷風混合", "2012-11-01", "");
        let other = vaccine("MR", "麻しん風しん混合", "2006-04-01", "");
        let rows = vec![old.clone(), new.clone(), other];
        history(&rows).unwrap();
        assert_eq!(as_of(&rows, &["DPT"], day("2010-05-01")), Some(&old));
        assert_eq!(as_of(&rows, &["DPT"], day("2012-11-01")), Some(&new));
        assert_eq!(as_of(&rows, &["DPT"], day("1980-12-31")), None);
        assert_eq!(as_of(&rows, &["BCG"], day("2020-01-01")), None);
        let clash = vaccine("DPT", "重複", "2012-10-01", "");
        let e = history(&[old, new, clash]).unwrap_err();
        assert_eq!(e.code(), "overlapping_master_versions");
        assert!(e.to_string().contains("code=DPT"), "{e}");
    }

    #[test]
    fn every_declared_master_is_consistent() {
        for kind in crate::masters::catalog::ALL {
            assert!(!kind.key.is_empty(), "{}: no key", kind.name);
            for k in kind.key {
                let column = kind.column(k).unwrap();
                assert!(column.required, "{}: key column {k} is optional", kind.name);
            }
            let mut names: Vec<&str> = kind.columns.iter().map(|c| c.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(
                names.len(),
                kind.columns.len(),
                "{}: a column twice",
                kind.name
            );
            assert_eq!(crate::masters::MasterKind::named(kind.name).unwrap(), *kind);
        }
        assert_eq!(DISEASES.owner, crate::masters::Owner::Mhlw);
        assert_eq!(
            crate::masters::MasterKind::named("nope")
                .unwrap_err()
                .code(),
            "unknown_master"
        );
    }

    #[test]
    fn yen_flags_choices_and_codes_are_checked() {
        use crate::masters::catalog::MUNICIPAL_VACCINATION_SETTINGS as SETTINGS;
        let row = |subsidy: &str, implemented: &str, category: &str, m: &str| {
            SETTINGS.parse_row(&[
                ("municipality", m),
                ("vaccine_type", "MR"),
                ("implemented", implemented),
                ("subsidy_yen", subsidy),
                ("category", category),
                ("valid_from", "2025-04-01"),
            ])
        };
        let ok = row("3000", "1", "routine", "131016").unwrap();
        assert_eq!(ok.values["subsidy_yen"], Value::Yen(Decimal::from(3000)));
        assert_eq!(ok.values["implemented"], Value::Flag(true));
        assert_eq!(ok.key_text(), "municipality=131016, vaccine_type=MR");
        for (bad, column) in [
            (row("3000.5", "1", "routine", "131016"), "subsidy_yen"),
            (row("-1", "1", "routine", "131016"), "subsidy_yen"),
            (row("3000", "2", "routine", "131016"), "implemented"),
            (row("3000", "1", "sometimes", "131016"), "category"),
            (row("3000", "1", "routine", "131017"), "municipality"),
        ] {
            let e = bad.unwrap_err();
            assert_eq!(e.code(), "invalid_master_value");
            assert!(e.to_string().contains(column), "{e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn no_text_makes_a_row_panic(code in ".{0,20}", name in ".{0,80}", from in ".{0,12}", to in ".{0,12}") {
            let _ = VACCINE_TYPES.parse_row(&[
                ("code", &code), ("name", &name), ("valid_from", &from), ("valid_to", &to),
            ]);
        }
    }
}
