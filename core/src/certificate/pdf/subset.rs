//! The embedded font program: the bundled TrueType font cut down to the
//! glyphs a certificate uses (and the components of composite glyphs),
//! renumbered from 1 in order of first use (0 stays `.notdef`).
//!
//! A `CIDFontType2` with `/CIDToGIDMap /Identity` needs `glyf`, `loca`,
//! `head`, `hhea`, `hmtx` and `maxp` (ISO 32000-1 §9.9); no `cmap`: the
//! content stream addresses glyphs directly and `/ToUnicode` gives the text
//! back. The hinting instructions are left out (40% of IPAex Mincho's
//! outline bytes; PDF readers render CJK text unhinted or auto-hinted), so
//! the program is small enough to embed without compressing it.

use std::collections::HashMap;

/// The glyphs used so far, in order: original glyph id and, for glyphs
/// drawn from text, the character it shows.
#[derive(Debug, Default)]
pub(super) struct GlyphSet {
    order: Vec<(u16, Option<char>)>,
    index: HashMap<u16, u16>,
}

impl GlyphSet {
    /// A set holding `.notdef` as glyph 0.
    pub fn new() -> Self {
        let mut set = GlyphSet::default();
        set.add(0, None);
        set
    }

    /// The new id of original glyph `gid`, added if new.
    pub fn add(&mut self, gid: u16, shown: Option<char>) -> u16 {
        let next = self.order.len() as u16;
        *self.index.entry(gid).or_insert_with(|| {
            self.order.push((gid, shown));
            next
        })
    }

    /// New id, original id and character of every glyph, in new-id order.
    pub fn glyphs(&self) -> impl Iterator<Item = (u16, u16, Option<char>)> + '_ {
        self.order
            .iter()
            .enumerate()
            .map(|(new, (old, c))| (new as u16, *old, *c))
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The font's tables by tag.
struct Tables<'a> {
    font: &'a [u8],
    records: Vec<([u8; 4], &'a [u8])>,
}

impl<'a> Tables<'a> {
    fn read(font: &'a [u8]) -> Option<Self> {
        let count = usize::from(u16_at(font, 4)?);
        let mut records = Vec::with_capacity(count);
        for i in 0..count {
            let at = 12 + 16 * i;
            let tag: [u8; 4] = font.get(at..at + 4)?.try_into().ok()?;
            let offset = u32_at(font, at + 8)? as usize;
            let length = u32_at(font, at + 12)? as usize;
            records.push((tag, font.get(offset..offset.checked_add(length)?)?));
        }
        Some(Tables { font, records })
    }

    fn get(&self, tag: &[u8; 4]) -> Option<&'a [u8]> {
        self.records.iter().find(|(t, _)| t == tag).map(|(_, b)| *b)
    }
}

/// The outline bytes of original glyph `gid`.
fn glyph<'a>(glyf: &'a [u8], loca: &[u8], long: bool, gid: u16) -> Option<&'a [u8]> {
    let i = usize::from(gid);
    let (start, end) = if long {
        (
            u32_at(loca, 4 * i)? as usize,
            u32_at(loca, 4 * i + 4)? as usize,
        )
    } else {
        (
            usize::from(u16_at(loca, 2 * i)?) * 2,
            usize::from(u16_at(loca, 2 * i + 2)?) * 2,
        )
    };
    glyf.get(start..end)
}

const ARGS_ARE_WORDS: u16 = 0x0001;
const HAVE_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const HAVE_XY_SCALE: u16 = 0x0040;
const HAVE_TWO_BY_TWO: u16 = 0x0080;
const HAVE_INSTRUCTIONS: u16 = 0x0100;

/// The byte offsets of the flags of each component of a composite glyph
/// (its glyph id follows), and where the components end.
fn components(outline: &[u8]) -> (Vec<usize>, usize) {
    let mut found = Vec::new();
    if outline.len() < 10 || i16::from_be_bytes([outline[0], outline[1]]) >= 0 {
        return (found, outline.len());
    }
    let mut at = 10;
    while let Some(flags) = u16_at(outline, at) {
        found.push(at);
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            break;
        }
    }
    (found, at.min(outline.len()))
}

/// A glyph's outline without its hinting instructions; composite glyphs'
/// component ids renumbered through `glyphs` (components join the set).
fn outline_for_subset(outline: &[u8], glyphs: &mut GlyphSet) -> Option<Vec<u8>> {
    if outline.len() < 10 {
        return Some(Vec::new());
    }
    let contours = i16::from_be_bytes([outline[0], outline[1]]);
    if contours >= 0 {
        // endPtsOfContours, then instructionLength and the instructions.
        let at = 10 + 2 * usize::from(contours as u16);
        let length = usize::from(u16_at(outline, at)?);
        let mut out = Vec::with_capacity(outline.len() - length);
        out.extend_from_slice(outline.get(..at)?);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(outline.get(at + 2 + length..)?);
        return Some(out);
    }
    let (flags_at, end) = components(outline);
    let mut out = outline.get(..end)?.to_vec();
    for at in flags_at {
        let flags = u16_at(&out, at)? & !HAVE_INSTRUCTIONS;
        out[at..at + 2].copy_from_slice(&flags.to_be_bytes());
        let renumbered = glyphs.add(u16_at(&out, at + 2)?, None);
        out[at + 2..at + 4].copy_from_slice(&renumbered.to_be_bytes());
    }
    Some(out)
}

