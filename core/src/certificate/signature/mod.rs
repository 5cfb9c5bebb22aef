//! The electronic signature (電子署名) of a certificate issued on the portal
//! (SPEC §6): PAdES baseline B — a CMS detached signature over the PDF's
//! byte range, SHA-256 with RSA (2048 bits or more) or ECDSA P-256, the
//! signer's certificate embedded. The embedder supplies the key and the
//! certificate as PEM; the signature is added as an incremental update,
//! so the signed file still holds the unsigned one byte for byte.
//!
//! RSA PKCS #1 v1.5 and ECDSA with RFC 6979 nonces are both deterministic:
//! the same certificate signed at the same instant gives the same bytes.

pub(crate) mod asn1;
mod cms;
mod update;

use std::fmt;

use chrono::{DateTime, Utc};
use der::asn1::{AnyRef, GeneralizedTime, ObjectIdentifier, UtcTime};
use der::{Decode as _, Reader as _, SliceReader, Tag, TagNumber};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// sha256WithRSAEncryption (RFC 4055).
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// ecdsa-with-SHA256 (RFC 5758).
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// Why a certificate could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The private key could not be read, or is of a kind not supported.
    #[error("the signing key cannot be used: {reason}")]
    InvalidKey {
        /// Why.
        reason: String,
    },
    /// The signer's certificate could not be read.
    #[error("the signing certificate cannot be used: {reason}")]
    InvalidCertificate {
        /// Why.
        reason: String,
    },
    /// The private key is not the one the certificate certifies.
    #[error("the signing key does not belong to the signing certificate")]
    KeyMismatch,
    /// The signer's certificate is not valid at the signing time.
    #[error("the signing certificate is valid from {not_before} to {not_after}, not at {at}")]
    CertificateNotValid {
        /// When the signature would be made.
        at: DateTime<Utc>,
        /// Start of validity.
        not_before: DateTime<Utc>,
        /// End of validity.
        not_after: DateTime<Utc>,
    },
    /// A portal certificate must be signed, and no signer is configured.
    #[error(
        "certificates issued on the portal are signed: configure a signing key and certificate"
    )]
    SignerRequired,
    /// The PDF's structure is not one this signer can extend.
    #[error("the PDF cannot be signed: {reason}")]
    UnsignablePdf {
        /// Why.
        reason: &'static str,
    },
}

impl SignatureError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::InvalidKey { .. } => "invalid_signing_key",
            SignatureError::InvalidCertificate { .. } => "invalid_signing_certificate",
            SignatureError::KeyMismatch => "signing_key_mismatch",
            SignatureError::CertificateNotValid { .. } => "signing_certificate_not_valid",
            SignatureError::SignerRequired => "signer_required",
            SignatureError::UnsignablePdf { .. } => "unsignable_pdf",
        }
    }
}

enum Key {
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
    P256(p256::ecdsa::SigningKey),
}

/// The municipality's signing key and certificate (chain), checked to
/// belong together. `Debug` shows the certificate, never the key.
pub struct Signer {
    key: Key,
    /// DER certificates, the signer's first.
    chain: Vec<Vec<u8>>,
    issuer: Vec<u8>,
    serial: Vec<u8>,
    subject: String,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.algorithm())
            .field("subject", &self.subject)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The blocks of a PEM text (RFC 7468): each block's label and DER bytes,
/// or why it could not be read. Text around and between the blocks (the
/// "Bag Attributes" an export may write) is not part of any block.
fn pem_blocks(text: &str) -> Vec<(String, Result<Vec<u8>, pem_rfc7468::Error>)> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(label_end) = block["-----BEGIN ".len()..].find("-----") else {
            break;
        };
        let label = &block["-----BEGIN ".len()..][..label_end];
        let end_line = format!("-----END {label}-----");
        let Some(end) = block.find(&end_line) else {
            blocks.push((
                label.to_owned(),
                Err(pem_rfc7468::Error::PostEncapsulationBoundary),
            ));
            break;
        };
        let whole = &block[..end + end_line.len()];
        let decoded = pem_rfc7468::decode_vec(whole.as_bytes()).map(|(_, der)| der);
        blocks.push((label.to_owned(), decoded));
        rest = &block[end + end_line.len()..];
    }
    blocks
}

