//! Just enough DER (ITU-T X.690) to read an X.509 certificate's fields and
//! to write a CMS `SignedData`: tag–length–value reading and writing.

/// A DER value: its tag, its contents and the whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub contents: &'a [u8],
    pub encoded: &'a [u8],
}

/// Reads consecutive DER values from a byte string.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

/// The DER was not well formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next value (single-byte tags only, which is all X.509 uses).
    pub fn next(&mut self) -> Result<Tlv<'a>, Malformed> {
        let bytes = self.rest;
        let (&tag, after_tag) = bytes.split_first().ok_or(Malformed)?;
        if tag & 0x1f == 0x1f {
            return Err(Malformed);
        }
        let (&first, after_len) = after_tag.split_first().ok_or(Malformed)?;
        let (len, after_len) = if first < 0x80 {
            (usize::from(first), after_len)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || after_len.len() < n {
                return Err(Malformed);
            }
            let len = after_len[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &after_len[n..])
        };
        if after_len.len() < len {
            return Err(Malformed);
        }
        let header = bytes.len() - after_len.len();
        self.rest = &after_len[len..];
        Ok(Tlv {
            tag,
            contents: &after_len[..len],
            encoded: &bytes[..header + len],
        })
    }

    /// The next value, which must carry `tag`.
    pub fn expect(&mut self, tag: u8) -> Result<Tlv<'a>, Malformed> {
        let v = self.next()?;
        if v.tag == tag {
            Ok(v)
        } else {
            Err(Malformed)
        }
    }
}

/// Tags used here.
pub(crate) mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[n]` constructed, context-specific.
    pub const fn context(n: u8) -> u8 {
        0xa0 | n
    }
}

/// One value: tag, length, contents.
pub(crate) fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    out.push(tag);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// A constructed value of the already encoded `parts`.
pub(crate) fn constructed(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

/// `SEQUENCE { parts }`.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    constructed(tag::SEQUENCE, parts)
}

/// `SET OF { parts }` in DER order (sorted by encoding).
pub(crate) fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut sorted = parts.to_vec();
    sorted.sort();
    constructed(tag::SET, &sorted)
}

/// A small non-negative `INTEGER`.
pub(crate) fn small_integer(n: u8) -> Vec<u8> {
    if n < 0x80 {
        tlv(tag::INTEGER, &[n])
    } else {
        tlv(tag::INTEGER, &[0, n])
    }
}

/// `OCTET STRING`.
pub(crate) fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, bytes)
}

/// An `OBJECT IDENTIFIER` from its dotted form (constants of this module
/// only: at least two arcs, the first two small).
pub(crate) fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut groups = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        body.extend(groups.iter().rev());
    };
    if let [first, second, rest @ ..] = arcs.as_slice() {
        push(first * 40 + second);
        for arc in rest {
            push(*arc);
        }
    }
    tlv(tag::OID, &body)
}

/// `AlgorithmIdentifier { oid, NULL }` or, without parameters, `{ oid }`.
pub(crate) fn algorithm(dotted: &str, null_parameters: bool) -> Vec<u8> {
    if null_parameters {
        sequence(&[&oid(dotted), &tlv(tag::NULL, &[])])
    } else {
        sequence(&[&oid(dotted)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_identifiers_encode_as_x690_says() {
        // sha256, from RFC 5754.
        assert_eq!(
            oid("2.16.840.1.101.3.4.2.1"),
            [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
        );
        // id-signedData.
        assert_eq!(
            oid("1.2.840.113549.1.7.2"),
            [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]
        );
    }

    #[test]
    fn long_lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 70_000] {
            let body = vec![7u8; len];
            let encoded = tlv(tag::OCTET_STRING, &body);
            let mut r = Reader::new(&encoded);
            let v = r.next().ok();
            assert_eq!(v.map(|v| v.contents.len()), Some(len));
            assert!(r.is_empty());
        }
    }

    #[test]
    fn truncated_values_are_malformed() {
        let encoded = tlv(tag::OCTET_STRING, &[1, 2, 3]);
        assert_eq!(
            Reader::new(&encoded[..encoded.len() - 1]).next(),
            Err(Malformed)
        );
        assert_eq!(Reader::new(&[0x30, 0x84]).next(), Err(Malformed));
    }

    #[test]
    fn sets_are_sorted_by_encoding() {
        let a = small_integer(2);
        let b = small_integer(1);
        assert_eq!(set_of(&[&a, &b]), [0x31, 6, 2, 1, 1, 2, 1, 2]);
    }
}
