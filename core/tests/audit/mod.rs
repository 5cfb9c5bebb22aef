//! An auditor of published tables that knows nothing of how they were
//! suppressed: it reads the CSV files alone, by the convention of the
//! published set (a header, the last column `count`, the others
//! dimensions; `total` the sum over a dimension with the others fixed; in
//! `area`, a two-digit prefecture the sum of its six-digit municipalities;
//! `X` a suppressed count; files named `<measure>-by-….csv` count the same
//! measure, a dimension a file lacks being `total` in it, so a cell two
//! files show is one unknown), writes every sum as an equation, and for
//! each suppressed cell solves two linear programs — its least and its
//! greatest value over all non-negative tables that agree with every
//! published cell. A cell whose interval is shorter than k is a finding.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// A suppressed cell that can be narrowed below k.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Its dimension values.
    pub cell: Vec<String>,
    /// The least value it can have.
    pub least: f64,
    /// The greatest (`None`: unbounded).
    pub greatest: Option<f64>,
}

/// What one file's audit found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audit {
    /// Cells in the file.
    pub cells: usize,
    /// Suppressed cells.
    pub suppressed: usize,
    /// Suppressed cells whose interval is shorter than k.
    pub findings: Vec<Finding>,
}

type Row = Vec<String>;
/// A file's dimensions and its rows (values, count or `None` when suppressed).
type ParsedFile = (Vec<String>, Vec<(Row, Option<f64>)>);
/// Σ coefficient × suppressed cell = constant.
type Equation = (Vec<(usize, f64)>, f64);

/// Audits one published CSV for threshold `k`.
pub fn audit_csv(text: &str, k: u64) -> Result<Audit, String> {
    audit_files(&[("t.csv".to_owned(), text.to_owned())], k)
}

/// The measure a file counts: its name up to `-by-` (or `.csv`).
pub fn measure(name: &str) -> &str {
    let stem = name.strip_suffix(".csv").unwrap_or(name);
    stem.split("-by-").next().unwrap_or(stem)
}