fn read_key(pem: &str) -> Result<Key, SignatureError> {
    use p256::pkcs8::DecodePrivateKey as _;
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::traits::PublicKeyParts as _;
    let invalid = |reason: &str| SignatureError::InvalidKey {
        reason: reason.to_owned(),
    };
    let (label, der) = pem_blocks(pem)
        .into_iter()
        .find(|(label, _)| label.ends_with("PRIVATE KEY"))
        .ok_or_else(|| invalid("no PEM private key (-----BEGIN PRIVATE KEY-----) found"))?;
    let der = der.map_err(|_| invalid("the PEM body is not base64"))?;
    let rsa_key = |k: rsa::PrivateKey| {
        if k.size() < 256 {
            return Err(invalid("RSA keys must have at least 2048 bits"));
        }
        Ok(Key::Rsa(Box::new(
            rsa::pkcs1v15::SigningKey::<Sha256>::new(k),
        )))
    };
    match label.as_str() {
        "PRIVATE KEY" => {
            if let Ok(k) = rsa::PrivateKey::from_pkcs8_der(&der) {
                rsa_key(k)
            } else if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
                Ok(Key::P256(k.into()))
            } else {
                Err(invalid(
                    "a PKCS #8 key that is neither RSA nor ECDSA on P-256",
                ))
            }
        }
        "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&der)
            .map_err(|_| invalid("the PKCS #1 RSA key cannot be read"))
            .and_then(rsa_key),
        "EC PRIVATE KEY" => p256::SecretKey::from_sec1_der(&der)
            .map(|k| Key::P256(k.into()))
            .map_err(|_| invalid("not an ECDSA key on P-256")),
        "ENCRYPTED PRIVATE KEY" => Err(invalid(
            "the key is encrypted: give it decrypted (e.g. from the key store)",
        )),
        _ => Err(invalid("an unknown kind of PEM private key")),
    }
}

/// The fields of an X.509 certificate this signer uses.
struct CertificateFields<'a> {
    serial: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    public_key: &'a [u8],
}

fn certificate_fields(bytes: &[u8]) -> Result<CertificateFields<'_>, der::Error> {
    let mut reader = SliceReader::new(bytes)?;
    let fields = reader.sequence(|certificate| {
        let fields = certificate.sequence(|tbs| {
            // version [0] EXPLICIT, when present.
            let version = Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(0),
            };
            if Tag::peek(tbs)? == version {
                tbs.tlv_bytes()?;
            }
            Tag::peek(tbs)?.assert_eq(Tag::Integer)?;
            let serial = tbs.tlv_bytes()?;
            let _signature = tbs.tlv_bytes()?;
            let issuer = tbs.tlv_bytes()?;
            let (not_before, not_after) =
                tbs.sequence(|validity| Ok::<_, der::Error>((time(validity)?, time(validity)?)))?;
            let subject = tbs.tlv_bytes()?;
            let public_key = tbs.tlv_bytes()?;
            // The unique ids and extensions are not needed.
            let rest = tbs.remaining_len();
            tbs.drain(rest)?;
            Ok::<_, der::Error>(CertificateFields {
                serial,
                issuer,
                subject,
                not_before,
                not_after,
                public_key,
            })
        })?;
        let rest = certificate.remaining_len();
        certificate.drain(rest)?;
        Ok::<_, der::Error>(fields)
    })?;
    reader.finish()?;
    Ok(fields)
}

/// `UTCTime` (1950–2049) or `GeneralizedTime`, as DER (and `der`) read
/// them.
fn time<'a>(r: &mut impl der::Reader<'a>) -> Result<DateTime<Utc>, der::Error> {
    let since_epoch = match Tag::peek(r)? {
        Tag::UtcTime => r.decode::<UtcTime>()?.to_unix_duration(),
        _ => r.decode::<GeneralizedTime>()?.to_unix_duration(),
    };
    let secs = i64::try_from(since_epoch.as_secs())
        .map_err(|_| der::Error::from(der::ErrorKind::DateTime))?;
    DateTime::from_timestamp(secs, 0).ok_or_else(|| der::ErrorKind::DateTime.into())
}

