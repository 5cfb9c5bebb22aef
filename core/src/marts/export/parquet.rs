//! The BI export as Apache Parquet (feature `parquet`): the columns of
//! [`MART_COLUMNS`] with their logical types — `date` a DATE, the codes
//! and the age band UTF-8 strings, `dose` a 32-bit integer, the counts
//! 64-bit integers — all required, snappy-compressed, in one row group.
//!
//! Written with the `parquet` crate's column writers (no Arrow: the rows
//! are few and flat, and the Arrow crates would multiply the build).

use std::sync::Arc;

use chrono::NaiveDate;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::{ExportRow, MartFormat, MART_COLUMNS};
use crate::marts::{Mart, MartError};

/// The physical and logical type of each of [`MART_COLUMNS`], in order.
const TYPES: [&str; 8] = [
    "INT32 {} (DATE)",
    "BYTE_ARRAY {} (STRING)",
    "BYTE_ARRAY {} (STRING)",
    "BYTE_ARRAY {} (STRING)",
    "INT32 {}",
    "BYTE_ARRAY {} (STRING)",
    "INT64 {}",
    "INT64 {}",
];

/// The values of one column.
enum Values {
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Text(Vec<ByteArray>),
}

/// The Parquet file of one mart's rows.
pub(super) fn write(mart: Mart, rows: &[ExportRow]) -> Result<Vec<u8>, MartError> {
    let failed = |reason: String| MartError::Export {
        format: MartFormat::Parquet,
        reason,
    };
    let fields: Vec<String> = MART_COLUMNS
        .iter()
        .zip(TYPES)
        .map(|(name, ty)| format!("REQUIRED {};", ty.replace("{}", name)))
        .collect();
    let schema = parse_message_type(&format!("message {mart} {{ {} }}", fields.join(" ")))
        .map_err(|e| failed(e.to_string()))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("sesshu {}", env!("CARGO_PKG_VERSION")))
        .build();
    let columns = columns(rows).map_err(failed)?;

    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, Arc::new(schema), Arc::new(properties))
        .map_err(|e| failed(e.to_string()))?;
    let mut group = writer.next_row_group().map_err(|e| failed(e.to_string()))?;
    let mut values = columns.iter();
    while let Some(mut column) = group.next_column().map_err(|e| failed(e.to_string()))? {
        let written = match values.next() {
            Some(Values::Int32(v)) => column.typed::<Int32Type>().write_batch(v, None, None),
            Some(Values::Int64(v)) => column.typed::<Int64Type>().write_batch(v, None, None),
            Some(Values::Text(v)) => column.typed::<ByteArrayType>().write_batch(v, None, None),
            None => return Err(failed("more columns in the schema than values".into())),
        };
        written.map_err(|e| failed(e.to_string()))?;
        column.close().map_err(|e| failed(e.to_string()))?;
    }
    group.close().map_err(|e| failed(e.to_string()))?;
    writer.close().map_err(|e| failed(e.to_string()))?;
    Ok(out)
}

/// The rows' values column by column, in the order of [`MART_COLUMNS`].
fn columns(rows: &[ExportRow]) -> Result<[Values; 8], String> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).ok_or("no epoch")?;
    let dates = rows
        .iter()
        .map(|r| i32::try_from((r.date - epoch).num_days()).map_err(|e| format!("{}: {e}", r.date)))
        .collect::<Result<Vec<i32>, String>>()?;
    let text = |f: fn(&ExportRow) -> &str| {
        Values::Text(rows.iter().map(|r| ByteArray::from(f(r))).collect())
    };
    Ok([
        Values::Int32(dates),
        text(|r| &r.prefecture),
        text(|r| &r.municipality),
        text(|r| &r.vaccine),
        Values::Int32(rows.iter().map(|r| i32::from(r.dose)).collect()),
        text(|r| r.age_band.as_str()),
        Values::Int64(rows.iter().map(|r| r.count).collect()),
        Values::Int64(rows.iter().map(|r| r.vaccinated).collect()),
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::marts::AgeBand;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    fn row(municipality: &str, count: i64) -> ExportRow {
        ExportRow {
            date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            prefecture: municipality.get(..2).unwrap().to_owned(),
            municipality: municipality.to_owned(),
            vaccine: "MR".to_owned(),
            dose: 2,
            age_band: AgeBand::Preschool,
            count,
            vaccinated: 1,
        }
    }

    #[test]
    fn the_file_reads_back_with_its_types() {
        let rows = [row("131016", 7), row("131024", 9)];
        let bytes = write(Mart::Vaccinations, &rows).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr();
        let names: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, MART_COLUMNS);
        let read: Vec<Vec<Field>> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| {
                r.unwrap()
                    .into_columns()
                    .into_iter()
                    .map(|(_, f)| f)
                    .collect()
            })
            .collect();
        assert_eq!(read.len(), 2);
        let days = (rows[0].date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days();
        assert_eq!(read[1][0], Field::Date(days as i32));
        assert_eq!(read[1][2], Field::Str("131024".into()));
        assert_eq!(read[1][4], Field::Int(2));
        assert_eq!(read[1][5], Field::Str("2-6".into()));
        assert_eq!(read[1][6], Field::Long(9));
        assert_eq!(read[1][7], Field::Long(1));
    }
}
