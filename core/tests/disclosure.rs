//! The suppression of public figures, checked by an auditor that reads
//! only the published files ([`audit`]).

#![allow(clippy::unwrap_used)]

mod audit;

use proptest::prelude::*;
use sesshu_core::disclosure::{protect, Hierarchy, Table};

const AREAS: [&str; 5] = ["131016", "131041", "131130", "141003", "271004"];

fn table(counts: &[u64], vaccines: usize, doses: usize) -> Table {
    let vaccine_codes: Vec<String> = (0..vaccines).map(|v| format!("V{v}")).collect();
    let dose_codes: Vec<String> = (1..=doses).map(|d| d.to_string()).collect();
    let mut t = Table::new(
        "vaccinations",
        vec![
            ("area".into(), Hierarchy::areas(AREAS)),
            ("vaccine".into(), Hierarchy::flat(&vaccine_codes)),
            ("dose".into(), Hierarchy::flat(&dose_codes)),
        ],
    );
    let mut n = 0;
    for a in AREAS {
        for v in &vaccine_codes {
            for d in &dose_codes {
                t.add(&[a, v, d], counts[n % counts.len()]).unwrap();
                n += 1;
            }
        }
    }
    t
}

#[test]
fn the_auditor_finds_an_unprotected_cell() {
    // Only the small cell suppressed: its row total gives it away.
    let csv = "area,vaccine,count\n131016,MR,X\n131016,HPV,20\n131016,total,23\n\
               13,MR,3\n13,HPV,20\n13,total,23\ntotal,MR,3\ntotal,HPV,20\ntotal,total,23\n";
    let audit = audit::audit_csv(csv, 10).unwrap();
    assert_eq!(audit.findings.len(), 1);
    assert_eq!(audit.findings[0].greatest, Some(3.0));
    // Suppressing a partner in a line is not enough when the others pin it.
    let csv = "area,vaccine,count\n131016,MR,X\n131016,HPV,X\n131016,total,23\n\
               13,MR,3\n13,HPV,20\n13,total,23\ntotal,MR,3\ntotal,HPV,20\ntotal,total,23\n";
    assert_eq!(audit::audit_csv(csv, 10).unwrap().findings.len(), 2);
}

#[test]
fn a_protected_table_passes_the_audit() {
    let counts = [0, 3, 12, 40, 1, 9, 25, 0, 2, 60, 15];
    let p = protect(table(&counts, 3, 2), 10).unwrap();
    let (primary, secondary) = p.suppressed();
    assert!(primary > 0 && secondary > 0, "{primary} {secondary}");
    let audit = audit::audit_csv(&p.csv(), 10).unwrap();
    assert_eq!(audit.suppressed, primary + secondary);
    assert_eq!(audit.findings, vec![]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Random tables of small and large counts, three dimensions with the
    /// area hierarchy: no suppressed cell can be narrowed below k.
    #[test]
    fn every_protected_table_is_safe(
        counts in proptest::collection::vec(prop_oneof![Just(0u64), 1u64..10, 10u64..200], 1..60),
        vaccines in 1usize..4, doses in 1usize..3, k in 2u64..15,
    ) {
        let p = protect(table(&counts, vaccines, doses), k).unwrap();
        let audit = audit::audit_csv(&p.csv(), k).unwrap();
        prop_assert_eq!(audit.findings, vec![]);
        // Every count from 1 to k−1 is hidden; every zero is published.
        let t = p.table();
        for cell in 0..t.len() {
            let v = t.value(cell);
            if (1..k).contains(&v) { prop_assert_eq!(p.published(cell), None); }
            if v == 0 { prop_assert_eq!(p.published(cell), Some(0)); }
        }
    }
}
