//! The certificate as an A4 PDF (feature `pdf`): forms 1–3 laid out like an
//! official document, Japanese dates in 和暦 (form 3 also English with
//! Gregorian dates), the bundled IPAex Mincho embedded as a subset of the
//! glyphs used. The same document always gives the same bytes.
//!
//! The file is written here directly (ADR 0007): one page, one font, one
//! content stream — `writer` lays out the objects, `subset` cuts the
//! font down to the glyphs drawn.

mod subset;
mod writer;

use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use ttf_parser::Face;

use super::document::{wareki, CertificateDocument};
use super::{CertificateError, CertificateForm};
use subset::GlyphSet;

/// IPAex Mincho 004.01 (IPA Font License v1.0, `core/data/fonts`).
const FONT: &[u8] = include_bytes!("../../../data/fonts/ipaexm.ttf");

fn font() -> Result<&'static Face<'static>, CertificateError> {
    static PARSED: OnceLock<Option<Face<'static>>> = OnceLock::new();
    PARSED
        .get_or_init(|| Face::parse(FONT, 0).ok())
        .as_ref()
        .ok_or_else(|| CertificateError::Render {
            reason: "the bundled font cannot be read".into(),
        })
}

/// A page being drawn: positions in millimetres from the bottom left,
/// written straight into the content stream; text as glyph ids of the
/// subset font.
struct Canvas {
    font: &'static Face<'static>,
    glyphs: GlyphSet,
    /// The pages drawn before the current one.
    done: Vec<String>,
    content: String,
}

/// Ink: a blue-black, for rules and text.
const INK: &str = "0.08 0.08 0.12";

/// Millimetres to points.
fn pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

impl Canvas {
    /// Finishes the current page and starts another.
    fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.content, format!("{INK} RG {INK} rg\n"));
        self.done.push(page);
    }

    /// The content streams of every page.
    fn pages(mut self) -> (GlyphSet, Vec<String>) {
        self.done.push(self.content);
        (self.glyphs, self.done)
    }

    /// The advance of `c` in font units (`.notdef`'s em if it has no glyph).
    fn advance(&self, c: char) -> f32 {
        self.font
            .glyph_index(c)
            .and_then(|g| self.font.glyph_hor_advance(g))
            .map_or_else(|| f32::from(self.font.units_per_em()), f32::from)
    }

    /// The width of `text` at `size` points, in millimetres.
    fn width(&self, text: &str, size: f32) -> f32 {
        let em = f32::from(self.font.units_per_em().max(1));
        let units: f32 = text.chars().map(|c| self.advance(c)).sum();
        units / em * size * 25.4 / 72.0
    }

    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let _ = write!(
            self.content,
            "BT /F1 {size:.2} Tf {:.2} {:.2} Td <",
            pt(x),
            pt(y)
        );
        for c in text.chars() {
            let gid = self.font.glyph_index(c).map_or(0, |g| g.0);
            let id = self.glyphs.add(gid, Some(c));
            let _ = write!(self.content, "{id:04X}");
        }
        self.content.push_str("> Tj ET\n");
    }
    fn centred(&mut self, cx: f32, y: f32, size: f32, text: &str) {
        let w = self.width(text, size);
        self.text(cx - w / 2.0, y, size, text);
    }

    fn right(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let w = self.width(text, size);
        self.text(x - w, y, size, text);
    }

    /// `text` shrunk until it fits `width` (long institution names).
    fn fitted(&mut self, x: f32, y: f32, size: f32, width: f32, text: &str) {
        let w = self.width(text, size);
        let size = if w > width { size * width / w } else { size };
        self.text(x, y, size, text);
    }

    /// A table cell's text: one line at 10 pt, or two lines at 8 pt when
    /// too long, or shrunk to fit as a last resort.
    fn cell(&mut self, x: f32, base: f32, width: f32, text: &str) {
        if self.width(text, 10.0) <= width {
            self.text(x, base + 3.0, 10.0, text);
            return;
        }
        let chars: Vec<char> = text.chars().collect();
        let (first, second) = chars.split_at(chars.len().div_ceil(2));
        let (first, second): (String, String) = (first.iter().collect(), second.iter().collect());
        self.fitted(x, base + 5.0, 8.0, width, &first);
        self.fitted(x, base + 1.4, 8.0, width, &second);
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, thickness: f32) {
        let _ = writeln!(
            self.content,
            "{thickness:.2} w {:.2} {:.2} m {:.2} {:.2} l S",
            pt(x1),
            pt(y1),
            pt(x2),
            pt(y2)
        );
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, thickness: f32) {
        let _ = writeln!(
            self.content,
            "{thickness:.2} w {:.2} {:.2} {:.2} {:.2} re S",
            pt(x),
            pt(y),
            pt(w),
            pt(h)
        );
    }
}

