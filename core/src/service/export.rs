//! CSV download of the staff query (H-3-2): UTF-8 with a BOM by default,
//! Shift_JIS (Windows-31J, as municipal systems import it) on request.
//!
//! Every download of this crate is written here, so two rules hold for all
//! of them: a field a spreadsheet would run as a formula is neutralised
//! ([`neutralise`]), and Shift_JIS means what Excel for Japan reads
//! (Windows-31J, [`windows_31j`]).

use std::io::Write;

use crate::identifiers::ManagementId;
use crate::Error;

use super::records::Search;
use super::{Actor, RecordQuery, RecordRow, ServiceError, Sesshu};

pub use crate::files::CsvEncoding;

/// How to write the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportOptions {
    /// The encoding.
    pub encoding: CsvEncoding,
    /// For Shift_JIS: write this character instead of one the encoding
    /// cannot represent. `None` (the default): such a character is an
    /// error naming its row and column, and nothing is written.
    pub replacement: Option<char>,
}

impl ExportOptions {
    /// The options as a request names them (the bindings' keyword
    /// arguments): `encoding` is `utf8` (the default; also `utf-8`) or
    /// `shift_jis` (also `shift-jis`, `sjis`); `replacement` is one
    /// character.
    pub fn from_text(
        encoding: Option<&str>,
        replacement: Option<&str>,
    ) -> Result<Self, ExportOptionError> {
        let encoding = match encoding.unwrap_or("utf8") {
            "utf8" | "utf-8" => CsvEncoding::Utf8Bom,
            "shift_jis" | "shift-jis" | "sjis" => CsvEncoding::ShiftJis,
            other => return Err(ExportOptionError::UnknownEncoding(other.to_owned())),
        };
        let replacement = match replacement.map(|r| (r, r.chars())) {
            None => None,
            Some((r, mut chars)) => match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c),
                _ => return Err(ExportOptionError::Replacement(r.to_owned())),
            },
        };
        Ok(ExportOptions {
            encoding,
            replacement,
        })
    }
}

/// Export options that name no encoding or replacement the export can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportOptionError {
    /// Not `utf8` or `shift_jis`.
    #[error("unknown encoding {0:?}: utf8 or shift_jis")]
    UnknownEncoding(String),
    /// Not exactly one character.
    #[error("the replacement must be one character, not {0:?}")]
    Replacement(String),
}

impl ExportOptionError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ExportOptionError::UnknownEncoding(_) => "invalid_encoding",
            ExportOptionError::Replacement(_) => "invalid_replacement",
        }
    }
}

/// The columns, in order.
pub const COLUMNS: [&str; 16] = [
    "subject_number",
    "management_id",
    "name",
    "name_kana",
    "birth_date",
    "sex",
    "record_id",
    "responsible_municipality",
    "category",
    "vaccine",
    "dose_number",
    "vaccination_date",
    "lot",
    "institution",
    "erroneous",
    "certifiable",
];

fn fields(row: &RecordRow) -> [String; 16] {
    let p = &row.person;
    let r = &row.record.record;
    [
        p.subject_number.to_string(),
        p.management_id.to_string(),
        p.name.clone(),
        p.name_kana.clone(),
        p.birth_date.to_string(),
        p.sex.to_string(),
        r.id.to_string(),
        r.responsible.to_string(),
        r.category.to_string(),
        r.vaccine.to_string(),
        r.dose_number.to_string(),
        r.date.to_string(),
        r.lot.clone().unwrap_or_default(),
        r.institution.map(|i| i.to_string()).unwrap_or_default(),
        r.erroneous.to_string(),
        row.certifiable.to_string(),
    ]
}

/// One CSV field, neutralised and then quoted when it must be (RFC 4180).
fn quote(field: &str) -> String {
    let field = neutralise(field);
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.into_owned()
    }
}

/// CSV injection (OWASP): a field beginning with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is read by a spreadsheet as a formula. Such a field
/// is written with a leading apostrophe, which the spreadsheet shows as
/// text and does not run; every other field is written as it is.
pub(crate) fn neutralise(field: &str) -> std::borrow::Cow<'_, str> {
    match field.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{field}").into(),
        _ => field.into(),
    }
}

