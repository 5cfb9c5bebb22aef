//! Reading an import file. Its encoding is checked from the first byte to
//! the last before any row is read, so a file in the wrong encoding is
//! refused before anything lands. Then its CSV rows are read one at a time
//! through a decoder, so memory does not grow with the file.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{Decoder, DecoderResult, SHIFT_JIS, UTF_8};

use super::{RowError, CHUNK};

/// The file's character encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum InputEncoding {
    /// UTF-8 (a BOM is skipped).
    #[default]
    Utf8,
    /// Shift_JIS (Windows-31J).
    ShiftJis,
}

impl InputEncoding {
    fn decoder(self) -> Decoder {
        match self {
            Self::Utf8 => UTF_8.new_decoder_with_bom_removal(),
            // A file that starts with a UTF-8 BOM is read as UTF-8.
            Self::ShiftJis => SHIFT_JIS.new_decoder(),
        }
    }

    /// How a refusal names the encoding, with the option to try instead.
    fn refusal(self) -> (&'static str, &'static str) {
        match self {
            Self::Utf8 => ("UTF-8", "try --encoding shift-jis"),
            Self::ShiftJis => ("Shift_JIS", "try --encoding utf8"),
        }
    }
}

/// Bytes read from the file per step.
const STEP: usize = 64 * 1024;

/// The file's bytes as UTF-8. The first byte sequence the encoding does
/// not define is an error naming its line and byte offset.
struct Decoding<R> {
    inner: R,
    encoding: InputEncoding,
    decoder: Decoder,
    raw: Vec<u8>,
    decoded: Vec<u8>,
    /// The next byte of `decoded` to hand out.
    pos: usize,
    /// How much of `decoded` holds text.
    len: usize,
    /// Bytes of the file decoded so far.
    consumed: u64,
    /// Line feeds decoded so far.
    lines: u64,
    finished: bool,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, encoding: InputEncoding) -> Self {
        Self {
            inner,
            encoding,
            decoder: encoding.decoder(),
            raw: vec![0; STEP],
            decoded: Vec::new(),
            pos: 0,
            len: 0,
            consumed: 0,
            lines: 0,
            finished: false,
        }
    }

    /// Decodes the next step of the file; false at its end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.finished {
            return Ok(false);
        }
        let n = loop {
            match self.inner.read(&mut self.raw) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        let last = n == 0;
        let need = self
            .decoder
            .max_utf8_buffer_length_without_replacement(n)
            .ok_or_else(|| io::Error::other("the decoder's buffer size overflows"))?;
        if self.decoded.len() < need {
            self.decoded.resize(need, 0);
        }
        let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
            &self.raw[..n],
            &mut self.decoded,
            last,
        );
        self.consumed += read as u64;
        self.lines += bytecount(&self.decoded[..written]);
        match result {
            DecoderResult::InputEmpty => {}
            DecoderResult::Malformed(bad, after) => {
                let offset = self.consumed - u64::from(after) - u64::from(bad);
                let (name, hint) = self.encoding.refusal();
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "not {name} at line {}, byte offset {offset} ({hint})",
                        self.lines + 1
                    ),
                ));
            }
            // The buffer holds the most a step can decode to.
            DecoderResult::OutputFull => {
                return Err(io::Error::other("the decoder's buffer is too small"))
            }
        }
        self.pos = 0;
        self.len = written;
        self.finished = last;
        Ok(written > 0 || !last)
    }
}

