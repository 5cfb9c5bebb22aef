//! Reading an uploaded CSV file (取込ファイル): its bytes decoded in the
//! encoding given — UTF-8 (a leading byte-order mark skipped) or Shift_JIS
//! as Windows-31J writes it — and split into a header and data rows. The
//! first byte the encoding does not define refuses the whole file, naming
//! its line and byte offset, before any row is read; so does a header
//! that names a column twice.
//!
//! The masters' upload and the zengin master's load read their files here;
//! the CLI's person and record imports stream theirs (`cli/src/import`),
//! because those files may be larger than memory.

use std::borrow::Cow;

use thiserror::Error;

/// A CSV file's character encoding (downloads write it; uploads read
/// UTF-8 with or without the byte-order mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark (Excel opens it correctly).
    #[default]
    Utf8Bom,
    /// Shift_JIS as Windows-31J (cp932) writes it: the WHATWG Shift_JIS
    /// table, with the characters a Japanese IME or NFKC leaves in a
    /// different code point written as cp932 writes their twin
    /// (〜 as ～, ‖ as ∥, — as ―, ¢ £ ¬ ¦ ¥ ‾ as their full-width forms;
    /// ¥ is never written as 0x5C).
    ShiftJis,
}

/// Why a file could not be read as CSV.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FileError {
    /// A byte sequence the encoding does not define.
    #[error("not {encoding} at line {line}, byte offset {offset} ({hint})")]
    NotEncoded {
        /// The encoding the file was read in.
        encoding: &'static str,
        /// 1-based line of the first bad byte.
        line: usize,
        /// Its byte offset in the file.
        offset: usize,
        /// The option to try instead.
        hint: &'static str,
    },
    /// The file has no header line.
    #[error("the file is empty: a header line naming the columns is expected")]
    Empty,
    /// A header that names a column twice, or names none.
    #[error("header, column {column}: {reason}")]
    Header {
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// A line that is not CSV (an unclosed quote).
    #[error("row {row}: not CSV: {reason}")]
    Csv {
        /// 1-based data row.
        row: usize,
        /// The parser's reason.
        reason: String,
    },
}

impl FileError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::NotEncoded { .. } => "invalid_encoding",
            FileError::Empty => "empty_file",
            FileError::Header { .. } => "invalid_header",
            FileError::Csv { .. } => "invalid_csv",
        }
    }
}

/// The byte-order mark.
const BOM: char = '\u{feff}';

/// The file's text: `bytes` decoded in `encoding`, a leading UTF-8
/// byte-order mark skipped.
pub fn decode(bytes: &[u8], encoding: CsvEncoding) -> Result<Cow<'_, str>, FileError> {
    let (decoder, name, hint) = match encoding {
        CsvEncoding::Utf8Bom => (encoding_rs::UTF_8, "UTF-8", "try --encoding shift-jis"),
        CsvEncoding::ShiftJis => (encoding_rs::SHIFT_JIS, "Shift_JIS", "try --encoding utf8"),
    };
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    if let Some(text) = decoder.decode_without_bom_handling_and_without_replacement(body) {
        return Ok(text);
    }
    // Find the first bad sequence to name it.
    let mut d = decoder.new_decoder_without_bom_handling();
    let mut out = vec![0u8; body.len() * 3 + 16];
    let (result, read, written) = d.decode_to_utf8_without_replacement(body, &mut out, true);
    let offset = match result {
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            read - usize::from(after) - usize::from(bad)
        }
        _ => read,
    };
    let line = out[..written].iter().filter(|&&b| b == b'\n').count() + 1;
    Err(FileError::NotEncoded {
        encoding: name,
        line,
        offset: offset + skipped,
        hint,
    })
}

/// A CSV file read whole: its header (trimmed names) and its data rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    /// The column names, in file order, each once.
    pub header: Vec<String>,
    /// The data rows, each with its 1-based number (the header is row 0;
    /// blank lines are not counted).
    pub rows: Vec<(usize, CsvRow)>,
}

/// One data row: its fields as written (one buffer for the row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow(csv::StringRecord);

impl CsvRow {
    /// The field at `i` (0-based), if the row has one.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.0.get(i)
    }

    /// How many fields the row has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the row has no field.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter()
    }
}

/// A file's bytes decoded as they are read: `encoding` to UTF-8, a leading
/// UTF-8 byte-order mark skipped; the first byte sequence the encoding does
/// not define is an error naming its line and offset ([`FileError::NotEncoded`]
/// inside the `io::Error`), as [`decode`] names it.
pub struct DecodingReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    name: &'static str,
    hint: &'static str,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    eof: bool,
    consumed: usize,
    lines: usize,
    out: Vec<u8>,
    out_start: usize,
    finished: bool,
}