/// The subject's common name (CN), if it has one.
fn common_name(name: &[u8]) -> String {
    const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    let found = || -> Result<Option<String>, der::Error> {
        let mut reader = SliceReader::new(name)?;
        reader.sequence(|rdns| {
            let mut found = None;
            while !rdns.is_finished() {
                rdns.read_nested_set(&mut found, CN)?;
            }
            Ok::<_, der::Error>(found)
        })
    };
    found()
        .ok()
        .flatten()
        .unwrap_or_else(|| "(no common name)".to_owned())
}

/// Reading a `Name`'s relative distinguished names.
trait NameReader<'a>: der::Reader<'a> {
    /// Reads one `SET OF AttributeTypeAndValue`, keeping the value of `id`.
    fn read_nested_set(
        &mut self,
        found: &mut Option<String>,
        id: ObjectIdentifier,
    ) -> Result<(), der::Error> {
        let header = der::Header::decode(self)?;
        self.read_nested(header.length(), |set| {
            while !set.is_finished() {
                set.sequence(|attribute| {
                    let kind = attribute.decode::<ObjectIdentifier>()?;
                    let value = attribute.decode::<AnyRef<'_>>()?;
                    if kind == id && found.is_none() {
                        *found = std::str::from_utf8(value.value()).ok().map(str::to_owned);
                    }
                    Ok::<_, der::Error>(())
                })?;
            }
            Ok::<_, der::Error>(())
        })
    }
}

impl<'a, R: der::Reader<'a>> NameReader<'a> for R {}