/// Line feeds in `bytes`.
fn bytecount(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.len {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.len - self.pos);
        out[..n].copy_from_slice(&self.decoded[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The byte-order mark: skipped at the start of a UTF-8 file, refused
/// anywhere else (a file joined from several keeps one per part).
const BOM: char = '\u{feff}';

/// An import file whose encoding was checked end to end.
#[derive(Debug, Clone)]
pub struct Source {
    path: PathBuf,
    encoding: InputEncoding,
    /// Items per commit.
    pub(super) chunk: usize,
}

impl Source {
    /// Opens `path` and reads it once through the decoder: a byte sequence
    /// the encoding does not define refuses the whole file, before any row
    /// is imported.
    pub fn open(path: &Path, encoding: InputEncoding) -> Result<Self, String> {
        let source = Self {
            path: path.to_owned(),
            encoding,
            chunk: CHUNK,
        };
        io::copy(&mut source.decoded()?, &mut io::sink()).map_err(|e| source.failed(&e))?;
        Ok(source)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn decoded(&self) -> Result<Decoding<File>, String> {
        let file = File::open(&self.path).map_err(|e| self.failed(&e))?;
        Ok(Decoding::new(file, self.encoding))
    }

    fn failed(&self, e: &dyn std::fmt::Display) -> String {
        format!("{}: {e}", self.path.display())
    }

    /// The file's data rows, after checking that the header names every
    /// column in `required`.
    pub(super) fn rows(&self, required: &[&str]) -> Result<Rows, String> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::None)
            .from_reader(self.decoded()?);
        let header = reader
            .headers()
            .map_err(|e| self.failed(&format!("header: {e}")))?;
        let columns: Vec<(String, usize)> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_owned(), i))
            .collect();
        for (name, i) in &columns {
            if name.contains(BOM) {
                return Err(self.failed(&format!(
                    "header, column {}: {name:?} contains a byte-order mark (U+FEFF); \
                     the file was probably joined from several files: remove it",
                    i + 1
                )));
            }
            if let Some((_, first)) = columns.iter().find(|(h, j)| h == name && j < i) {
                return Err(self.failed(&format!(
                    "header: column {name:?} is named twice (columns {} and {}); \
                     name each column once",
                    first + 1,
                    i + 1
                )));
            }
        }
        let missing: Vec<&&str> = required
            .iter()
            .filter(|c| !columns.iter().any(|(h, _)| h == *c))
            .collect();
        if !missing.is_empty() {
            return Err(self.failed(&format!(
                "the header lacks {missing:?} (required columns: {required:?})"
            )));
        }
        Ok(Rows {
            source: self.clone(),
            reader,
            columns,
            record: csv::StringRecord::new(),
            number: 0,
            chunk: self.chunk.max(1),
        })
    }
}

/// The data rows of a [`Source`], read one at a time.
pub(super) struct Rows {
    source: Source,
    reader: csv::Reader<Decoding<File>>,
    /// Each header name, trimmed, with its position; no name twice.
    columns: Vec<(String, usize)>,
    record: csv::StringRecord,
    number: usize,
    /// Items per commit.
    pub(super) chunk: usize,
}

impl Rows {
    /// The next row, or a row error for a row that is not CSV; `None` at
    /// the end of the file. An error stops the import: the file could not
    /// be read.
    pub(super) fn next_row(&mut self) -> Result<Option<Result<Row<'_>, RowError>>, String> {
        self.number += 1;
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                if let Some(i) = self.record.iter().position(|f| f.contains(BOM)) {
                    return Ok(Some(Err(RowError {
                        row: self.number,
                        column: Some(
                            self.columns
                                .iter()
                                .find(|(_, j)| *j == i)
                                .map_or_else(|| format!("#{}", i + 1), |(h, _)| h.clone()),
                        ),
                        code: "byte_order_mark_in_field".into(),
                        reason: "a byte-order mark (U+FEFF) inside the field; the file was \
                                 probably joined from several files: remove it"
                            .into(),
                    })));
                }
                Ok(Some(Ok(Row {
                    number: self.number,
                    columns: &self.columns,
                    record: &self.record,
                })))
            }
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => Err(self.source.failed(&format!(
                "{e}; stopped at row {} (whole chunks before it may have landed; importing the file again is safe)",
                self.number
            ))),
            Err(e) => Ok(Some(Err(RowError {
                row: self.number,
                column: None,
                code: "invalid_csv".into(),
                reason: e.to_string(),
            }))),
        }
    }
}

