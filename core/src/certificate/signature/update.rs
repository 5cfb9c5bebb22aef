//! The signature added to a PDF as an incremental update (ISO 32000-1
//! §7.5.6): a signature field on the first page, its value dictionary with
//! `/ByteRange` and `/Contents`, the rewritten catalog and page, a new
//! cross-reference section and trailer appended after the original bytes.
//!
//! Reads classic cross-reference tables (what the certificate renderer
//! writes, following `/Prev`), not cross-reference streams.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::SignatureError;
use crate::certificate::pdf::text_string;

fn unsignable(reason: &'static str) -> SignatureError {
    SignatureError::UnsignablePdf { reason }
}

/// The bytes after the last `needle` in `haystack`.
fn after_last<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    haystack
        .windows(needle.len())
        .rposition(|w| w == needle)
        .map(|i| &haystack[i + needle.len()..])
}

/// The unsigned integer at the start of `bytes` after whitespace, and the rest.
fn integer(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let bytes = &bytes[start..];
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let text = std::str::from_utf8(&bytes[..digits]).ok()?;
    Some((text.parse().ok()?, &bytes[digits..]))
}

/// The value of `key` in a dictionary's text, up to the next key or the
/// end (`/Root 13 0 R` → `13 0 R`). Names are matched whole.
fn value<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = dict[from..].find(key) {
        let start = from + i + key.len();
        let next = dict[start..].chars().next();
        if next.is_some_and(|c| c.is_ascii_alphanumeric()) {
            from = start;
            continue;
        }
        let rest = &dict[start..];
        // A value ends at the next key of this dictionary; nested values
        // (arrays, dictionaries) are kept whole.
        let mut depth = 0i32;
        for (j, c) in rest.char_indices() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => depth -= 1,
                '<' if rest[j..].starts_with("<<") => depth += 1,
                '>' if rest[j..].starts_with(">>") && depth > 0 => depth -= 1,
                '>' if depth == 0 => return Some(rest[..j].trim()),
                '/' if depth == 0 && j > 0 => return Some(rest[..j].trim()),
                _ => {}
            }
        }
        return Some(rest.trim());
    }
    None
}

/// `13 0 R` → 13.
fn reference(text: &str) -> Option<u64> {
    let mut parts = text.trim_start_matches('[').split_whitespace();
    let number = parts.next()?.parse().ok()?;
    (parts.next()?.parse::<u64>().is_ok() && parts.next()?.starts_with('R')).then_some(number)
}

/// Object number → (offset, generation) of the in-use objects, newest
/// section first, and the newest trailer's text.
struct CrossReference {
    objects: BTreeMap<u64, (usize, u64)>,
    trailer: String,
    offset: usize,
}

fn cross_reference(pdf: &[u8]) -> Result<CrossReference, SignatureError> {
    let (start, _) = after_last(pdf, b"startxref")
        .and_then(integer)
        .ok_or(unsignable("no startxref"))?;
    let mut objects = BTreeMap::new();
    let mut trailer = None;
    let mut next = Some(start as usize);
    let mut sections = 0;
    while let Some(at) = next.take() {
        sections += 1;
        let section = pdf
            .get(at..)
            .filter(|s| s.starts_with(b"xref") && sections < 64)
            .ok_or(unsignable("cross-reference streams are not supported"))?;
        let mut rest = &section[4..];
        while let Some((first, after)) = integer(rest) {
            let (count, after) = integer(after).ok_or(unsignable("bad cross-reference"))?;
            let body = after
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .map(|p| &after[p..])
                .ok_or(unsignable("bad cross-reference"))?;
            let len = usize::try_from(count)
                .unwrap_or(usize::MAX)
                .saturating_mul(20);
            let entries = body.get(..len).ok_or(unsignable("bad cross-reference"))?;
            for (i, entry) in entries.chunks(20).enumerate() {
                let (offset, e) = integer(entry).ok_or(unsignable("bad cross-reference"))?;
                let (generation, e) = integer(e).ok_or(unsignable("bad cross-reference"))?;
                if e.trim_ascii_start().starts_with(b"n") {
                    objects
                        .entry(first + i as u64)
                        .or_insert((offset as usize, generation));
                }
            }
            rest = &body[len..];
        }
        let text = rest
            .trim_ascii_start()
            .strip_prefix(b"trailer")
            .ok_or(unsignable("no trailer"))?;
        let end = text
            .windows(9)
            .position(|w| w == b"startxref")
            .unwrap_or(text.len());
        let text = String::from_utf8_lossy(&text[..end]).trim().to_owned();
        next = value(&text, "/Prev")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p != at);
        trailer.get_or_insert(text);
    }
    Ok(CrossReference {
        objects,
        trailer: trailer.ok_or(unsignable("no trailer"))?,
        offset: start as usize,
    })
}