fn checksum(table: &[u8]) -> u32 {
    table.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// The subset font program of `glyphs` (composite glyphs' components are
/// added to the set). `None` if the font's tables cannot be read.
pub(super) fn subset(font: &[u8], glyphs: &mut GlyphSet) -> Option<Vec<u8>> {
    let tables = Tables::read(font)?;
    let head = tables.get(b"head")?;
    let long = u16_at(head, 50)? == 1;
    let (glyf, loca) = (tables.get(b"glyf")?, tables.get(b"loca")?);
    let (hhea, hmtx, maxp) = (
        tables.get(b"hhea")?,
        tables.get(b"hmtx")?,
        tables.get(b"maxp")?,
    );
    let metrics = usize::from(u16_at(hhea, 34)?);

    // Outlines, in new-id order; components join the set as they are met.
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::new();
    let mut new_hmtx = Vec::new();
    let mut i = 0;
    while let Some(&(old, _)) = glyphs.order.get(i) {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        let outline = outline_for_subset(glyph(glyf, loca, long, old)?, glyphs)?;
        new_glyf.extend_from_slice(&outline);
        new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        let m = usize::from(old).min(metrics.saturating_sub(1));
        new_hmtx.extend_from_slice(hmtx.get(4 * m..4 * m + 2)?);
        let lsb = if usize::from(old) < metrics {
            hmtx.get(4 * m + 2..4 * m + 4)?
        } else {
            let at = 4 * metrics + 2 * (usize::from(old) - metrics);
            hmtx.get(at..at + 2)?
        };
        new_hmtx.extend_from_slice(lsb);
        i += 1;
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let count = (glyphs.order.len() as u16).to_be_bytes();

    let mut new_head = head.to_vec();
    new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    new_head
        .get_mut(50..52)?
        .copy_from_slice(&1u16.to_be_bytes());
    let mut new_hhea = hhea.to_vec();
    new_hhea.get_mut(34..36)?.copy_from_slice(&count);
    let mut new_maxp = maxp.to_vec();
    new_maxp.get_mut(4..6)?.copy_from_slice(&count);

    // In tag order, as the table directory wants them.
    let out_tables: [([u8; 4], &[u8]); 6] = [
        (*b"glyf", &new_glyf),
        (*b"head", &new_head),
        (*b"hhea", &new_hhea),
        (*b"hmtx", &new_hmtx),
        (*b"loca", &new_loca),
        (*b"maxp", &new_maxp),
    ];
    let n = out_tables.len() as u16;
    let entry_selector = 15 - n.leading_zeros() as u16;
    let search_range = 16u16 << entry_selector;
    let mut out = Vec::with_capacity(new_glyf.len() + 4096);
    out.extend_from_slice(&u32_at(tables.font, 0)?.to_be_bytes());
    for v in [n, search_range, entry_selector, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * out_tables.len();
    for (tag, table) in &out_tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(table).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(table.len() as u32).to_be_bytes());
        offset += table.len().next_multiple_of(4);
    }
    for (_, table) in &out_tables {
        out.extend_from_slice(table);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_are_numbered_in_order_of_first_use() {
        let mut set = GlyphSet::new();
        assert_eq!(set.add(500, Some('予')), 1);
        assert_eq!(set.add(20, Some('A')), 2);
        assert_eq!(set.add(500, Some('予')), 1);
        let all: Vec<_> = set.glyphs().collect();
        assert_eq!(
            all,
            [(0, 0, None), (1, 500, Some('予')), (2, 20, Some('A'))]
        );
    }

    #[test]
    fn composite_components_are_renumbered_and_instructions_dropped() {
        // numberOfContours -1, bbox, then two components: the first with
        // word arguments and a scale, the second with byte arguments and
        // instructions after it.
        let mut outline = vec![0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];
        outline.extend_from_slice(&[0x00, 0x29, 0x00, 0x07, 0, 1, 0, 2, 0x40, 0]);
        outline.extend_from_slice(&[0x01, 0x00, 0x00, 0x09, 3, 4, 0, 2, 0xb0, 0x01]);
        assert_eq!(components(&outline), (vec![10, 20], 26));
        let mut set = GlyphSet::new();
        let out = outline_for_subset(&outline, &mut set).unwrap_or_default();
        assert_eq!(out.len(), 26, "instructions dropped");
        assert_eq!(&out[10..14], &[0x00, 0x29, 0x00, 0x01], "7 → 1");
        assert_eq!(
            &out[20..24],
            &[0x00, 0x00, 0x00, 0x02],
            "9 → 2, no instructions flag"
        );
    }

    #[test]
    fn simple_glyph_instructions_are_dropped() {
        // One contour ending at point 0, three instruction bytes, one flag
        // and one x and y byte.
        let outline = [
            0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0xb0, 1, 2, 0x37, 5, 6,
        ];
        let out = outline_for_subset(&outline, &mut GlyphSet::new()).unwrap_or_default();
        assert_eq!(out, [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x37, 5, 6]);
    }

    #[test]
    fn table_checksums_pad_with_zeros() {
        assert_eq!(checksum(&[0, 0, 0, 1, 0, 0, 1]), 1 + 256);
    }
}