impl<R: std::io::Read> DecodingReader<R> {
    /// Decodes `inner` in `encoding`.
    pub fn new(inner: R, encoding: CsvEncoding) -> Self {
        let (decoder, name, hint) = match encoding {
            CsvEncoding::Utf8Bom => (
                encoding_rs::UTF_8.new_decoder_with_bom_removal(),
                "UTF-8",
                "try --encoding shift-jis",
            ),
            CsvEncoding::ShiftJis => (
                encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling(),
                "Shift_JIS",
                "try --encoding utf8",
            ),
        };
        DecodingReader {
            inner,
            decoder,
            name,
            hint,
            raw: vec![0; 64 * 1024],
            raw_start: 0,
            raw_end: 0,
            eof: false,
            consumed: 0,
            lines: 1,
            out: Vec::new(),
            out_start: 0,
            finished: false,
        }
    }

    fn refill(&mut self) -> std::io::Result<()> {
        if self.raw_start == self.raw_end && !self.eof {
            self.raw_start = 0;
            self.raw_end = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            self.eof = self.raw_end == 0;
        }
        let src = &self.raw[self.raw_start..self.raw_end];
        let mut out = vec![0u8; src.len() * 3 + 16];
        let (result, read, written) = self
            .decoder
            .decode_to_utf8_without_replacement(src, &mut out, self.eof);
        if let encoding_rs::DecoderResult::Malformed(bad, after) = result {
            let at = read - usize::from(after) - usize::from(bad);
            let lines = out[..written].iter().filter(|&&b| b == b'\n').count();
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                FileError::NotEncoded {
                    encoding: self.name,
                    line: self.lines + lines,
                    offset: self.consumed + at,
                    hint: self.hint,
                },
            ));
        }
        out.truncate(written);
        self.lines += out.iter().filter(|&&b| b == b'\n').count();
        self.raw_start += read;
        self.consumed += read;
        self.out = out;
        self.out_start = 0;
        // At the end of the input the decoder was told so and has flushed.
        self.finished = self.eof && self.raw_start == self.raw_end;
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_start < self.out.len() {
                let n = buf.len().min(self.out.len() - self.out_start);
                buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            self.refill()?;
        }
    }
}

/// The file error a CSV reader's error holds, if it was one of decoding.
fn csv_failure(e: csv::Error, row: usize) -> FileError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(f) = io.get_ref().and_then(|x| x.downcast_ref::<FileError>()) {
            return f.clone();
        }
    }
    FileError::Csv {
        row,
        reason: e.to_string(),
    }
}

/// A CSV file read row by row, its header checked first: what an upload
/// too large to hold whole reads (the rows as [`CsvTable`] numbers them).
pub struct CsvStream<'a> {
    /// The column names, in file order, each once.
    pub header: Vec<String>,
    records: csv::StringRecordsIntoIter<Box<dyn std::io::Read + 'a>>,
    row: usize,
}

impl<'a> CsvStream<'a> {
    /// Reads `text`'s header: each name trimmed, non-empty, once, without a
    /// byte-order mark.
    pub fn new(text: &'a str) -> Result<Self, FileError> {
        Self::from_reader(Box::new(text.as_bytes()))
    }

    /// Reads a file's bytes as they come, decoded in `encoding`
    /// ([`DecodingReader`]).
    pub fn decoding(
        reader: impl std::io::Read + 'a,
        encoding: CsvEncoding,
    ) -> Result<Self, FileError> {
        Self::from_reader(Box::new(DecodingReader::new(reader, encoding)))
    }

    fn from_reader(reader: Box<dyn std::io::Read + 'a>) -> Result<Self, FileError> {
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(reader);
        let mut records = reader.into_records();
        let header: Vec<String> = match records.next() {
            None => return Err(FileError::Empty),
            Some(Err(e)) => {
                return Err(match csv_failure(e, 0) {
                    FileError::Csv { reason, .. } => FileError::Header { column: 1, reason },
                    other => other,
                })
            }
            Some(Ok(r)) => r.iter().map(|h| h.trim().to_owned()).collect(),
        };
        for (i, name) in header.iter().enumerate() {
            let refuse = |reason: String| FileError::Header {
                column: i + 1,
                reason,
            };
            if name.contains(BOM) {
                return Err(refuse(format!(
                    "{name:?} contains a byte-order mark (U+FEFF): the file was probably \
                     joined from several files"
                )));
            }
            if name.is_empty() {
                return Err(refuse("the column has no name".into()));
            }
            if let Some(first) = header[..i].iter().position(|h| h == name) {
                return Err(refuse(format!(
                    "{name:?} is named twice (columns {} and {})",
                    first + 1,
                    i + 1
                )));
            }
        }
        Ok(CsvStream {
            header,
            records,
            row: 0,
        })
    }

    /// The position of the column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

impl Iterator for CsvStream<'_> {
    type Item = Result<(usize, CsvRow), FileError>;