/// The dictionary text (without the outer `<<` `>>`) of object `number`,
/// and its generation.
fn dictionary(
    pdf: &[u8],
    xref: &CrossReference,
    number: u64,
) -> Result<(String, u64), SignatureError> {
    let (offset, generation) = *xref
        .objects
        .get(&number)
        .ok_or(unsignable("an object is missing"))?;
    let body = pdf
        .get(offset..)
        .ok_or(unsignable("an object is missing"))?;
    let end = body
        .windows(6)
        .position(|w| w == b"endobj")
        .ok_or(unsignable("an object is not closed"))?;
    let text = String::from_utf8_lossy(&body[..end]);
    let open = text.find("<<").ok_or(unsignable("not a dictionary"))?;
    let close = text.rfind(">>").ok_or(unsignable("not a dictionary"))?;
    if close < open + 2 || text[..open].contains("stream") {
        return Err(unsignable("not a dictionary"));
    }
    Ok((text[open + 2..close].to_owned(), generation))
}

/// The page dictionary without its `/Annots`, and the annotations it had
/// (`10 0 R 11 0 R `), to be written back with the signature's.
fn without_annotations(page: &str) -> Result<(String, String), SignatureError> {
    let Some(v) = value(page, "/Annots") else {
        return Ok((page.to_owned(), String::new()));
    };
    let inner = v
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .ok_or(unsignable("the page's annotations are not an inline array"))?;
    let start = page.find("/Annots").ok_or(unsignable("no /Annots"))?;
    let end = page[start..]
        .find(v)
        .map(|i| start + i + v.len())
        .ok_or(unsignable("no /Annots"))?;
    let inner = inner.trim();
    let kept = if inner.is_empty() {
        String::new()
    } else {
        format!("{inner} ")
    };
    Ok((format!("{}{}", &page[..start], &page[end..]), kept))
}

const BYTE_RANGE_PLACEHOLDER: &str = "[0 ********** ********** **********]";