/// The character Windows-31J (cp932, Excel for Japan) writes for `c`
/// where the WHATWG Shift_JIS encoder would refuse it or write a byte
/// cp932 reads back as something else: the wave dash a Mac IME types, and
/// the forms NFKC leaves of cp932's full-width signs. Written as cp932's
/// own character, cp932 reads back its full-width twin:
///
/// | stored | written as | bytes |
/// |---|---|---|
/// | 〜 U+301C wave dash | ～ U+FF5E | 81 60 |
/// | ‖ U+2016 double vertical line | ∥ U+2225 | 81 61 |
/// | — U+2014 em dash | ― U+2015 | 81 5C |
/// | ¢ U+00A2 | ￠ U+FFE0 | 81 91 |
/// | £ U+00A3 | ￡ U+FFE1 | 81 92 |
/// | ¬ U+00AC | ￢ U+FFE2 | 81 CA |
/// | ¦ U+00A6 | ￤ U+FFE4 | FA 55 |
/// | ¥ U+00A5 | ￥ U+FFE5 | 81 8F (not 5C, which cp932 reads as `\\`) |
/// | ‾ U+203E | ￣ U+FFE3 | 81 50 (not 7E, which cp932 reads as `~`) |
///
/// Every other character is the WHATWG table's (which is cp932's, with
/// U+2212 minus written as 81 7C).
pub(crate) fn windows_31j(c: char) -> char {
    match c {
        '\u{301C}' => '\u{FF5E}',
        '\u{2016}' => '\u{2225}',
        '\u{2014}' => '\u{2015}',
        '\u{00A2}' => '\u{FFE0}',
        '\u{00A3}' => '\u{FFE1}',
        '\u{00AC}' => '\u{FFE2}',
        '\u{00A6}' => '\u{FFE4}',
        '\u{00A5}' => '\u{FFE5}',
        '\u{203E}' => '\u{FFE3}',
        c => c,
    }
}

/// The first bytes of a file: the BOM (UTF-8 only) and the header line.
pub(super) fn csv_head(
    columns: &[&'static str],
    options: ExportOptions,
) -> Result<Vec<u8>, ServiceError> {
    let mut head = Vec::new();
    if options.encoding == CsvEncoding::Utf8Bom {
        head.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let header: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    head.extend(encode(&header, columns, 0, options)?);
    Ok(head)
}

/// Encodes one line of a file with these `columns`, naming the first
/// character Shift_JIS cannot hold by its row and column.
pub(super) fn encode(
    line: &[String],
    columns: &[&'static str],
    row: usize,
    options: ExportOptions,
) -> Result<Vec<u8>, ServiceError> {
    let text = line.iter().map(|f| quote(f)).collect::<Vec<_>>().join(",") + "\r\n";
    match options.encoding {
        CsvEncoding::Utf8Bom => Ok(text.into_bytes()),
        CsvEncoding::ShiftJis => {
            let text: String = text.chars().map(windows_31j).collect();
            let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(&text);
            if !had_errors {
                return Ok(bytes.into_owned());
            }
            let mut out = Vec::with_capacity(text.len() * 2);
            for (column, field) in line.iter().enumerate() {
                if column > 0 {
                    out.push(b',');
                }
                let mut quoted = String::new();
                for c in quote(field).chars().map(windows_31j) {
                    let mut buf = [0u8; 4];
                    let (_, _, bad) = encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf));
                    match (bad, options.replacement) {
                        (false, _) => quoted.push(c),
                        (true, Some(r)) => quoted.push(r),
                        (true, None) => {
                            return Err(ServiceError::Unencodable {
                                row,
                                column: columns.get(column).copied().unwrap_or("?"),
                                character: c,
                            })
                        }
                    }
                }
                let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&quoted);
                out.extend_from_slice(&bytes);
            }
            out.extend_from_slice(b"\r\n");
            Ok(out)
        }
    }
}

/// One page of a download: its items (each one line or more) and the key
/// to the next page.
pub(super) type CsvPage<K, const N: usize> = (Vec<Vec<[String; N]>>, Option<K>);