    /// The next data row with its 1-based number (blank lines are skipped
    /// and not counted: row N is the Nth data row, as the person and record
    /// imports number them).
    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        self.row += 1;
        let row = self.row;
        Some(
            record
                .map(|r| (row, CsvRow(r)))
                .map_err(|e| csv_failure(e, row)),
        )
    }
}

impl CsvTable {
    /// Reads `text` as CSV with a header line. A byte-order mark inside a
    /// field or the header (a file joined from several) is refused.
    pub fn parse(text: &str) -> Result<CsvTable, FileError> {
        let stream = CsvStream::new(text)?;
        let header = stream.header.clone();
        let rows = stream.collect::<Result<Vec<_>, _>>()?;
        Ok(CsvTable { header, rows })
    }

    /// Decodes and reads a file ([`decode`], then [`CsvTable::parse`]).
    pub fn read(bytes: &[u8], encoding: CsvEncoding) -> Result<CsvTable, FileError> {
        CsvTable::parse(&decode(bytes, encoding)?)
    }

    /// The position of the column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(bytes: &[u8], encoding: CsvEncoding) -> Result<CsvTable, FileError> {
        let stream = CsvStream::decoding(bytes, encoding)?;
        let header = stream.header.clone();
        Ok(CsvTable {
            header,
            rows: stream.collect::<Result<Vec<_>, _>>()?,
        })
    }

    #[test]
    fn a_stream_reads_as_the_whole_file_does_and_names_the_same_bad_byte() {
        let mut text = String::from("code,name\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i:05},みずほ銀行{i}\n"));
        }
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let sjis = encoding_rs::SHIFT_JIS.encode(&text).0.into_owned();
        for (bytes, enc) in [
            (text.as_bytes().to_vec(), CsvEncoding::Utf8Bom),
            (bom, CsvEncoding::Utf8Bom),
            (sjis.clone(), CsvEncoding::ShiftJis),
        ] {
            assert_eq!(
                streamed(&bytes, enc).unwrap(),
                CsvTable::read(&bytes, enc).unwrap()
            );
        }
        // A bad byte far into the file (past the first read), and at its end.
        for at in [sjis.len() - 7, 100_000, sjis.len() - 1] {
            let mut bad = sjis.clone();
            bad[at] = 0xFF;
            let whole = CsvTable::read(&bad, CsvEncoding::ShiftJis).unwrap_err();
            let stream = streamed(&bad, CsvEncoding::ShiftJis).unwrap_err();
            assert_eq!(stream, whole, "at {at}");
        }
        let utf8_in_sjis = streamed(text.as_bytes(), CsvEncoding::ShiftJis).unwrap_err();
        assert_eq!(
            utf8_in_sjis,
            CsvTable::read(text.as_bytes(), CsvEncoding::ShiftJis).unwrap_err()
        );
    }

    #[test]
    fn utf8_with_or_without_bom_and_shift_jis_read_alike() {
        let text = "code,name\n0001,みずほ\n";
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let sjis = encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
        let a = CsvTable::read(text.as_bytes(), CsvEncoding::Utf8Bom).unwrap();
        let b = CsvTable::read(&bom, CsvEncoding::Utf8Bom).unwrap();
        let c = CsvTable::read(&sjis, CsvEncoding::ShiftJis).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.header, ["code", "name"]);
        let fields: Vec<&str> = a.rows[0].1.iter().collect();
        assert_eq!(
            (a.rows.len(), a.rows[0].0, fields),
            (1, 1, vec!["0001", "みずほ"])
        );
    }

    #[test]
    fn the_first_bad_byte_is_named_by_line_and_offset() {
        let sjis = encoding_rs::SHIFT_JIS.encode("a\n1\nみ\n").0.into_owned();
        let e = CsvTable::read(&sjis, CsvEncoding::Utf8Bom).unwrap_err();
        assert_eq!(
            e,
            FileError::NotEncoded {
                encoding: "UTF-8",
                line: 3,
                offset: 4,
                hint: "try --encoding shift-jis"
            }
        );
        assert_eq!(e.code(), "invalid_encoding");
    }

    #[test]
    fn a_header_naming_a_column_twice_or_a_joined_file_is_refused() {
        let e = CsvTable::parse("a,b,a\n1,2,3\n").unwrap_err();
        assert!(matches!(e, FileError::Header { column: 3, .. }), "{e}");
        let e = CsvTable::parse("a,\u{feff}b\n").unwrap_err();
        assert!(matches!(e, FileError::Header { column: 2, .. }), "{e}");
        assert_eq!(CsvTable::parse("").unwrap_err(), FileError::Empty);
    }

    #[test]
    fn blank_lines_are_skipped_and_not_counted() {
        let t = CsvTable::parse("a\n1\n\n3\n").unwrap();
        let rows: Vec<(usize, Option<&str>)> = t.rows.iter().map(|(n, r)| (*n, r.get(0))).collect();
        assert_eq!(rows, [(1, Some("1")), (2, Some("3"))]);
    }
}
