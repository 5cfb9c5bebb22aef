//! The BI export of the marts (H_061): exact figures for MHLW's own
//! analysis, as CSV (UTF-8) or, with the feature `parquet`, as Parquet —
//! the same rows in either.
//!
//! A row per municipality cell, and the prefecture and national totals of
//! each (`municipality`, and `prefecture` too, written `total`), sorted by
//! [`MART_COLUMNS`] left to right.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{AgeBand, Cell, Mart, MartError};

#[cfg(feature = "parquet")]
mod parquet;
use crate::macros::named_enum;

/// The columns of the BI export, in order.
pub const MART_COLUMNS: [&str; 8] = [
    "date",
    "prefecture",
    "municipality",
    "vaccine",
    "dose",
    "age_band",
    "count",
    "vaccinated",
];

/// The word that stands for a total in an area column.
pub const TOTAL: &str = "total";

named_enum! {
    /// 出力形式: the file format of the BI export.
    pub enum MartFormat {
        /// CSV, UTF-8 with a header.
        Csv = "csv",
        /// Apache Parquet (snappy-compressed), one row group; needs the
        /// feature `parquet`.
        Parquet = "parquet",
    }
    unknown: MartError = |v| MartError::UnknownFormat { value: v.to_owned() };
}

/// One row of the BI export.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExportRow {
    /// 集計日: the cell's date.
    pub date: NaiveDate,
    /// 都道府県コード (two digits), or [`TOTAL`] for the nation.
    pub prefecture: String,
    /// 市区町村コード (six digits), or [`TOTAL`] for a prefecture or the
    /// nation.
    pub municipality: String,
    /// ワクチン種別.
    pub vaccine: String,
    /// 接種回.
    pub dose: u8,
    /// 年齢区分.
    pub age_band: AgeBand,
    /// The count.
    pub count: i64,
    /// Of the recommendation targets, those vaccinated (0 in the other
    /// marts).
    pub vaccinated: i64,
}

/// The rows of one mart's cells, with their prefecture and national
/// totals, sorted.
pub fn rows(cells: &[Cell]) -> Vec<ExportRow> {
    type Key = (NaiveDate, String, String, String, u8, AgeBand);
    let mut sums: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
    for c in cells {
        let municipality = c.key.municipality.to_string();
        let prefecture = municipality.get(..2).unwrap_or_default().to_owned();
        for (p, m) in [
            (prefecture.clone(), municipality.clone()),
            (prefecture, TOTAL.to_owned()),
            (TOTAL.to_owned(), TOTAL.to_owned()),
        ] {
            let key = (
                c.key.date,
                p,
                m,
                c.key.vaccine.to_string(),
                c.key.dose,
                c.key.age_band,
            );
            let sum = sums.entry(key).or_insert((0, 0));
            sum.0 += c.count;
            sum.1 += c.vaccinated;
        }
    }
    sums.into_iter()
        .map(
            |((date, prefecture, municipality, vaccine, dose, age_band), (count, vaccinated))| {
                ExportRow {
                    date,
                    prefecture,
                    municipality,
                    vaccine,
                    dose,
                    age_band,
                    count,
                    vaccinated,
                }
            },
        )
        .collect()
}

/// The rows as CSV: UTF-8, a header of [`MART_COLUMNS`], dates
/// `YYYY-MM-DD`. No value needs quoting: codes, digits and age bands.
pub fn csv(rows: &[ExportRow]) -> Vec<u8> {
    let mut out = MART_COLUMNS.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            crate::calendar::date_text(r.date),
            r.prefecture,
            r.municipality,
            r.vaccine,
            r.dose,
            r.age_band,
            r.count,
            r.vaccinated
        ));
    }
    out.into_bytes()
}

/// One mart's export file: its name (`vaccinations.csv`,
/// `recommendations.parquet`, …) and content.
pub fn file(
    mart: Mart,
    cells: &[Cell],
    format: MartFormat,
) -> Result<(String, Vec<u8>), MartError> {
    let rows = rows(cells);
    let content = match format {
        MartFormat::Csv => csv(&rows),
        MartFormat::Parquet => parquet_file(mart, &rows)?,
    };
    Ok((format!("{mart}.{}", format.as_str()), content))
}

#[cfg(feature = "parquet")]
fn parquet_file(mart: Mart, rows: &[ExportRow]) -> Result<Vec<u8>, MartError> {
    parquet::write(mart, rows)
}

#[cfg(not(feature = "parquet"))]
fn parquet_file(_mart: Mart, _rows: &[ExportRow]) -> Result<Vec<u8>, MartError> {
    Err(MartError::FormatNotBuilt {
        format: MartFormat::Parquet,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::identifiers::{MunicipalityCode, VaccineCode};
    use crate::marts::CellKey;

    fn cell(municipality: &str, vaccine: &str, count: i64) -> Cell {
        Cell {
            mart: Mart::Vaccinations,
            key: CellKey {
                date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                municipality: MunicipalityCode::parse(municipality).unwrap(),
                vaccine: VaccineCode::parse(vaccine).unwrap(),
                dose: 1,
                age_band: AgeBand::Infant,
            },
            count,
            vaccinated: 0,
        }
    }

    #[test]
    fn totals_are_sums_of_municipalities() {
        let cells = [
            cell("131016", "MR", 3),
            cell("131024", "MR", 4),
            cell("011002", "MR", 5),
        ];
        let rows = rows(&cells);
        let count = |p: &str, m: &str| {
            rows.iter()
                .find(|r| r.prefecture == p && r.municipality == m)
                .map(|r| r.count)
        };
        assert_eq!(count("13", "131016"), Some(3));
        assert_eq!(count("13", TOTAL), Some(7));
        assert_eq!(count("01", TOTAL), Some(5));
        assert_eq!(count(TOTAL, TOTAL), Some(12));
        assert_eq!(rows.len(), 6);
    }

    #[test]
    fn csv_has_the_header_and_a_line_per_row() {
        let text = String::from_utf8(csv(&rows(&[cell("131016", "MR", 3)]))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], MART_COLUMNS.join(","));
        assert_eq!(lines.len(), 4);
        assert!(lines.contains(&"2026-04-01,13,131016,MR,1,0,3,0"));
    }

    #[test]
    fn formats_are_parsed_by_name() {
        assert_eq!("parquet".parse::<MartFormat>(), Ok(MartFormat::Parquet));
        let e = "xlsx".parse::<MartFormat>().unwrap_err();
        assert_eq!(e.code(), "unknown_format");
    }

    #[cfg(not(feature = "parquet"))]
    #[test]
    fn parquet_without_the_feature_is_refused() {
        let e = file(Mart::Vaccinations, &[], MartFormat::Parquet).unwrap_err();
        assert_eq!(e.code(), "format_not_built");
    }
}
