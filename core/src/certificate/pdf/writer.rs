//! The certificate's PDF objects (ISO 32000-1), written with `pdf-writer`:
//! catalog, page tree, a page and content stream per sheet, the Type 0 font
//! over a `CIDFontType2` with its subset program and `/ToUnicode` map, the
//! document information, a classic cross-reference table and the trailer.
//! Text streams are Flate-compressed; the (unhinted) font program is stored.

use chrono::{Datelike, NaiveDate};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use ttf_parser::Face;

use super::subset::{subset, GlyphSet};
use super::CertificateError;

/// Everything the file is made of.
pub(super) struct Parts<'a> {
    pub font: &'a Face<'a>,
    pub font_program: &'a [u8],
    pub glyphs: GlyphSet,
    /// One content stream per sheet.
    pub pages: Vec<&'a [u8]>,
    pub title: &'a str,
    pub created: NaiveDate,
    /// The six-letter subset tag.
    pub tag: &'a str,
    /// The file identifier (16 bytes).
    pub id: &'a [u8],
}

/// Flate level for the content stream and `/ToUnicode` (a few KB of text).
/// The font program is stored as it is: without hinting its outlines
/// compress by a quarter at most, at most of the time a certificate takes.
const LEVEL: u8 = 6;

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, LEVEL)
}

/// The `/ToUnicode` CMap: glyph id → the character it shows.
fn to_unicode(glyphs: &GlyphSet) -> Vec<u8> {
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"UCS"),
        supplement: 0,
    };
    let mut cmap = UnicodeCmap::new(Name(b"Adobe-Identity-UCS"), info);
    for (id, _, c) in glyphs.glyphs() {
        if let Some(c) = c {
            cmap.pair(id, c);
        }
    }
    cmap.finish().to_vec()
}

/// The finished file, its objects written by `pdf-writer` (the typst
/// project's): 1 catalog, 2 page tree, 3–7 the font, 8 information, then a
/// page and its content stream per sheet.
pub(super) fn assemble(mut p: Parts<'_>) -> Result<Vec<u8>, crate::Error> {
    let program =
        subset(p.font_program, &mut p.glyphs).ok_or_else(|| CertificateError::Render {
            reason: "the bundled font's tables cannot be read".into(),
        })?;
    let em = f32::from(p.font.units_per_em().max(1));
    let scale = |v: i16| (f32::from(v) * 1000.0 / em).round();
    let bbox = p.font.global_bounding_box();
    let widths: Vec<f32> = p
        .glyphs
        .glyphs()
        .map(|(_, old, _)| {
            let advance = p
                .font
                .glyph_hor_advance(ttf_parser::GlyphId(old))
                .unwrap_or(0);
            scale(advance.min(i16::MAX as u16) as i16)
        })
        .collect();
    let name = format!("{}+IPAexMincho", p.tag);
    let name = Name(name.as_bytes());

    let (catalog, tree, type0, cid, descriptor, cmap, file, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
        Ref::new(7),
        Ref::new(8),
    );
    let page_ref = |i: usize, content: bool| {
        Ref::new(9 + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4) + i32::from(content))
    };
    let mut pdf = Pdf::new();
    pdf.set_binary_marker(b"\xe2\xe3\xcf\xd3");
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..p.pages.len()).map(|i| page_ref(i, false)))
        .count(i32::try_from(p.pages.len()).unwrap_or(i32::MAX));
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let mut font = pdf.cid_font(cid);
    font.subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        })
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"))
        .default_width(1000.0);
    font.widths().consecutive(0, widths);
    font.finish();
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::SYMBOLIC | FontFlags::SERIF)
        .bbox(Rect::new(
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(scale(p.font.ascender()))
        .descent(scale(p.font.descender()))
        .cap_height(scale(p.font.capital_height().unwrap_or(p.font.ascender())))
        .stem_v(80.0)
        .font_file2(file);
    pdf.stream(cmap, &deflate(&to_unicode(&p.glyphs)))
        .filter(Filter::FlateDecode);
    pdf.stream(file, &program).pair(
        Name(b"Length1"),
        i32::try_from(program.len()).unwrap_or(i32::MAX),
    );
    let created = Date::new(u16::try_from(p.created.year()).unwrap_or(0))
        .month(u8::try_from(p.created.month()).unwrap_or(1))
        .day(u8::try_from(p.created.day()).unwrap_or(1))
        .hour(0)
        .minute(0)
        .second(0)
        .utc_offset_hour(9)
        .utc_offset_minute(0);
    pdf.document_info(info)
        .title(TextStr(p.title))
        .producer(TextStr("sesshu"))
        .creation_date(created);
    for (i, content) in p.pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i, false));
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, 595.28, 841.89))
            .contents(page_ref(i, true));
        page.resources().fonts().pair(Name(b"F1"), type0);
        page.finish();
        pdf.stream(page_ref(i, true), &deflate(content))
            .filter(Filter::FlateDecode);
    }
    pdf.set_file_id((p.id.to_vec(), p.id.to_vec()));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_are_utf16() {
        assert_eq!(super::super::text_string("済A"), "<FEFF6E080041>");
    }

    #[test]
    fn to_unicode_maps_each_shown_glyph() {
        let mut glyphs = GlyphSet::new();
        glyphs.add(700, Some('予'));
        glyphs.add(20, None);
        let cmap = String::from_utf8(to_unicode(&glyphs)).unwrap_or_default();
        assert!(cmap.contains("1 beginbfchar\n<0001> <4E88>\n"), "{cmap}");
    }
}
