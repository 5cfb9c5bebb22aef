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

/// The published files of a protected measure, as the auditor reads them.
fn published(p: &sesshu_core::disclosure::Protected) -> Vec<(String, String)> {
    p.files()
        .into_iter()
        .map(|(name, csv, _)| (format!("{name}.csv"), csv))
        .collect()
}

#[test]
fn files_of_one_measure_are_audited_together() {
    // Shown apart, a cell each file protects alone can be pinned by the
    // other: the auditor links them through the margin they share.
    let csv_a = "area,vaccine,count\n131016,MR,X\n131016,HPV,X\n131016,total,25\n\
                 131041,MR,X\n131041,HPV,X\n131041,total,40\n13,MR,20\n13,HPV,45\n13,total,65\n\
                 total,MR,20\ntotal,HPV,45\ntotal,total,65\n";
    let csv_b = "area,count\n131016,25\n131041,40\n13,65\ntotal,65\n";
    let alone = audit::audit_csv(csv_a, 10).unwrap();
    assert_eq!(alone.findings, vec![]);
    let together = audit::audit_files(
        &[
            ("v-by-area-vaccine.csv".into(), csv_a.into()),
            ("v-by-area.csv".into(), csv_b.into()),
        ],
        10,
    )
    .unwrap();
    assert_eq!(together.findings, vec![]);
    // A second file that shows a cell the first hides is refused as
    // inconsistent or pins it.
    let csv_c = "area,vaccine,count\n131016,MR,3\n131016,HPV,22\n131016,total,25\n\
                 13,MR,3\n13,HPV,22\n13,total,25\ntotal,MR,3\ntotal,HPV,22\ntotal,total,25\n";
    let pinned = audit::audit_files(
        &[
            ("v-by-area-vaccine.csv".into(), csv_a.into()),
            ("v-by-area-vaccine-x.csv".into(), csv_c.into()),
        ],
        10,
    );
    assert!(pinned.is_err() || !pinned.unwrap().findings.is_empty());
    assert_eq!(
        audit::measure("vaccinations-by-area-age.csv"),
        "vaccinations"
    );
    assert_eq!(audit::measure("coverage.csv"), "coverage");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Random measures published as two files sharing their area margin:
    /// no suppressed cell of either can be narrowed below k by reading
    /// both.
    #[test]
    fn linked_files_are_safe_together(
        counts in proptest::collection::vec(prop_oneof![Just(0u64), 1u64..10, 10u64..200], 1..60),
        vaccines in 1usize..4, doses in 1usize..4, k in 2u64..15,
    ) {
        let mut t = table(&counts, vaccines, doses);
        t.publish("v-by-area-vaccine", &["area", "vaccine"]).unwrap();
        t.publish("v-by-area-dose", &["area", "dose"]).unwrap();
        let p = protect(t, k).unwrap();
        let audit = audit::audit_files(&published(&p), k).unwrap();
        prop_assert_eq!(audit.findings, vec![]);
        for cell in 0..p.table().len() {
            let v = p.table().value(cell);
            if p.released(cell) && (1..k).contains(&v) { prop_assert_eq!(p.published(cell), None); }
            if p.released(cell) && v == 0 { prop_assert_eq!(p.published(cell), Some(0)); }
        }
    }

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
