//! An auditor of published tables that knows nothing of how they were
//! suppressed: it reads the CSV files alone, by the convention of the
//! published set (a header, the last column `count`, the others
//! dimensions; `total` the sum over a dimension with the others fixed; in
//! `area`, a two-digit prefecture the sum of its six-digit municipalities;
//! `X` a suppressed count), writes every sum as an equation, and for each
//! suppressed cell solves two linear programs — its least and its greatest
//! value over all non-negative tables that agree with every published
//! cell. A cell whose interval is shorter than k is a finding.

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
/// Σ coefficient × suppressed cell = constant.
type Equation = (Vec<(usize, f64)>, f64);

/// Audits one published CSV for threshold `k`.
pub fn audit_csv(text: &str, k: u64) -> Result<Audit, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("no header")?.split(',').collect();
    if header.last() != Some(&"count") {
        return Err(format!("the last column is {:?}, not count", header.last()));
    }
    let dims = header.len() - 1;
    let mut cells: BTreeMap<Row, Option<f64>> = BTreeMap::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != header.len() {
            return Err(format!("row {}: {} fields", i + 2, fields.len()));
        }
        let count = match fields[dims] {
            "X" => None,
            n => Some(
                n.parse::<f64>()
                    .map_err(|e| format!("row {}: {e}", i + 2))?,
            ),
        };
        let key: Row = fields[..dims].iter().map(|s| (*s).to_owned()).collect();
        if cells.insert(key, count).is_some() {
            return Err(format!("row {}: a cell given twice", i + 2));
        }
    }
    let values: Vec<BTreeSet<String>> = (0..dims)
        .map(|d| cells.keys().map(|r| r[d].clone()).collect())
        .collect();
    let children = |d: usize, v: &str| -> Vec<String> {
        let all = &values[d];
        if header[d] == "area" {
            let prefectures: Vec<String> = all.iter().filter(|c| c.len() == 2).cloned().collect();
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
    // Every sum: parent = Σ children, with the other dimensions fixed.
    let mut equations: Vec<(Row, Vec<Row>)> = Vec::new();
    for row in cells.keys() {
        for d in 0..dims {
            let kids = children(d, &row[d]);
            if kids.is_empty() {
                continue;
            }
            let parts: Vec<Row> = kids
                .iter()
                .map(|c| {
                    let mut r = row.clone();
                    r[d] = c.clone();
                    r
                })
                .collect();
            if parts.iter().all(|p| cells.contains_key(p)) {
                equations.push((row.clone(), parts));
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

/// Audits every CSV file under `dir`.
pub fn audit_dir(dir: &std::path::Path, k: u64) -> Result<BTreeMap<String, Audit>, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "csv") {
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.insert(
                name.clone(),
                audit_csv(&text, k).map_err(|e| format!("{name}: {e}"))?,
            );
        }
    }
    Ok(out)
}