impl Signer {
    /// Reads the signing key (PKCS #8, PKCS #1 RSA or SEC1 EC, unencrypted)
    /// and the certificate chain (the signer's certificate first, then any
    /// intermediates) from PEM, and checks that they belong together.
    pub fn from_pem(key_pem: &str, certificate_pem: &str) -> Result<Signer, SignatureError> {
        use p256::pkcs8::DecodePublicKey as _;
        let key = read_key(key_pem)?;
        let invalid = |reason: &str| SignatureError::InvalidCertificate {
            reason: reason.to_owned(),
        };
        let chain = pem_blocks(certificate_pem)
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der.map_err(|_| invalid("a PEM body is not base64")))
            .collect::<Result<Vec<_>, _>>()?;
        let first = chain
            .first()
            .ok_or_else(|| invalid("no PEM certificate (-----BEGIN CERTIFICATE-----) found"))?;
        let fields = certificate_fields(first)
            .map_err(|_| invalid("not a well-formed X.509 certificate"))?;
        let matches = match &key {
            Key::Rsa(k) => rsa::PublicKey::from_public_key_der(fields.public_key)
                .is_ok_and(|p| rsa::PublicKey::from(k.as_ref().as_ref()) == p),
            Key::P256(k) => p256::PublicKey::from_public_key_der(fields.public_key)
                .is_ok_and(|p| p == p256::PublicKey::from(k.verifying_key())),
        };
        if !matches {
            return Err(SignatureError::KeyMismatch);
        }
        Ok(Signer {
            issuer: fields.issuer.to_vec(),
            serial: fields.serial.to_vec(),
            subject: common_name(fields.subject),
            not_before: fields.not_before,
            not_after: fields.not_after,
            key,
            chain,
        })
    }

    /// "RSA-2048 with SHA-256" or "ECDSA P-256 with SHA-256".
    pub fn algorithm(&self) -> String {
        use rsa::traits::PublicKeyParts as _;
        match &self.key {
            Key::Rsa(k) => format!(
                "RSA-{} with SHA-256",
                rsa::PublicKey::from(k.as_ref().as_ref()).size() * 8
            ),
            Key::P256(_) => "ECDSA P-256 with SHA-256".to_owned(),
        }
    }

    /// The signer certificate's subject common name.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    fn signature_algorithm(&self) -> Vec<u8> {
        match self.key {
            Key::Rsa(_) => asn1::algorithm(&SHA256_WITH_RSA, true),
            Key::P256(_) => asn1::algorithm(&ECDSA_WITH_SHA256, false),
        }
    }

    fn sign_bytes(&self, message: &[u8]) -> Vec<u8> {
        use rsa::signature::{SignatureEncoding as _, Signer as _};
        match &self.key {
            Key::Rsa(k) => k.sign(message).to_vec(),
            Key::P256(k) => {
                let signature: p256::ecdsa::Signature = k.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
        }
    }

    /// The longest signature this key makes: RSA's is the modulus' length,
    /// ECDSA P-256's DER at most 72 bytes.
    fn max_signature_len(&self) -> usize {
        use rsa::traits::PublicKeyParts as _;
        match &self.key {
            Key::Rsa(k) => rsa::PublicKey::from(k.as_ref().as_ref()).size(),
            Key::P256(_) => 72,
        }
    }

    /// The CMS `SignedData` over a content with SHA-256 `digest`; with
    /// `sign` false, the same with the longest signature's room in zeros.
    fn cms(&self, digest: &[u8], sign: bool) -> Vec<u8> {
        let algorithm = self.signature_algorithm();
        let identity = cms::SignerIdentity {
            chain: &self.chain,
            issuer: &self.issuer,
            serial: &self.serial,
            signature_algorithm: &algorithm,
        };
        let attributes = cms::signed_attributes(&identity, digest);
        let signature = if sign {
            self.sign_bytes(&attributes)
        } else {
            vec![0; self.max_signature_len()]
        };
        cms::signed_data(&identity, &attributes, &signature)
    }

    /// Signs `pdf` at `at` (the issuance instant: no wall clock inside),
    /// returning the signed file. `reason` is shown by PDF readers.
    pub fn sign(
        &self,
        pdf: &[u8],
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<Vec<u8>, SignatureError> {
        if at < self.not_before || at > self.not_after {
            return Err(SignatureError::CertificateNotValid {
                at,
                not_before: self.not_before,
                not_after: self.not_after,
            });
        }
        // Room for the longest CMS this key makes (ECDSA's DER varies by a
        // few bytes); a shorter one is padded with zeros.
        let room = self.cms(&[0; 32], false).len();
        update::sign_incrementally(pdf, at, reason, room, |signed_bytes| {
            self.cms(&Sha256::digest(signed_bytes), true)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_times_read_both_encodings() {
        use asn1::{sequence, tag, tlv};
        let read = |a: &[u8], b: &[u8]| {
            let validity = sequence(&[a, b]);
            let mut r = SliceReader::new(&validity).map_err(|_| ())?;
            r.sequence(|v| Ok::<_, der::Error>((time(v)?, time(v)?)))
                .map(|(x, y): (DateTime<Utc>, DateTime<Utc>)| (x.to_rfc3339(), y.to_rfc3339()))
                .map_err(|_| ())
        };
        let utc = tlv(tag::UTC_TIME, b"250401000000Z");
        let generalized = tlv(tag::GENERALIZED_TIME, b"20500101120000Z");
        assert_eq!(
            read(&utc, &generalized),
            Ok((
                "2025-04-01T00:00:00+00:00".to_owned(),
                "2050-01-01T12:00:00+00:00".to_owned()
            ))
        );
        assert!(read(&tlv(tag::UTC_TIME, b"251301000000Z"), &generalized).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_as_key_or_certificate_are_refused_without_panic(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            label in proptest::sample::select(vec!["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "CERTIFICATE"]),
        ) {
            let body = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes);
            let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            let refused = Signer::from_pem(&pem, &pem).err().map(|e| e.code());
            proptest::prop_assert!(matches!(
                refused,
                Some("invalid_signing_key" | "invalid_signing_certificate")
            ));
        }

        #[test]
        fn certificate_fields_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = certificate_fields(&bytes);
            let _ = common_name(&bytes);
            let _ = pem_blocks(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn unreadable_pem_is_a_typed_error() {
        let e = Signer::from_pem("not a key", "not a certificate").err();
        assert_eq!(e.map(|e| e.code()), Some("invalid_signing_key"));
        let e = Signer::from_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "",
        )
        .err();
        assert_eq!(e.map(|e| e.code()), Some("invalid_signing_key"));
    }
}
