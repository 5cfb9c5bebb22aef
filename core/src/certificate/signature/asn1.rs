//! Just enough DER (ITU-T X.690) to write a CMS `SignedData`: tag–length–
//! value writing (reading certificates and keys is the `der`, `spki` and
//! `pem-rfc7468` crates' work).

use der::asn1::ObjectIdentifier;

/// Tags used here.
pub(crate) mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    #[cfg(test)]
    pub const UTC_TIME: u8 = 0x17;
    #[cfg(test)]
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

/// An `OBJECT IDENTIFIER` (its arcs encoded by `const-oid`, through `der`).
pub(crate) fn oid(id: &ObjectIdentifier) -> Vec<u8> {
    tlv(tag::OID, id.as_bytes())
}

/// `AlgorithmIdentifier { oid, NULL }` or, without parameters, `{ oid }`.
pub(crate) fn algorithm(id: &ObjectIdentifier, null_parameters: bool) -> Vec<u8> {
    if null_parameters {
        sequence(&[&oid(id), &tlv(tag::NULL, &[])])
    } else {
        sequence(&[&oid(id)])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn object_identifiers_encode_as_x690_says() {
        // sha256, from RFC 5754.
        assert_eq!(
            oid(&ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1")),
            [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
        );
        // id-signedData.
        assert_eq!(
            oid(&ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2")),
            [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]
        );
    }

    #[test]
    fn long_lengths_are_what_der_reads_back() {
        use der::{Decode, Encode};
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 70_000] {
            let body = vec![7u8; len];
            let encoded = tlv(tag::OCTET_STRING, &body);
            let read = der::asn1::OctetString::from_der(&encoded).unwrap();
            assert_eq!(read.as_bytes().len(), len);
            assert_eq!(read.to_der().unwrap(), encoded);
        }
    }

    #[test]
    fn sets_are_sorted_by_encoding() {
        let a = small_integer(2);
        let b = small_integer(1);
        assert_eq!(set_of(&[&a, &b]), [0x31, 6, 2, 1, 1, 2, 1, 2]);
    }
}