/// Appends a signature to `pdf`. `room` is the most bytes the CMS may take;
/// `make_cms` is given the signed bytes (everything but `/Contents`).
pub(super) fn sign_incrementally(
    pdf: &[u8],
    at: DateTime<Utc>,
    reason: &str,
    room: usize,
    make_cms: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<Vec<u8>, SignatureError> {
    let xref = cross_reference(pdf)?;
    let root = value(&xref.trailer, "/Root")
        .and_then(reference)
        .ok_or(unsignable("no /Root"))?;
    let size = value(&xref.trailer, "/Size")
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or(unsignable("no /Size"))?;
    let (catalog, catalog_generation) = dictionary(pdf, &xref, root)?;
    if value(&catalog, "/AcroForm").is_some() {
        return Err(unsignable("the document already has a form"));
    }
    let pages = value(&catalog, "/Pages")
        .and_then(reference)
        .ok_or(unsignable("no /Pages"))?;
    let (pages, _) = dictionary(pdf, &xref, pages)?;
    let page = value(&pages, "/Kids")
        .and_then(reference)
        .ok_or(unsignable("no page"))?;
    let (page_dict, page_generation) = dictionary(pdf, &xref, page)?;
    let (page_dict, annotations) = without_annotations(&page_dict)?;

    let (form, widget, signature) = (size, size + 1, size + 2);
    let mut out = pdf.to_vec();
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    let mut offsets: BTreeMap<u64, (usize, u64)> = BTreeMap::new();
    let mut object = |out: &mut Vec<u8>, number: u64, generation: u64, body: &str| {
        offsets.insert(number, (out.len(), generation));
        out.extend_from_slice(
            format!("{number} {generation} obj\n<<{body}>>\nendobj\n").as_bytes(),
        );
    };
    object(
        &mut out,
        root,
        catalog_generation,
        &format!("{catalog}/AcroForm {form} 0 R"),
    );
    object(
        &mut out,
        page,
        page_generation,
        &format!("{page_dict}/Annots[{annotations}{widget} 0 R]"),
    );
    object(
        &mut out,
        form,
        0,
        &format!("/Fields[{widget} 0 R]/SigFlags 3"),
    );
    object(
        &mut out,
        widget,
        0,
        &format!(
            "/Type/Annot/Subtype/Widget/FT/Sig/T(Signature1)/F 132/Rect[0 0 0 0]/P {page} 0 R/V {signature} 0 R"
        ),
    );
    let head = format!(
        "/Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M(D:{}+00'00')/Reason{}/ByteRange{BYTE_RANGE_PLACEHOLDER}/Contents<",
        at.format("%Y%m%d%H%M%S"),
        text_string(reason),
    );
    offsets.insert(signature, (out.len(), 0));
    out.extend_from_slice(format!("{signature} 0 obj\n<<{head}").as_bytes());
    let contents_start = out.len() - 1;
    out.resize(out.len() + 2 * room, b'0');
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(b">>\nendobj\n");

    let xref_at = out.len();
    let mut table = String::from("xref\n0 1\n0000000000 65535 f \n");
    let numbers: Vec<u64> = offsets.keys().copied().collect();
    for run in numbers.chunk_by(|a, b| b == &(a + 1)) {
        let _ = writeln!(table, "{} {}", run[0], run.len());
        for n in run {
            let (offset, generation) = offsets[n];
            let _ = writeln!(table, "{offset:010} {generation:05} n ");
        }
    }
    let mut trailer = format!("/Size {}/Root {root} {catalog_generation} R", size + 3);
    for key in ["/Info", "/ID"] {
        if let Some(v) = value(&xref.trailer, key) {
            let _ = write!(trailer, "{key} {v}");
        }
    }
    let _ = write!(
        table,
        "trailer\n<<{trailer}/Prev {}>>\nstartxref\n{xref_at}\n%%EOF\n",
        xref.offset
    );
    out.extend_from_slice(table.as_bytes());

    // The byte range: everything but the hex string of /Contents.
    let ranges = format!(
        "[0 {contents_start:<10} {contents_end:<10} {:<10}]",
        out.len() - contents_end
    );
    let placeholder = out
        .windows(BYTE_RANGE_PLACEHOLDER.len())
        .rposition(|w| w == BYTE_RANGE_PLACEHOLDER.as_bytes())
        .ok_or(unsignable("the byte range was not written"))?;
    if ranges.len() != BYTE_RANGE_PLACEHOLDER.len() {
        return Err(unsignable("the file is too large to sign"));
    }
    out[placeholder..placeholder + ranges.len()].copy_from_slice(ranges.as_bytes());

    let mut signed = Vec::with_capacity(out.len() - (contents_end - contents_start));
    signed.extend_from_slice(&out[..contents_start]);
    signed.extend_from_slice(&out[contents_end..]);
    let cms = make_cms(&signed);
    if cms.len() > room {
        return Err(unsignable(
            "the signature is larger than the space reserved",
        ));
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, b) in cms.iter().enumerate() {
        let at = contents_start + 1 + 2 * i;
        out[at] = HEX[usize::from(b >> 4)];
        out[at + 1] = HEX[usize::from(b & 0x0f)];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_values_are_found_whole() {
        let d = "/Type/Catalog/PageLayout/OneColumn/Pages 1 0 R/ID[(A)(B)]/Kids[10 0 R]";
        assert_eq!(value(d, "/Pages"), Some("1 0 R"));
        assert_eq!(value(d, "/Page"), None);
        assert_eq!(value(d, "/ID"), Some("[(A)(B)]"));
        assert_eq!(value(d, "/Kids").and_then(reference), Some(10));
        assert_eq!(value(d, "/Type"), Some("/Catalog"));
    }

    #[test]
    fn annotations_are_kept() {
        let page = "/Type/Page/Annots[]/Contents 12 0 R";
        let (rest, kept) = without_annotations(page).unwrap_or_default();
        assert_eq!(
            (rest.as_str(), kept.as_str()),
            ("/Type/Page/Contents 12 0 R", "")
        );
        let (rest, kept) = without_annotations("/Annots [4 0 R]").unwrap_or_default();
        assert_eq!((rest.as_str(), kept.as_str()), ("", "4 0 R "));
        assert!(without_annotations("/Annots 9 0 R").is_err());
    }

    /// A real certificate, to damage.
    fn certificate() -> Vec<u8> {
        use crate::certificate::document::{CertificateDocument, CertifiedVaccination};
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let doc = CertificateDocument {
            form: crate::certificate::CertificateForm::Form1,
            certificate_number: "131016-2025-000001".into(),
            issue_date: day(2025, 4, 1),
            municipality: "千代田区".into(),
            head: "千代田区長".into(),
            name: "山田 花子".into(),
            name_kana: "ヤマダ ハナコ".into(),
            birth_date: day(1990, 5, 1),
            vaccinations: vec![CertifiedVaccination {
                vaccine: "MR".into(),
                dose_number: 1,
                date: day(2024, 1, 1),
                lot: None,
                institution: None,
            }],
            travel: None,
        };
        crate::certificate::pdf::render(&doc).unwrap_or_default()
    }

    proptest::proptest! {
        #[test]
        fn a_damaged_certificate_is_refused_or_signed_without_panic(
            cut in 0usize..40_000,
            flips in proptest::collection::vec((0usize..40_000, proptest::num::u8::ANY), 0..8),
        ) {
            static PDF: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let mut pdf = PDF.get_or_init(certificate).clone();
            proptest::prop_assert!(pdf.starts_with(b"%PDF-"));
            for (at, byte) in flips {
                let at = (pdf.len() - 600) + at % 600; // the objects and xref at the end
                pdf[at] = byte;
            }
            pdf.truncate(pdf.len() - cut % 400);
            let signed = sign_incrementally(&pdf, DateTime::UNIX_EPOCH, "r", 8, |_| vec![1, 2]);
            if let Ok(out) = signed {
                proptest::prop_assert!(out.starts_with(&pdf));
            }
        }

        #[test]
        fn any_bytes_are_refused_or_signed_without_panic(
            head in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            tail in "(xref|trailer|startxref|<<|>>|/Root|/Size|/Pages|/Kids|\\[|\\]|[0-9 ]|obj|endobj|R|\n){0,60}",
        ) {
            let mut pdf = head;
            pdf.extend_from_slice(tail.as_bytes());
            let signed = sign_incrementally(&pdf, DateTime::UNIX_EPOCH, "r", 8, |_| vec![1, 2]);
            if let Ok(out) = signed {
                proptest::prop_assert!(out.starts_with(&pdf));
            }
        }
    }

    #[test]
    fn a_file_without_cross_reference_is_unsignable() {
        let e = sign_incrementally(b"%PDF-1.3\n", DateTime::UNIX_EPOCH, "r", 10, |_| Vec::new());
        assert_eq!(e.err().map(|e| e.code()), Some("unsignable_pdf"));
    }
}
