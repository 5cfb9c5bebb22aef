//! The authorisation matrix: every operation × role × own/other checked
//! against the table published in docs/authorization.md (SPEC §1).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use sesshu_core::authz::{allows, Operation, Relation};
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::service::Actor;

/// `(operation, role) → allowed relations`, read from the published table.
fn published() -> BTreeMap<(Operation, Role), Vec<Relation>> {
    let page = include_str!("../../docs/authorization.md");
    let mut lines = page.lines().filter(|l| l.starts_with("| "));
    let header: Vec<&str> = lines
        .next()
        .expect("a table")
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(header[0], "operation");
    let roles: Vec<Role> = header[1..]
        .iter()
        .map(|r| Role::parse(r).unwrap())
        .collect();
    assert_eq!(roles, Role::ALL, "one column per role, in order");
    let mut out = BTreeMap::new();
    for line in lines.filter(|l| !l.starts_with("| ---")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let cells = &cells[1..cells.len() - 1];
        let op = Operation::parse(cells[0]).unwrap();
        assert_eq!(cells.len(), roles.len() + 1, "{line}");
        for (role, cell) in roles.iter().zip(&cells[1..]) {
            let relations: Vec<Relation> = if *cell == "—" {
                Vec::new()
            } else {
                cell.split(',')
                    .map(|r| Relation::parse(r.trim()).unwrap())
                    .collect()
            };
            out.insert((op, *role), relations);
        }
    }
    out
}

#[test]
fn every_cell_of_the_matrix_matches_the_published_table() {
    let table = published();
    let mut cells = 0;
    for &op in Operation::ALL {
        for &role in Role::ALL {
            let listed = table
                .get(&(op, role))
                .unwrap_or_else(|| panic!("{op} is missing from docs/authorization.md"));
            for &rel in Relation::ALL {
                assert_eq!(
                    allows(op, role, rel),
                    listed.contains(&rel),
                    "{op} by {role} on {rel} data"
                );
                cells += 1;
            }
        }
    }
    assert_eq!(cells, Operation::ALL.len() * Role::ALL.len() * 2);
    // 19 operations (replace_zengin, write_masters and exchange_masters
    // the newest) × 8 roles × own/other: a new operation must be added to
    // the published table on purpose.
    assert_eq!(cells, 512, "32 operations × 8 roles × 2 relations");
}

fn org(t: OrganisationType) -> OrganisationCode {
    let code = match t {
        OrganisationType::Municipality => "131016",
        OrganisationType::MedicalInstitution => "1310100011",
        _ => "X1",
    };
    OrganisationCode::parse(code).unwrap()
}

/// SPEC §1: a role counts only in an organisation type that may hold it,
/// and an actor's relation to its own organisation is "own".
#[test]
fn actors_are_authorised_through_the_table_and_the_role_rules() {
    let other = OrganisationCode::parse("999999").unwrap();
    for &t in OrganisationType::ALL {
        for &role in Role::ALL {
            let actor = Actor::new("u1", t, org(t), vec![role]);
            for &op in Operation::ALL {
                let own = actor.authorize(op, Some(&org(t))).is_ok();
                let theirs = actor.authorize(op, Some(&other)).is_ok();
                assert_eq!(
                    own,
                    t.may_hold(role) && allows(op, role, Relation::Own),
                    "{t} {role} {op}"
                );
                assert_eq!(
                    theirs,
                    t.may_hold(role) && allows(op, role, Relation::Other),
                    "{t} {role} {op} other"
                );
                if let Err(e) = actor.authorize(op, Some(&other)) {
                    assert_eq!(e.code(), "not_authorized");
                }
            }
        }
    }
}
