//! Which records to deliver to a municipality's health-management system
//! (健康管理システム連携, H-3-1, `H_031-001_IF`, SPEC §4).

use chrono::{DateTime, Utc};

use crate::identifiers::MunicipalityCode;

/// What the delivery rule reads of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryFacts {
    /// The municipality responsible for the record.
    pub responsible: MunicipalityCode,
    /// When the record was last changed.
    pub updated_at: DateTime<Utc>,
    /// When the municipality last acknowledged receiving it, if ever.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Whether `municipality`'s system must receive the record: it is
/// responsible for it, and the record was never delivered or changed after
/// the last acknowledged delivery (strictly later). Records a moved-in
/// resident received elsewhere are not delivered: the receiving system can
/// read them directly.
pub fn needs_delivery(municipality: MunicipalityCode, record: &DeliveryFacts) -> bool {
    record.responsible == municipality
        && record
            .delivered_at
            .is_none_or(|delivered| record.updated_at > delivered)
}
