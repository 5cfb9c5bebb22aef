//! `sesshu import residency`: each person named gets exactly the intervals
//! the file lists for them. A person's rows may be anywhere in the file, so
//! the intervals are gathered first (a few dozen bytes each), then
//! committed [`super::CHUNK`] persons at a time.

use std::collections::BTreeMap;

use sesshu_core::calendar::parse_date;
use sesshu_core::identifiers::{ManagementId, MunicipalityCode};
use sesshu_core::residency::ResidencyInterval;
use sesshu_core::service::{Actor, Sesshu};

use super::{ImportSummary, Row, RowError, Source};

const RESIDENCY_COLUMNS: &[&str] = &["management_id", "municipality", "from", "to"];

/// What the file says about one person.
struct Listed {
    /// The first row that names them, where their refusals are reported.
    first_row: usize,
    intervals: Vec<ResidencyInterval>,
    /// One of their rows was refused: their history is left as it is.
    refused: bool,
}

impl Listed {
    fn new(first_row: usize) -> Self {
        Self {
            first_row,
            intervals: Vec::new(),
            refused: false,
        }
    }
}

/// Imports residency histories: each person named gets exactly the
/// intervals the file lists for them.
pub fn residency(
    services: &Sesshu,
    actor: &Actor,
    source: &Source,
) -> Result<ImportSummary, String> {
    let mut rows = source.rows(RESIDENCY_COLUMNS)?;
    let mut summary = ImportSummary::default();
    let mut by_person: BTreeMap<ManagementId, Listed> = BTreeMap::new();
    while let Some(next) = rows.next_row()? {
        summary.rows += 1;
        let row = match next {
            Ok(row) => row,
            Err(e) => {
                summary.errors.push(e);
                continue;
            }
        };
        match interval(&row) {
            Ok((id, interval)) => by_person
                .entry(id)
                .or_insert_with(|| Listed::new(row.number))
                .intervals
                .push(interval),
            Err(e) => {
                // A person with a bad row is not changed at all.
                if let Ok(id) = ManagementId::parse(row.get("management_id")) {
                    by_person
                        .entry(id)
                        .or_insert_with(|| Listed::new(row.number))
                        .refused = true;
                }
                summary.errors.push(e);
            }
        }
    }
    let size = rows.chunk;
    let mut chunk = Vec::with_capacity(size.min(by_person.len()));
    for listed in by_person {
        chunk.push(listed);
        if chunk.len() == size {
            commit(services, actor, std::mem::take(&mut chunk), &mut summary)?;
        }
    }
    commit(services, actor, chunk, &mut summary)?;
    summary.errors.sort_by_key(|e| e.row);
    Ok(summary)
}

/// Parses one row: whose interval, and the interval.
fn interval(row: &Row<'_>) -> Result<(ManagementId, ResidencyInterval), RowError> {
    let id = row.parse("management_id", ManagementId::parse)?;
    let interval = ResidencyInterval {
        municipality: row.parse("municipality", MunicipalityCode::parse)?,
        from: row.parse("from", parse_date)?,
        to: match row.opt("to") {
            None => None,
            Some(_) => Some(row.parse("to", parse_date)?),
        },
    };
    Ok((id, interval))
}

/// Replaces the histories of one chunk of persons in one commit (the
/// core's residency import); a person with a refused row is left as is.
fn commit(
    services: &Sesshu,
    actor: &Actor,
    listed: Vec<(ManagementId, Listed)>,
    summary: &mut ImportSummary,
) -> Result<(), String> {
    let (numbers, histories): (Vec<usize>, Vec<(ManagementId, Vec<ResidencyInterval>)>) = listed
        .into_iter()
        .filter(|(_, l)| !l.refused)
        .map(|(id, l)| (l.first_row, (id, l.intervals)))
        .unzip();
    let report = services
        .import_residency(actor, histories)
        .map_err(|e| e.to_string())?;
    summary.absorb(&report, &numbers, Vec::new());
    Ok(())
}