/// Audits the files of one measure together, for threshold `k`.
pub fn audit_files(files: &[(String, String)], k: u64) -> Result<Audit, String> {
    let mut parsed: Vec<ParsedFile> = Vec::new();
    for (name, text) in files {
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .ok_or(format!("{name}: no header"))?
            .split(',')
            .map(str::to_owned)
            .collect();
        if header.last().map(String::as_str) != Some("count") {
            return Err(format!(
                "{name}: the last column is {:?}, not count",
                header.last()
            ));
        }
        let dims = header.len() - 1;
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != header.len() {
                return Err(format!("{name} row {}: {} fields", i + 2, fields.len()));
            }
            let count = match fields[dims] {
                "X" => None,
                n => Some(
                    n.parse::<f64>()
                        .map_err(|e| format!("{name} row {}: {e}", i + 2))?,
                ),
            };
            rows.push((
                fields[..dims].iter().map(|s| (*s).to_owned()).collect(),
                count,
            ));
        }
        parsed.push((header[..dims].to_vec(), rows));
    }
    // Every dimension of the measure, in order of first appearance.
    let mut all_dims: Vec<String> = Vec::new();
    for (dims, _) in &parsed {
        for d in dims {
            if !all_dims.contains(d) {
                all_dims.push(d.clone());
            }
        }
    }
    let full = |dims: &[String], row: &[String]| -> Row {
        all_dims
            .iter()
            .map(|d| {
                dims.iter()
                    .position(|x| x == d)
                    .map_or_else(|| "total".to_owned(), |i| row[i].clone())
            })
            .collect()
    };
    let mut cells: BTreeMap<Row, Option<f64>> = BTreeMap::new();
    for (dims, rows) in &parsed {
        for (row, count) in rows {
            let key = full(dims, row);
            if let Some(before) = cells.insert(key.clone(), *count) {
                if before != *count {
                    return Err(format!("{key:?} is shown as {before:?} and as {count:?}"));
                }
            }
        }
    }
    // Every sum a file shows: parent = Σ children, the others fixed.
    let mut equations: Vec<(Row, Vec<Row>)> = Vec::new();
    for (dims, rows) in &parsed {
        let values: Vec<BTreeSet<String>> = (0..dims.len())
            .map(|d| rows.iter().map(|(r, _)| r[d].clone()).collect())
            .collect();
        let children = |d: usize, v: &str| -> Vec<String> {
            let all = &values[d];
            if dims[d] == "area" {
                let prefectures: Vec<String> =
                    all.iter().filter(|c| c.len() == 2).cloned().collect();
                match v {
                    "total" if !prefectures.is_empty() => prefectures,
                    "total" => all.iter().filter(|c| c.len() == 6).cloned().collect(),
                    p if p.len() == 2 => all
                        .iter()
                        .filter(|c| c.len() == 6 && c.starts_with(p))
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                }
            } else if v == "total" {
                all.iter().filter(|c| *c != "total").cloned().collect()
            } else {
                Vec::new()
            }
        };
        let shown: BTreeSet<&Vec<String>> = rows.iter().map(|(r, _)| r).collect();
        for (row, _) in rows {
            for d in 0..dims.len() {
                let kids = children(d, &row[d]);
                if kids.is_empty() {
                    continue;
                }
                let parts: Vec<Vec<String>> = kids
                    .iter()
                    .map(|c| {
                        let mut r = row.clone();
                        r[d] = c.clone();
                        r
                    })
                    .collect();
                if parts.iter().all(|p| shown.contains(p)) {
                    equations.push((
                        full(dims, row),
                        parts.iter().map(|p| full(dims, p)).collect(),
                    ));
                }
            }
        }
    }
    let suppressed: Vec<Row> = cells
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(r, _)| r.clone())
        .collect();
    let mut audit = Audit {
        cells: cells.len(),
        suppressed: suppressed.len(),
        findings: Vec::new(),
    };
    if suppressed.is_empty() {
        return Ok(audit);
    }
    // Equations over suppressed cells only (published ones are constants),
    // split into the groups of cells they link.
    let index: BTreeMap<&Row, usize> = suppressed.iter().enumerate().map(|(i, r)| (r, i)).collect();
    let mut reduced: Vec<Equation> = Vec::new();
    for (total, parts) in &equations {
        let mut terms: BTreeMap<usize, f64> = BTreeMap::new();
        let mut constant = 0.0;
        let mut add = |r: &Row, sign: f64| match cells[r] {
            Some(v) => constant -= sign * v,
            None => *terms.entry(index[r]).or_insert(0.0) += sign,
        };
        add(total, 1.0);
        for p in parts {
            add(p, -1.0);
        }
        terms.retain(|_, c| *c != 0.0);
        if terms.is_empty() {
            if constant.abs() > 1e-9 {
                return Err(format!("published cells of {total:?} do not add up"));
            }
            continue;
        }
        reduced.push((terms.into_iter().collect(), constant));
    }
    let mut group: Vec<usize> = (0..suppressed.len()).collect();
    fn find(g: &mut [usize], i: usize) -> usize {
        let mut r = i;
        while g[r] != r {
            r = g[r];
        }
        g[i] = r;
        r
    }
    for (terms, _) in &reduced {
        let first = find(&mut group, terms[0].0);
        for (t, _) in &terms[1..] {
            let other = find(&mut group, *t);
            group[other] = first;
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..suppressed.len() {
        let g = find(&mut group, i);
        members.entry(g).or_default().push(i);
    }
    let mut equations_of: BTreeMap<usize, Vec<&Equation>> = BTreeMap::new();
    for e in &reduced {
        let g = find(&mut group, e.0[0].0);
        equations_of.entry(g).or_default().push(e);
    }
    for (g, cells_of) in &members {
        let local: BTreeMap<usize, usize> =
            cells_of.iter().enumerate().map(|(j, &i)| (i, j)).collect();
        let eqs = equations_of.get(g).cloned().unwrap_or_default();
        for (j, &i) in cells_of.iter().enumerate() {
            let bound = |direction| -> Result<Option<f64>, String> {
                let mut p = Problem::new(direction);
                let vars: Vec<_> = (0..cells_of.len())
                    .map(|n| p.add_var(if n == j { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)))
                    .collect();
                for (terms, constant) in &eqs {
                    let expr: Vec<_> = terms.iter().map(|(t, c)| (vars[local[t]], *c)).collect();
                    p.add_constraint(expr, ComparisonOp::Eq, *constant);
                }
                match p.solve() {
                    Ok(s) => Ok(Some(s.objective())),
                    Err(microlp::Error::Unbounded) => Ok(None),
                    Err(e) => Err(format!("{:?}: {e}", suppressed[i])),
                }
            };
            let least = bound(OptimizationDirection::Minimize)?.unwrap_or(0.0);
            let greatest = bound(OptimizationDirection::Maximize)?;
            if greatest.is_some_and(|g| g - least < k as f64 - 1e-6) {
                audit.findings.push(Finding {
                    cell: suppressed[i].clone(),
                    least,
                    greatest,
                });
            }
        }
    }
    Ok(audit)
}

/// Audits every CSV file under `dir`, the files of each measure together.
pub fn audit_dir(dir: &std::path::Path, k: u64) -> Result<BTreeMap<String, Audit>, String> {
    let mut by_measure: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "csv") {
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            by_measure
                .entry(measure(&name).to_owned())
                .or_default()
                .push((name, text));
        }
    }
    by_measure
        .into_iter()
        .map(|(m, files)| {
            audit_files(&files, k)
                .map(|a| (m.clone(), a))
                .map_err(|e| format!("{m}: {e}"))
        })
        .collect()
}