/// One CSV data row, read by column name.
pub(super) struct Row<'a> {
    /// 1-based data row (the header is row 0).
    pub(super) number: usize,
    columns: &'a [(String, usize)],
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    pub(super) fn err(&self, column: &str, code: &str, reason: impl Into<String>) -> RowError {
        RowError {
            row: self.number,
            column: Some(column.to_owned()),
            code: code.to_owned(),
            reason: reason.into(),
        }
    }

    /// The field, trimmed; missing columns read as empty.
    pub(super) fn get(&self, column: &str) -> &str {
        self.columns
            .iter()
            .find(|(h, _)| h == column)
            .and_then(|(_, i)| self.record.get(*i))
            .map_or("", str::trim)
    }

    /// The field, or `None` when it is empty.
    pub(super) fn opt(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|v| !v.is_empty())
    }

    /// Parses a field with a core parser; its error becomes this row's.
    pub(super) fn parse<T, E: Into<sesshu_core::Error>>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, RowError> {
        parse(self.get(column)).map_err(|e| {
            let e: sesshu_core::Error = e.into();
            self.err(column, e.code(), e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file's bytes, handed over `step` bytes per read.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.bytes.len().min(self.step).min(out.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Decodes with reads of `step` bytes, taken by the caller `take` bytes
    /// at a time.
    fn decode_in(
        bytes: &[u8],
        encoding: InputEncoding,
        step: usize,
        take: usize,
    ) -> io::Result<String> {
        let mut decoding = Decoding::new(Trickle { bytes, step }, encoding);
        let mut out = Vec::new();
        let mut buf = vec![0; take];
        loop {
            match decoding.read(&mut buf)? {
                0 => break,
                n => out.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8(out).map_err(io::Error::other)
    }

    /// One byte per read, so that sequences split across reads are met.
    fn decode(bytes: &[u8], encoding: InputEncoding) -> io::Result<String> {
        decode_in(bytes, encoding, 1, 8192)
    }

    proptest::proptest! {
        #[test]
        fn any_text_comes_through_whatever_the_reads(
            text in "\\PC{0,300}",
            step in 1usize..70,
            take in 1usize..70,
        ) {
            proptest::prop_assert_eq!(
                decode_in(text.as_bytes(), InputEncoding::Utf8, step, take).unwrap(),
                text.clone()
            );
            // Shift_JIS does not round-trip every character (¥ is written as
            // 0x5C, which reads back as a backslash): read in pieces, it must
            // read as it does at once.
            let (bytes, _, bad) = SHIFT_JIS.encode(&text);
            if !bad {
                proptest::prop_assert_eq!(
                    decode_in(&bytes, InputEncoding::ShiftJis, step, take).unwrap(),
                    SHIFT_JIS.decode(&bytes).0.into_owned()
                );
            }
        }

        #[test]
        fn any_bytes_are_text_or_a_refusal(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            step in 1usize..70,
        ) {
            for encoding in [InputEncoding::Utf8, InputEncoding::ShiftJis] {
                match decode_in(&bytes, encoding, step, 4096) {
                    Ok(_) => {}
                    Err(e) => proptest::prop_assert!(e.to_string().starts_with("not "), "{}", e),
                }
            }
            // UTF-8 is refused exactly when the bytes are not UTF-8.
            let bom_free = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            proptest::prop_assert_eq!(
                decode_in(&bytes, InputEncoding::Utf8, step, 4096).is_ok(),
                std::str::from_utf8(bom_free).is_ok()
            );
        }
    }

    #[test]
    fn utf8_is_read_with_its_bom_skipped() {
        let text = "id,name\n1,髙橋 𠮷子\n";
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bytes, InputEncoding::Utf8).unwrap(), text);
        assert_eq!(decode(text.as_bytes(), InputEncoding::Utf8).unwrap(), text);
    }

    #[test]
    fn shift_jis_is_decoded_across_reads() {
        let text = "id,name\n1,山田 花子\n2,ﾔﾏﾀﾞ\n";
        let (bytes, _, bad) = SHIFT_JIS.encode(text);
        assert!(!bad);
        assert_eq!(decode(&bytes, InputEncoding::ShiftJis).unwrap(), text);
    }

    #[test]
    fn the_first_bad_sequence_is_named_by_line_and_offset() {
        let mut bytes = SHIFT_JIS.encode("id,name\n1,山田\n").0.into_owned();
        let offset = bytes.len();
        bytes.extend_from_slice(b"2,\x82");
        let e = decode(&bytes, InputEncoding::Utf8).unwrap_err().to_string();
        assert!(e.starts_with("not UTF-8 at line 2, byte offset 10 "), "{e}");
        assert!(e.contains("shift-jis"), "{e}");
        // A sequence cut off by the end of the file.
        let e = decode(&bytes, InputEncoding::ShiftJis)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "not Shift_JIS at line 3, byte offset {} (try --encoding utf8)",
                offset + 2
            )
        );
    }
}
