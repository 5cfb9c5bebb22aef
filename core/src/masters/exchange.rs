//! The daily master exchange with the collective-contract system
//! (集合契約システム) and the online eligibility system (オンライン資格確認等
//! システム): the files received (H_087) and the differences sent (H_088).
//!
//! A received file is named `<interface>_<YYYYMMDD>.csv` — the interface
//! id and the day it holds, `H_087-001_20261201.csv` — and holds the whole
//! of its master (a snapshot, not a difference) in the master's upload
//! layout (`docs/masters.md`). So a day received twice changes nothing the
//! second time, and a missed day replayed after a later one is superseded
//! by it: the state converges on the latest day received.

use chrono::NaiveDate;

use super::catalog;
use super::MasterKind;

/// One interface received daily.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interface {
    /// Its id in the standard (H_087-001).
    pub id: &'static str,
    /// The master it fills.
    pub kind: &'static MasterKind,
    /// Where its rows also go: the online eligibility institutions are
    /// merged into the institution master.
    pub merge_into: Option<&'static MasterKind>,
    /// Whether its receipt sets the municipal settings' implemented flags
    /// (H_087-001 → 自治体別予防接種設定マスタ).
    pub sets_implemented: bool,
}

const fn receive(id: &'static str, kind: &'static MasterKind) -> Interface {
    Interface {
        id,
        kind,
        merge_into: None,
        sets_implemented: false,
    }
}

/// The interfaces received daily (H_087-001, 003 … 011; H_087-002 is the
/// batch that follows H_087-001, not a file).
pub const RECEIVED: &[Interface] = &[
    Interface {
        sets_implemented: true,
        ..receive("H_087-001", &catalog::MUNICIPAL_DISEASE_VACCINES)
    },
    receive("H_087-003", &catalog::INSTITUTION_DISEASE_VACCINES),
    receive("H_087-004", &catalog::INSTITUTIONS),
    receive("H_087-005", &catalog::MUNICIPALITIES),
    receive("H_087-006", &catalog::WIDE_AREA_UNIONS),
    receive("H_087-007", &catalog::CONTRACTED_MUNICIPALITIES),
    receive("H_087-008", &catalog::ADMINISTRATORS),
    receive("H_087-009", &catalog::INSTITUTION_DELEGATIONS),
    receive("H_087-010", &catalog::MUNICIPALITY_DELEGATIONS),
    Interface {
        merge_into: Some(&catalog::INSTITUTIONS),
        ..receive("H_087-011", &catalog::ONLINE_ELIGIBILITY_INSTITUTIONS)
    },
];

/// The masters whose differences are sent daily to the collective-contract
/// system (H_088-001 … 004).
pub const SENT: &[(&str, &MasterKind)] = &[
    ("H_088-001", &catalog::INSTITUTIONS),
    ("H_088-002", &catalog::VACCINE_TYPES),
    ("H_088-003", &catalog::DISEASES),
    ("H_088-004", &catalog::VACCINATION_TYPES),
];

/// A received file's interface and day, read from its name
/// (`H_087-001_20261201.csv`); `None` for a name of another shape or
/// interface.
pub fn received_file(name: &str) -> Option<(&'static Interface, NaiveDate)> {
    let stem = name.strip_suffix(".csv")?;
    let (id, day) = stem.rsplit_once('_')?;
    let interface = RECEIVED.iter().find(|i| i.id == id)?;
    if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day = NaiveDate::parse_from_str(day, "%Y%m%d").ok()?;
    Some((interface, day))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_received_file_is_named_by_its_interface_and_day() {
        let (i, day) = received_file("H_087-001_20261201.csv").unwrap();
        assert_eq!(
            (i.id, i.kind.name),
            ("H_087-001", "municipal_disease_vaccines")
        );
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert!(received_file("H_087-002_20261201.csv").is_none());
        assert!(received_file("H_087-001_20261301.csv").is_none());
        assert!(received_file("H_087-001_2026121.csv").is_none());
        assert!(received_file("H_087-001_20261201.txt").is_none());
        // Every master received is declared, and each interface once.
        for (n, i) in RECEIVED.iter().enumerate() {
            assert!(catalog::ALL.contains(&i.kind), "{}", i.id);
            assert!(RECEIVED[..n].iter().all(|j| j.id != i.id), "{}", i.id);
        }
    }
}
