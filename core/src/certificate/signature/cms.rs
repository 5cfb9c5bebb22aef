//! The CMS `SignedData` (RFC 5652) of a PAdES baseline signature
//! (ETSI EN 319 142-1, `ETSI.CAdES.detached`): detached content, SHA-256,
//! the signed attributes content type, message digest and ESS
//! signing-certificate-v2; the signer's certificate chain embedded. The
//! signing time is the PDF signature dictionary's `/M`, not an attribute.

use sha2::{Digest, Sha256};

use der::asn1::ObjectIdentifier;

use super::asn1::{
    algorithm, constructed, octet_string, oid, sequence, set_of, small_integer, tag, tlv,
};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// What the signer's certificate contributes to the CMS.
pub(crate) struct SignerIdentity<'a> {
    /// The certificate chain, DER, the signer's first.
    pub chain: &'a [Vec<u8>],
    /// The issuer `Name` of the signer's certificate, encoded.
    pub issuer: &'a [u8],
    /// Its serial number `INTEGER`, encoded.
    pub serial: &'a [u8],
    /// The signature `AlgorithmIdentifier`, encoded.
    pub signature_algorithm: &'a [u8],
}

/// The attributes signed instead of the content, as a DER `SET`: that
/// encoding is what the key signs.
pub(crate) fn signed_attributes(identity: &SignerIdentity<'_>, content_digest: &[u8]) -> Vec<u8> {
    let attribute = |id: &ObjectIdentifier, value: &[u8]| sequence(&[&oid(id), &set_of(&[value])]);
    let signer_certificate = identity.chain.first().map_or(&[][..], Vec::as_slice);
    // ESSCertIDv2 { certHash, issuerSerial { GeneralNames { [4] issuer }, serial } },
    // hashAlgorithm left at its default, SHA-256.
    let issuer_serial = sequence(&[
        &sequence(&[&tlv(tag::context(4), identity.issuer)]),
        identity.serial,
    ]);
    let cert_id = sequence(&[
        &octet_string(&Sha256::digest(signer_certificate)),
        &issuer_serial,
    ]);
    let signing_certificate = sequence(&[&sequence(&[&cert_id])]);
    set_of(&[
        &attribute(&ID_CONTENT_TYPE, &oid(&ID_DATA)),
        &attribute(&ID_MESSAGE_DIGEST, &octet_string(content_digest)),
        &attribute(&ID_SIGNING_CERTIFICATE_V2, &signing_certificate),
    ])
}

/// The `ContentInfo` holding the `SignedData`, given the signed attributes
/// and the signature over them.
pub(crate) fn signed_data(
    identity: &SignerIdentity<'_>,
    signed_attributes: &[u8],
    signature: &[u8],
) -> Vec<u8> {
    let sha256 = algorithm(&ID_SHA256, false);
    // In the SignerInfo the attributes are `[0] IMPLICIT`: same contents,
    // another tag.
    let mut attributes = signed_attributes.to_vec();
    if let Some(first) = attributes.first_mut() {
        *first = tag::context(0);
    }
    let signer_info = sequence(&[
        &small_integer(1),
        &sequence(&[identity.issuer, identity.serial]),
        &sha256,
        &attributes,
        identity.signature_algorithm,
        &octet_string(signature),
    ]);
    let certificates: Vec<&[u8]> = identity.chain.iter().map(Vec::as_slice).collect();
    let signed = sequence(&[
        &small_integer(1),
        &set_of(&[&sha256]),
        &sequence(&[&oid(&ID_DATA)]),
        &constructed(tag::context(0), &certificates),
        &set_of(&[&signer_info]),
    ]);
    sequence(&[&oid(&ID_SIGNED_DATA), &tlv(tag::context(0), &signed)])
}
