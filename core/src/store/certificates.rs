//! Issued certificates (予防接種済証の交付台帳).

use super::StoreError;
use crate::certificate::issuance::Issuance;
use crate::identifiers::{ManagementId, MunicipalityCode};

/// The reads of the certificate register.
pub trait CertificateStore: Send + Sync {
    /// How many certificates the municipality has issued in `year`.
    fn issuance_count(&self, municipality: MunicipalityCode, year: i32) -> Result<i64, StoreError>;
    /// The municipality's issuances, newest number last, after `after`,
    /// optionally of one person.
    fn issuances(
        &self,
        municipality: MunicipalityCode,
        person: Option<&ManagementId>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Issuance>, StoreError>;
}