/// A PDF text string in UTF-16BE (`<FEFF…>`): titles, reasons.
pub(crate) fn text_string(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// 和暦, and on form 3 the Gregorian date beside it.
fn date_text(date: NaiveDate, english: bool) -> Result<String, CertificateError> {
    let w = wareki(date).map_err(|e| CertificateError::Render {
        reason: e.to_string(),
    })?;
    Ok(if english {
        format!("{w}（{}）", date.format("%d %b %Y"))
    } else {
        w
    })
}

const LEFT: f32 = 22.0;
const RIGHT: f32 = 188.0;
const LABEL: f32 = 64.0;

/// Renders the certificate as PDF bytes.
pub fn render(doc: &CertificateDocument) -> Result<Vec<u8>, crate::Error> {
    doc.check()?;
    let font = font()?;
    printable(font, doc)?;
    let english = doc.form == CertificateForm::Form3;
    // Names inside the file (subset tag, /ID) come from the document, so
    // the same input gives the same bytes.
    let seed = Sha256::digest(format!("{doc:?}").as_bytes());
    let mut c = Canvas {
        font,
        glyphs: GlyphSet::new(),
        done: Vec::new(),
        content: format!("{INK} RG {INK} rg\n"),
    };
    page_frame(&mut c, doc);
    c.centred(105.0, 250.0, 26.0, "予 防 接 種 済 証");
    let mut y = 241.0;
    if doc.form != CertificateForm::Form1 {
        c.centred(105.0, y, 12.0, "（臨時の予防接種）");
        y -= 8.0;
    }
    if english {
        c.centred(105.0, y, 14.0, "Certificate of Vaccination");
        y -= 8.0;
    }

    // The person.
    let mut rows: Vec<(String, String)> = vec![
        (
            if english {
                "氏名 / Name"
            } else {
                "氏　　名"
            }
            .into(),
            doc.name.clone(),
        ),
        ("ふりがな".into(), doc.name_kana.clone()),
        (
            if english {
                "生年月日 / Date of birth"
            } else {
                "生年月日"
            }
            .into(),
            date_text(doc.birth_date, english)?,
        ),
    ];
    if let (true, Some(t)) = (english, &doc.travel) {
        rows.push((
            "ローマ字氏名 / Name in Roman letters".into(),
            t.name_roman.as_str().to_owned(),
        ));
        rows.push((
            "旅券番号 / Passport No.".into(),
            t.passport_number.as_str().to_owned(),
        ));
        rows.push((
            "国籍・地域 / Nationality".into(),
            t.nationality.as_str().to_owned(),
        ));
    }
    let row_h = 10.0;
    let top = y - 4.0;
    for (i, (label, value)) in rows.iter().enumerate() {
        let base = top - row_h * (i as f32 + 1.0);
        c.line(LEFT, base, RIGHT, base, 0.5);
        c.fitted(LEFT + 2.0, base + 3.3, 10.0, LABEL - LEFT - 4.0, label);
        c.fitted(LABEL + 4.0, base + 3.0, 13.0, RIGHT - LABEL - 6.0, value);
    }
    let bottom = top - row_h * rows.len() as f32;
    c.line(LEFT, top, RIGHT, top, 0.9);
    c.line(LABEL, top, LABEL, bottom, 0.5);
    c.line(LEFT, bottom, RIGHT, bottom, 0.9);
    c.line(LEFT, top, LEFT, bottom, 0.9);
    c.line(RIGHT, top, RIGHT, bottom, 0.9);

    // The vaccinations.
    // The statement, the date and the head of the municipality need this
    // much below the table.
    let statement = if english { 69.0 } else { 55.0 };
    let mut top = bottom - 10.0;
    let mut base = table_head(&mut c, top, english);
    let mut on_sheet = 0;
    for (i, v) in doc.vaccinations.iter().enumerate() {
        let left = (doc.vaccinations.len() - i) as f32;
        // The last two rows go over with the statement rather than leave
        // it alone on a sheet ("上記の者" must have something above).
        let orphan = base - left * ROW_H >= BOTTOM
            && base - left * ROW_H - statement < BOTTOM
            && left <= 2.0
            && on_sheet > 0;
        if base - ROW_H < BOTTOM || orphan {
            // A continuation sheet (続紙) with the headings again.
            table_rules(&mut c, top, base);
            c.new_page();
            page_frame(&mut c, doc);
            continuation_title(&mut c, english);
            top = CONTINUATION_TOP;
            base = table_head(&mut c, top, english);
            on_sheet = 0;
        }
        on_sheet += 1;
        base -= ROW_H;
        let cells = [
            v.vaccine.clone(),
            if english {
                format!("{}", v.dose_number)
            } else {
                format!("第{}回", v.dose_number)
            },
            date_text(v.date, false)?,
            v.lot.clone().unwrap_or_else(|| "—".into()),
            v.institution.clone().unwrap_or_else(|| "—".into()),
        ];
        for (i, cell) in cells.iter().enumerate() {
            c.cell(
                COLUMNS[i] + 1.5,
                base,
                COLUMNS[i + 1] - COLUMNS[i] - 3.0,
                cell,
            );
        }
        if english {
            c.text(COLUMNS[2] + 1.5, base + 0.6, 6.5, &v.date.to_string());
        }
        c.line(LEFT, base, RIGHT, base, 0.4);
    }
    table_rules(&mut c, top, base);

    // A sheet of their own only when the table ends a sheet exactly.
    if base - statement < BOTTOM {
        c.new_page();
        page_frame(&mut c, doc);
        continuation_title(&mut c, english);
        base = CONTINUATION_TOP;
    }
    let mut y = base - 14.0;
    c.text(
        LEFT + 4.0,
        y,
        12.0,
        "上記の者は、予防接種法による予防接種を受けたことを証明します。",
    );
    if english {
        y -= 7.0;
        c.text(
            LEFT + 4.0,
            y,
            9.5,
            "This is to certify that the above person received the vaccination(s) above",
        );
        y -= 5.0;
        c.text(
            LEFT + 4.0,
            y,
            9.5,
            "under the Preventive Vaccination Act of Japan.",
        );
    }
    y -= 16.0;
    c.text(LEFT + 14.0, y, 12.0, &date_text(doc.issue_date, english)?);
    y -= 16.0;
    let head_size = 15.0;
    c.right(RIGHT - 26.0, y, head_size, &doc.head);
    // The seal's place (公印).
    c.rect(RIGHT - 22.0, y - 6.0, 18.0, 18.0, 0.6);
    c.centred(RIGHT - 13.0, y + 1.0, 10.0, "印");
    if english {
        c.right(
            RIGHT - 26.0,
            y - 7.0,
            9.0,
            &format!("Mayor of {}", doc.municipality),
        );
    }

    let title = format!("予防接種済証 {}", doc.certificate_number);
    let sheets = c.done.len() + 1;
    if sheets > 1 {
        // Every sheet numbered at its foot.
        let mut numbered = std::mem::take(&mut c.done);
        for (i, page) in numbered.iter_mut().enumerate() {
            page.push_str(&page_number(&mut c, i + 1, sheets));
        }
        let last = page_number(&mut c, sheets, sheets);
        c.content.push_str(&last);
        c.done = numbered;
    }
    let (glyphs, pages) = c.pages();
    writer::assemble(writer::Parts {
        font,
        font_program: FONT,
        glyphs,
        pages: pages.iter().map(String::as_bytes).collect(),
        title: &title,
        created: doc.issue_date,
        tag: &letters(&seed, 6),
        id: &seed[..16],
    })
}

/// The vaccination table's column edges.
const COLUMNS: [f32; 6] = [LEFT, 70.0, 84.0, 124.0, 146.0, RIGHT];
/// The height of the table's heading row and of each vaccination row.
const ROW_H: f32 = 9.0;
/// The lowest a table row may reach (above the frame and page number).
const BOTTOM: f32 = 24.0;
/// Where the table starts on a continuation sheet.
const CONTINUATION_TOP: f32 = 240.0;

/// The frame, the form and the certificate number: on every sheet.
fn page_frame(c: &mut Canvas, doc: &CertificateDocument) {
    let english = doc.form == CertificateForm::Form3;
    // A heavy outer rule and a fine inner one.
    c.rect(14.0, 14.0, 182.0, 269.0, 1.6);
    c.rect(16.2, 16.2, 177.6, 264.6, 0.4);
    c.text(LEFT, 270.0, 9.0, doc.form.kanji());
    let label = if english {
        "証明書番号 / No. "
    } else {
        "証明書番号　"
    };
    c.right(
        RIGHT,
        270.0,
        9.0,
        &format!("{label}{}", doc.certificate_number),
    );
}

/// The title of a continuation sheet.
fn continuation_title(c: &mut Canvas, english: bool) {
    c.centred(105.0, 252.0, 16.0, "予防接種済証（続き）");
    if english {
        c.centred(105.0, 245.0, 10.0, "Certificate of Vaccination (continued)");
    }
}

/// "n / total" at the foot of a sheet, as content to append to it.
fn page_number(c: &mut Canvas, n: usize, total: usize) -> String {
    let saved = std::mem::take(&mut c.content);
    c.centred(105.0, 18.5, 8.0, &format!("{n} / {total}"));
    std::mem::replace(&mut c.content, saved)
}

/// The headings of the vaccination table from `top`; returns the base of
/// the heading row.
fn table_head(c: &mut Canvas, top: f32, english: bool) -> f32 {
    let heads: [&str; 5] = if english {
        [
            "ワクチン / Vaccine",
            "回 / Dose",
            "接種年月日 / Date",
            "ロット / Lot",
            "医療機関 / Institution",
        ]
    } else {
        [
            "ワクチンの種類",
            "接種回",
            "接種年月日",
            "ロット番号",
            "接種医療機関",
        ]
    };
    let size = if english { 7.5 } else { 9.0 };
    for (i, h) in heads.iter().enumerate() {
        let w = COLUMNS[i + 1] - COLUMNS[i];
        let tw = c.width(h, size).min(w - 2.0);
        c.fitted(
            COLUMNS[i] + (w - tw) / 2.0,
            top - ROW_H + 3.0,
            size,
            w - 2.0,
            h,
        );
    }
    let base = top - ROW_H;
    c.line(LEFT, base, RIGHT, base, 0.5);
    base
}

/// The table's outer rules and column rules from `top` to `base`.
fn table_rules(c: &mut Canvas, top: f32, base: f32) {
    c.line(LEFT, top, RIGHT, top, 0.9);
    c.line(LEFT, base, RIGHT, base, 0.9);
    for x in &COLUMNS[1..COLUMNS.len() - 1] {
        c.line(*x, top, *x, base, 0.4);
    }
    c.line(LEFT, top, LEFT, base, 0.9);
    c.line(RIGHT, top, RIGHT, base, 0.9);
}

/// Refuses a document with a character the font has no glyph for (外字
/// such as 𠮷 outside IPAex): printed blank it would change a name. At
/// the counter the name can be given in a printable form.
fn printable(font: &Face<'_>, doc: &CertificateDocument) -> Result<(), CertificateError> {
    let mut fields: Vec<(&'static str, &str)> = vec![
        ("name", &doc.name),
        ("name_kana", &doc.name_kana),
        ("municipality", &doc.municipality),
        ("head", &doc.head),
        ("certificate_number", &doc.certificate_number),
    ];
    for v in &doc.vaccinations {
        fields.push(("vaccine", &v.vaccine));
        fields.extend(v.lot.as_deref().map(|l| ("lot", l)));
        fields.extend(v.institution.as_deref().map(|i| ("institution", i)));
    }
    for (field, text) in fields {
        if let Some(character) = text
            .chars()
            .find(|c| !c.is_whitespace() && font.glyph_index(*c).is_none())
        {
            return Err(CertificateError::Unprintable { field, character });
        }
    }
    Ok(())
}

/// `n` capital letters drawn from `seed` (a subset tag is six of them).
fn letters(seed: &[u8], n: usize) -> String {
    seed.iter()
        .cycle()
        .take(n)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}
