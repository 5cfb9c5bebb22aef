//! docs/masters.md lists every declared master with its label, owner and
//! columns in file order, so the page and the declarations cannot drift.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sesshu_core::masters::catalog;

#[test]
fn every_master_is_documented_with_its_columns() {
    let page = include_str!("../../docs/masters.md");
    for kind in catalog::ALL {
        let owner = kind.owner.as_str();
        let columns = kind.file_columns().join(", ");
        let row = format!("| `{}` | {} | {owner} | {columns} |", kind.name, kind.label);
        assert!(
            page.contains(&row),
            "docs/masters.md lacks or misstates:\n{row}"
        );
    }
    for interface in sesshu_core::masters::exchange::RECEIVED {
        assert!(
            page.contains(interface.id),
            "{} is not documented",
            interface.id
        );
    }
}
