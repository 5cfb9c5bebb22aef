//! The certificate's PDF objects (ISO 32000-1): catalog, page tree, a page
//! and content stream per sheet, the Type 0 font over a `CIDFontType2` with its subset
//! program and `/ToUnicode` map, the document information, a classic
//! cross-reference table and the trailer. Text streams are
//! Flate-compressed; the (unhinted) font program is stored.

use std::fmt::Write as _;

use chrono::NaiveDate;
use ttf_parser::Face;

use super::subset::{subset, GlyphSet};
use super::{text_string, CertificateError};

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

struct Objects {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl Objects {
    /// Writes the next object (numbered from 1 in writing order).
    fn object(&mut self, body: &str) {
        self.offsets.push(self.out.len());
        let n = self.offsets.len();
        self.out
            .extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    /// Writes the next object as a stream, Flate-compressed when
    /// `compress`; `dict` adds entries.
    fn stream(&mut self, dict: &str, data: &[u8], compress: bool) {
        let packed;
        let (body, filter) = if compress {
            packed = miniz_oxide::deflate::compress_to_vec_zlib(data, LEVEL);
            (packed.as_slice(), "/Filter/FlateDecode")
        } else {
            (data, "")
        };
        self.offsets.push(self.out.len());
        let n = self.offsets.len();
        self.out.extend_from_slice(
            format!(
                "{n} 0 obj\n<</Length {}{filter}{dict}>>\nstream\n",
                body.len()
            )
            .as_bytes(),
        );
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }
}

/// The `/ToUnicode` CMap: glyph id → the character it shows.
fn to_unicode(glyphs: &GlyphSet) -> String {
    let shown: Vec<(u16, char)> = glyphs
        .glyphs()
        .filter_map(|(id, _, c)| c.map(|c| (id, c)))
        .collect();
    let mut cmap = String::from(
        "/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n\
         /CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n",
    );
    for block in shown.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", block.len());
        for (id, c) in block {
            let _ = write!(cmap, "<{id:04X}><");
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(cmap, "{unit:04X}");
            }
            cmap.push_str(">\n");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n");
    cmap
}

/// The finished file.
pub(super) fn assemble(mut p: Parts<'_>) -> Result<Vec<u8>, crate::Error> {
    let program =
        subset(p.font_program, &mut p.glyphs).ok_or_else(|| CertificateError::Render {
            reason: "the bundled font's tables cannot be read".into(),
        })?;
    let em = f32::from(p.font.units_per_em().max(1));
    let scale = |v: i16| (f32::from(v) * 1000.0 / em).round() as i32;
    let bbox = p.font.global_bounding_box();
    let mut widths = String::new();
    for (_, old, _) in p.glyphs.glyphs() {
        let advance = p
            .font
            .glyph_hor_advance(ttf_parser::GlyphId(old))
            .unwrap_or(0);
        let _ = write!(widths, "{} ", scale(advance.min(i16::MAX as u16) as i16));
    }
    let name = format!("{}+IPAexMincho", p.tag);

    let mut o = Objects {
        out: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(),
        offsets: Vec::with_capacity(10),
    };
    // 1 catalog, 2 page tree, 3–7 the font, 8 information, then a page
    // and its content stream per sheet.
    let kids: Vec<String> = (0..p.pages.len())
        .map(|i| format!("{} 0 R", 9 + 2 * i))
        .collect();
    o.object("<</Type/Catalog/Pages 2 0 R>>");
    o.object(&format!(
        "<</Type/Pages/Kids[{}]/Count {}>>",
        kids.join(" "),
        kids.len()
    ));
    o.object(&format!(
        "<</Type/Font/Subtype/Type0/BaseFont/{name}/Encoding/Identity-H\
         /DescendantFonts[4 0 R]/ToUnicode 6 0 R>>"
    ));
    o.object(&format!(
        "<</Type/Font/Subtype/CIDFontType2/BaseFont/{name}\
         /CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>\
         /FontDescriptor 5 0 R/CIDToGIDMap/Identity/DW 1000/W[0[{}]]>>",
        widths.trim_end()
    ));
    o.object(&format!(
        "<</Type/FontDescriptor/FontName/{name}/Flags 6/FontBBox[{} {} {} {}]\
         /ItalicAngle 0/Ascent {}/Descent {}/CapHeight {}/StemV 80/FontFile2 7 0 R>>",
        scale(bbox.x_min),
        scale(bbox.y_min),
        scale(bbox.x_max),
        scale(bbox.y_max),
        scale(p.font.ascender()),
        scale(p.font.descender()),
        scale(p.font.capital_height().unwrap_or(p.font.ascender())),
    ));
    o.stream("", to_unicode(&p.glyphs).as_bytes(), true);
    o.stream(&format!("/Length1 {}", program.len()), &program, false);
    o.object(&format!(
        "<</Title{}/Producer(sesshu)/CreationDate(D:{}000000+09'00')>>",
        text_string(p.title),
        p.created.format("%Y%m%d")
    ));
    for (i, content) in p.pages.iter().enumerate() {
        o.object(&format!(
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595.28 841.89]\
             /Resources<</Font<</F1 3 0 R>>>>/Contents {} 0 R>>",
            10 + 2 * i
        ));
        o.stream("", content, true);
    }

    let xref = o.out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", o.offsets.len() + 1);
    for offset in &o.offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let id: String = p.id.iter().map(|b| format!("{b:02X}")).collect();
    let _ = write!(
        table,
        "trailer\n<</Size {}/Root 1 0 R/Info 8 0 R/ID[<{id}><{id}>]>>\nstartxref\n{xref}\n%%EOF\n",
        o.offsets.len() + 1
    );
    o.out.extend_from_slice(table.as_bytes());
    Ok(o.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_are_utf16() {
        assert_eq!(text_string("済A"), "<FEFF6E080041>");
    }

    #[test]
    fn to_unicode_maps_each_shown_glyph() {
        let mut glyphs = GlyphSet::new();
        glyphs.add(700, Some('予'));
        glyphs.add(20, None);
        let cmap = to_unicode(&glyphs);
        assert!(cmap.contains("1 beginbfchar\n<0001><4E88>\n"), "{cmap}");
    }
}