/// Writes a download page by page: the BOM and the header, then each page
/// once all of it is encoded (a refused character stops the download
/// before anything of its page is written). `page(after)` reads and logs
/// one page. Returns the number of items written.
pub(super) fn write_csv<K, const N: usize>(
    out: &mut dyn Write,
    columns: &[&'static str; N],
    options: ExportOptions,
    mut page: impl FnMut(Option<&K>) -> Result<CsvPage<K, N>, Error>,
) -> Result<usize, Error> {
    let io = |e: std::io::Error| crate::store::StoreError::backend(e);
    out.write_all(&csv_head(columns, options)?).map_err(io)?;
    let (mut items, mut line_no) = (0, 0);
    let mut after: Option<K> = None;
    loop {
        let (page_items, next) = page(after.as_ref())?;
        let mut buf = Vec::new();
        for lines in &page_items {
            items += 1;
            for line in lines {
                line_no += 1;
                buf.extend(encode(line, columns, line_no, options)?);
            }
        }
        out.write_all(&buf).map_err(io)?;
        match next {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}

impl Sesshu {
    /// Writes every record the staff query finds as CSV to `out`, page by
    /// page. Each person exported is logged. With Shift_JIS and no
    /// replacement, a character it cannot hold stops the export before
    /// anything of that page is written; the error names row and column.
    /// Returns the number of data rows written.
    pub fn export_records_csv(
        &self,
        actor: &Actor,
        query: &RecordQuery,
        options: ExportOptions,
        out: &mut dyn Write,
    ) -> Result<usize, Error> {
        write_csv(out, &COLUMNS, options, |after: Option<&ManagementId>| {
            let page = self.query_page(actor, query, after, 500, Search::ExportRecords)?;
            Ok((
                page.rows.iter().map(|r| vec![fields(r)]).collect(),
                page.next,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_from_their_names() {
        let o = ExportOptions::from_text(None, None).unwrap();
        assert_eq!(o, ExportOptions::default());
        for name in ["shift_jis", "shift-jis", "sjis"] {
            let o = ExportOptions::from_text(Some(name), Some("〓")).unwrap();
            assert_eq!(
                (o.encoding, o.replacement),
                (CsvEncoding::ShiftJis, Some('〓'))
            );
        }
        let e = ExportOptions::from_text(Some("latin1"), None).unwrap_err();
        assert_eq!(e.code(), "invalid_encoding");
        for bad in ["", "ab"] {
            let e = ExportOptions::from_text(Some("utf8"), Some(bad)).unwrap_err();
            assert_eq!(e.code(), "invalid_replacement");
        }
    }

    fn line(fields: &[&str], options: ExportOptions) -> Vec<u8> {
        let line: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        encode(&line, &["a", "b", "c"], 1, options).unwrap()
    }

    #[test]
    fn formulas_are_written_as_text() {
        let utf8 = ExportOptions::default();
        for (field, written) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+81 3", "'+81 3"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "\"'\rcmd\""),
            ("=1,2", "\"'=1,2\""),
        ] {
            assert_eq!(line(&[field], utf8), format!("{written}\r\n").into_bytes());
        }
        // Only the first character counts; other fields are as they were.
        assert_eq!(
            line(&["a=1", "2024-01-01", "山田"], utf8),
            "a=1,2024-01-01,山田\r\n".as_bytes()
        );
        let sjis = ExportOptions::from_text(Some("shift_jis"), None).unwrap();
        assert_eq!(line(&["=1"], sjis), b"'=1\r\n");
    }

    #[test]
    fn shift_jis_is_windows_31j() {
        let sjis = ExportOptions::from_text(Some("shift_jis"), None).unwrap();
        for (c, bytes) in [
            ('\u{301C}', [0x81, 0x60]),
            ('\u{FF5E}', [0x81, 0x60]),
            ('\u{2016}', [0x81, 0x61]),
            ('\u{2225}', [0x81, 0x61]),
            ('\u{2014}', [0x81, 0x5C]),
            ('\u{2015}', [0x81, 0x5C]),
            ('\u{2212}', [0x81, 0x7C]),
            ('\u{00A2}', [0x81, 0x91]),
            ('\u{00A3}', [0x81, 0x92]),
            ('\u{00AC}', [0x81, 0xCA]),
            ('\u{00A6}', [0xFA, 0x55]),
            ('\u{00A5}', [0x81, 0x8F]),
            ('\u{FFE5}', [0x81, 0x8F]),
            ('\u{203E}', [0x81, 0x50]),
        ] {
            let mut expected = bytes.to_vec();
            expected.extend_from_slice(b"\r\n");
            assert_eq!(line(&[&c.to_string()], sjis), expected, "{c:?}");
        }
        // The backslash and the tilde stay ASCII.
        assert_eq!(line(&["\\~"], sjis), b"\\~\r\n");
        // What cp932 cannot hold is still refused, by row and column.
        let e = encode(&["a".into(), "𠮷".into()], &["a", "b"], 3, sjis).unwrap_err();
        assert!(e.to_string().contains("row 3, column b"), "{e}");
    }
}
