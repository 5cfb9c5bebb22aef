//! Files attached to a bank-account application (添付書類: the bankbook
//! page, a certificate of the account): a PDF, JPEG or PNG, recognised by
//! its first bytes and never by its name, at most
//! [`MAX_ATTACHMENT_BYTES`], kept with its SHA-256 (rejection reason 6
//! refers to them).

use sha2::{Digest, Sha256};

use super::BankAccountError;
use crate::macros::named_enum;

/// The largest attachment accepted: 10 MiB (a scanned bankbook page is
/// well under it).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The most attachments one application carries.
pub const MAX_ATTACHMENTS: usize = 10;

/// The longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

named_enum! {
    /// What an attachment is, as its bytes say.
    pub enum MediaType {
        /// PDF: begins `%PDF-`.
        Pdf = "application/pdf",
        /// JPEG: begins `FF D8 FF`.
        Jpeg = "image/jpeg",
        /// PNG: begins with the eight-byte PNG signature.
        Png = "image/png",
    }
    unknown: BankAccountError = |v| BankAccountError::AttachmentType { name: v.to_owned() };
}

impl MediaType {
    /// The type the bytes begin with, if one of the three.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if bytes.starts_with(PNG) {
            Some(MediaType::Png)
        } else {
            None
        }
    }
}

/// What is kept about an attachment besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// Its position on the application, from 1.
    pub number: u32,
    /// The file name as given (its last path component, trimmed).
    pub name: String,
    /// The type its bytes say.
    pub media_type: MediaType,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
}

/// A checked attachment: its description and its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// What is kept about it.
    pub info: AttachmentInfo,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Lower-case hex of SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Attachment {
    /// Checks the `number`th file `name` with `bytes`: non-empty, at most
    /// [`MAX_ATTACHMENT_BYTES`], and a PDF, JPEG or PNG by its bytes.
    pub fn new(number: u32, name: &str, bytes: Vec<u8>) -> Result<Self, BankAccountError> {
        let name = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(name)
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME_CHARS)
            .collect::<String>();
        let name = if name.is_empty() {
            format!("attachment-{number}")
        } else {
            name
        };
        if bytes.is_empty() {
            return Err(BankAccountError::AttachmentEmpty { name });
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(BankAccountError::AttachmentTooLarge {
                name,
                size: bytes.len() as u64,
                limit: MAX_ATTACHMENT_BYTES as u64,
            });
        }
        let media_type = MediaType::sniff(&bytes)
            .ok_or(BankAccountError::AttachmentType { name: name.clone() })?;
        Ok(Attachment {
            info: AttachmentInfo {
                number,
                name,
                media_type,
                size: bytes.len() as u64,
                sha256: sha256_hex(&bytes),
            },
            bytes,
        })
    }

    /// Checks every file of an application, numbered from 1 in the order
    /// given: at most [`MAX_ATTACHMENTS`].
    pub fn all(files: Vec<(String, Vec<u8>)>) -> Result<Vec<Attachment>, BankAccountError> {
        if files.len() > MAX_ATTACHMENTS {
            return Err(BankAccountError::TooManyAttachments {
                count: files.len(),
                limit: MAX_ATTACHMENTS,
            });
        }
        files
            .into_iter()
            .zip(1u32..)
            .map(|((name, bytes), n)| Attachment::new(n, &name, bytes))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_bytes_decide_not_the_name() {
        let pdf = Attachment::new(1, "bankbook.png", b"%PDF-1.7\n...".to_vec()).unwrap();
        assert_eq!(pdf.info.media_type, MediaType::Pdf);
        let png = Attachment::new(2, "x.pdf", b"\x89PNG\r\n\x1a\n rest".to_vec()).unwrap();
        assert_eq!(png.info.media_type, MediaType::Png);
        let jpeg = Attachment::new(3, "", vec![0xFF, 0xD8, 0xFF, 0xE0]).unwrap();
        assert_eq!(jpeg.info.media_type, MediaType::Jpeg);
        assert_eq!(jpeg.info.name, "attachment-3");
        for (name, bytes) in [
            ("passbook.pdf", b"PK\x03\x04 a zip".to_vec()),
            ("scan.jpg", b"GIF89a".to_vec()),
            ("a.png", b" %PDF-1.7".to_vec()),
            ("page.pdf", b"<html>".to_vec()),
        ] {
            let e = Attachment::new(1, name, bytes).unwrap_err();
            assert_eq!(e.code(), "attachment_type_refused", "{name}");
        }
    }

    #[test]
    fn size_count_and_names_are_bounded() {
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert_eq!(
            Attachment::new(1, "big.pdf", big).unwrap_err().code(),
            "attachment_too_large"
        );
        assert_eq!(
            Attachment::new(1, "e.pdf", Vec::new()).unwrap_err().code(),
            "attachment_empty"
        );
        let many = (0..=MAX_ATTACHMENTS)
            .map(|i| (format!("{i}.pdf"), b"%PDF-".to_vec()))
            .collect();
        assert_eq!(
            Attachment::all(many).unwrap_err().code(),
            "too_many_attachments"
        );
        let a = Attachment::new(1, "C:\\scans\\..\\通帳\u{7}.pdf", b"%PDF-".to_vec()).unwrap();
        assert_eq!(a.info.name, "通帳.pdf");
        // sha256sum of the five bytes, computed outside the project.
        assert_eq!(
            a.info.sha256,
            "38523c087796e5d5dd1cf9bad1fb026781a838dd9dd2cf8af58b9f6502a46778"
        );
    }

    proptest! {
        #[test]
        fn anything_not_beginning_with_a_signature_is_refused(bytes in proptest::collection::vec(any::<u8>(), 1..64), name in ".{0,20}") {
            let sniffed = MediaType::sniff(&bytes);
            match Attachment::new(1, &name, bytes) {
                Ok(a) => prop_assert_eq!(Some(a.info.media_type), sniffed),
                Err(e) => {
                    prop_assert!(sniffed.is_none());
                    prop_assert_eq!(e.code(), "attachment_type_refused");
                }
            }
        }
    }
}
