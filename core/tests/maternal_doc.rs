//! docs/maternal.md lists every data set with every column, as declared.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sesshu_core::maternal::catalog;

#[test]
fn every_data_set_is_documented_with_its_columns() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/maternal.md"),
    )
    .unwrap();
    for set in catalog::ALL {
        let heading = format!(
            "### `{}` — {} ({}, template {})",
            set.name, set.label, set.interface, set.template
        );
        let at = doc
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/maternal.md has no {heading:?}"));
        let section = &doc[at..];
        let end = section[heading.len()..]
            .find("\n### ")
            .map_or(section.len(), |e| e + heading.len());
        let section = &section[..end];
        for column in set.columns() {
            assert!(
                section.contains(&format!("| `{column}` |")),
                "{}: column {column} not documented",
                set.name
            );
        }
        for item in set.items {
            assert!(section.contains(item.label), "{}: {}", set.name, item.label);
        }
    }
}
