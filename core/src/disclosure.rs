//! 秘匿処理: public figures that cannot single anyone out.
//!
//! A measure is a [`Table`]: counts over dimensions whose values form a
//! [`Hierarchy`] (the value `total` at the root, the sum of its children;
//! the area dimension goes total → prefecture → municipality), every
//! margin included. What is published of it are *files*, each over some of
//! its dimensions ([`Table::publish`]): a file holds the cells whose other
//! dimensions are `total`. Files of one measure share the cells they have
//! in common (a margin over their common dimensions), so they are
//! protected together. A cell no file holds is never released.
//!
//! [`protect`] suppresses, with threshold k:
//!
//! - **primary**: every published cell counting 1 to k−1 (zero is
//!   published);
//! - **secondary** (complementary): for each primary cell, a *pattern* of
//!   other cells, so that the published figures admit a second table, equal
//!   on every published cell, in which the primary cell is k larger. A
//!   pattern is a product, over all the measure's dimensions, of
//!   one-dimensional moves that keep every sum of the whole cube (so also
//!   every sum any file shows): *across* (the cell +1, a sibling −1, each
//!   with a path down to a leaf; or the cell and its ancestors up to one
//!   that has a sibling +1, that sibling −1) or *up* (the cell, its ancestors and a path down
//!   to a leaf, all +1). Every cell given −1 counts at least k, so moving k
//!   along the pattern keeps every count of the cube non-negative: each
//!   cell of the pattern can then be k higher or k lower than it is, and no
//!   one reading the published cells can narrow it to an interval shorter
//!   than k. The published cells of the pattern are suppressed; the others
//!   are not released anyway. Published zeros are never suppressed. Of the
//!   patterns found, the one that suppresses the least (the sum of the
//!   published counts it newly hides) is taken; the all-up pattern always
//!   exists, so every primary cell is protected.
//!
//! This is the hypercube method of τ-ARGUS (Repsilber's GHMITER) with the
//! protection of each cell proved by its own pattern; the tests check every
//! result with a linear program over the published equations alone.

use std::collections::BTreeMap;

use thiserror::Error;

/// The value of a dimension that is the sum over it.
pub const TOTAL: &str = "total";

/// The written form of a suppressed count.
pub const SUPPRESSED: &str = "X";

/// Why a table could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DisclosureError {
    /// A value not among a dimension's leaves.
    #[error("dimension {dimension}: {value:?} is not one of its values")]
    UnknownValue {
        /// The dimension.
        dimension: String,
        /// The value as given.
        value: String,
    },
    /// A row with another number of values than the table has dimensions.
    #[error("{given} values given for a table of {expected} dimensions")]
    Arity {
        /// Values given.
        given: usize,
        /// Dimensions of the table.
        expected: usize,
    },
    /// A threshold below 1.
    #[error("the suppression threshold must be at least 1, not {value}")]
    Threshold {
        /// The threshold as given.
        value: u64,
    },
    /// A counts file that cannot be read.
    #[error("counts file, row {row}, column {column}: {reason}")]
    CountsFile {
        /// The row (1: the header).
        row: usize,
        /// The column's name (or number).
        column: String,
        /// What is wrong.
        reason: String,
    },
}

impl DisclosureError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            DisclosureError::UnknownValue { .. } => "unknown_dimension_value",
            DisclosureError::Arity { .. } => "dimension_count",
            DisclosureError::Threshold { .. } => "invalid_threshold",
            DisclosureError::CountsFile { .. } => "invalid_counts_file",
        }
    }
}

/// The values of one dimension as a tree: node 0 is `total`, each node the
/// sum of its children; leaves are where counts are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    codes: Vec<String>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    index: BTreeMap<String, usize>,
}

impl Hierarchy {
    fn root() -> Hierarchy {
        Hierarchy {
            codes: vec![TOTAL.to_owned()],
            parent: vec![None],
            children: vec![Vec::new()],
            index: BTreeMap::from([(TOTAL.to_owned(), 0)]),
        }
    }

    fn child(&mut self, parent: usize, code: &str) -> usize {
        if let Some(&n) = self.index.get(code) {
            return n;
        }
        let n = self.codes.len();
        self.codes.push(code.to_owned());
        self.parent.push(Some(parent));
        self.children.push(Vec::new());
        self.children[parent].push(n);
        self.index.insert(code.to_owned(), n);
        n
    }

    /// `total` and the given values under it (in the order given, each
    /// once).
    pub fn flat<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Hierarchy {
        let mut h = Hierarchy::root();
        for v in values {
            h.child(0, v.as_ref());
        }
        h
    }

    /// `total` → prefectures (the codes' first two digits) → the given
    /// six-digit municipality codes.
    pub fn areas<S: AsRef<str>>(municipalities: impl IntoIterator<Item = S>) -> Hierarchy {
        let mut h = Hierarchy::root();
        for m in municipalities {
            let m = m.as_ref();
            let prefecture = h.child(0, m.get(..2).unwrap_or(m));
            h.child(prefecture, m);
        }
        h
    }

    /// How many values, `total` included.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Never: `total` is always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The code of a node.
    pub fn code(&self, node: usize) -> &str {
        self.codes.get(node).map_or("", String::as_str)
    }

    /// The node of a code.
    pub fn node(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    /// Whether a node has no children.
    pub fn is_leaf(&self, node: usize) -> bool {
        self.children.get(node).is_none_or(Vec::is_empty)
    }

    fn ancestors_and_self(&self, node: usize) -> Vec<usize> {
        let mut out = vec![node];
        let mut at = node;
        while let Some(p) = self.parent.get(at).copied().flatten() {
            out.push(p);
            at = p;
        }
        out
    }
}

/// Counts over dimensions, margins included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    name: String,
    dims: Vec<(String, Hierarchy)>,
    strides: Vec<usize>,
    values: Vec<u64>,
    files: Vec<File>,
}

/// One published file of a measure: its name and the dimensions it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its name (`name.csv`).
    pub name: String,
    /// The indexes of the measure's dimensions it shows, in order.
    dims: Vec<usize>,
}

impl Table {
    /// An empty table named `name` (its file is `name.csv`) over `dims`.
    pub fn new(name: &str, dims: Vec<(String, Hierarchy)>) -> Table {
        let mut strides = vec![1; dims.len()];
        for i in (0..dims.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * dims[i + 1].1.len();
        }
        let size = dims.iter().map(|(_, h)| h.len()).product();
        Table {
            name: name.to_owned(),
            dims,
            strides,
            values: vec![0; size],
            files: Vec::new(),
        }
    }

    /// Publishes a file named `name` over the dimensions `dims` (of this
    /// measure): its cells are those whose other dimensions are `total`.
    /// A table with no file published is published whole, as one file of
    /// its own name.
    pub fn publish(&mut self, name: &str, dims: &[&str]) -> Result<(), DisclosureError> {
        let at = dims
            .iter()
            .map(|d| {
                self.dims.iter().position(|(n, _)| n == d).ok_or_else(|| {
                    DisclosureError::UnknownValue {
                        dimension: "dimension".into(),
                        value: (*d).to_owned(),
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.files.push(File {
            name: name.to_owned(),
            dims: at,
        });
        Ok(())
    }

    /// The files published of it.
    pub fn files(&self) -> Vec<File> {
        if self.files.is_empty() {
            vec![File {
                name: self.name.clone(),
                dims: (0..self.dims.len()).collect(),
            }]
        } else {
            self.files.clone()
        }
    }

    /// Whether a file holds the cell.
    fn in_file(&self, file: &File, cell: usize) -> bool {
        self.coords(cell)
            .iter()
            .enumerate()
            .all(|(d, &c)| c == 0 || file.dims.contains(&d))
    }

    /// The cells of a file, in the order of the cube.
    pub fn cells_of(&self, file: &File) -> Vec<usize> {
        (0..self.len()).filter(|&c| self.in_file(file, c)).collect()
    }

    /// The names of a file's dimensions.
    pub fn file_dimensions(&self, file: &File) -> Vec<&str> {
        file.dims.iter().map(|&d| self.dims[d].0.as_str()).collect()
    }

    /// A file's value codes of a cell.
    pub fn file_codes(&self, file: &File, cell: usize) -> Vec<&str> {
        let codes = self.codes(cell);
        file.dims.iter().map(|&d| codes[d]).collect()
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its dimensions' names.
    pub fn dimensions(&self) -> Vec<&str> {
        self.dims.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Adds `count` at the cell of leaf values `values` and to every margin
    /// over it.
    pub fn add(&mut self, values: &[&str], count: u64) -> Result<(), DisclosureError> {
        if values.len() != self.dims.len() {
            return Err(DisclosureError::Arity {
                given: values.len(),
                expected: self.dims.len(),
            });
        }
        let mut chains = Vec::with_capacity(values.len());
        for ((name, h), v) in self.dims.iter().zip(values) {
            let node = h
                .node(v)
                .filter(|&n| h.is_leaf(n) && n != 0)
                .ok_or_else(|| DisclosureError::UnknownValue {
                    dimension: name.clone(),
                    value: (*v).to_owned(),
                })?;
            chains.push(h.ancestors_and_self(node));
        }
        let mut pick = vec![0usize; chains.len()];
        loop {
            let at: usize = pick
                .iter()
                .enumerate()
                .map(|(d, &i)| chains[d][i] * self.strides[d])
                .sum();
            self.values[at] += count;
            if !advance(&mut pick, &chains) {
                break;
            }
        }
        Ok(())
    }

    /// Number of cells, margins included.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether it has no cells (never: the grand total is one).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn coords(&self, mut at: usize) -> Vec<usize> {
        self.strides
            .iter()
            .map(|s| {
                let c = at / s;
                at %= s;
                c
            })
            .collect()
    }

    fn at(&self, coords: &[usize]) -> usize {
        coords.iter().zip(&self.strides).map(|(c, s)| c * s).sum()
    }

    /// The value codes of a cell.
    pub fn codes(&self, cell: usize) -> Vec<&str> {
        self.coords(cell)
            .iter()
            .zip(&self.dims)
            .map(|(&c, (_, h))| h.code(c))
            .collect()
    }

    /// The count of a cell.
    pub fn value(&self, cell: usize) -> u64 {
        self.values.get(cell).copied().unwrap_or(0)
    }

    /// The cell at value codes, if they are values of the dimensions.
    pub fn cell(&self, codes: &[&str]) -> Option<usize> {
        if codes.len() != self.dims.len() {
            return None;
        }
        let coords: Option<Vec<usize>> = codes
            .iter()
            .zip(&self.dims)
            .map(|(c, (_, h))| h.node(c))
            .collect();
        Some(self.at(&coords?))
    }
}

fn advance<T>(pick: &mut [usize], lists: &[Vec<T>]) -> bool {
    for d in (0..pick.len()).rev() {
        pick[d] += 1;
        if pick[d] < lists[d].len() {
            return true;
        }
        pick[d] = 0;
    }
    false
}

/// What became of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellStatus {
    /// Published as counted.
    Published,
    /// 一次秘匿: a count from 1 to k−1.
    Primary,
    /// 二次秘匿: suppressed so that a primary cell cannot be recovered.
    Secondary,
}

/// A table with its suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    table: Table,
    status: Vec<CellStatus>,
    released: Vec<bool>,
    threshold: u64,
}

impl Protected {
    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The threshold k it was protected with.
    pub fn threshold(&self) -> u64 {
        self.threshold
    }

    /// A cell's status.
    pub fn status(&self, cell: usize) -> CellStatus {
        self.status
            .get(cell)
            .copied()
            .unwrap_or(CellStatus::Published)
    }

    /// A cell's published count, `None` when suppressed or in no file.
    pub fn published(&self, cell: usize) -> Option<u64> {
        (self.status(cell) == CellStatus::Published && self.released(cell))
            .then(|| self.table.value(cell))
    }

    /// Whether a file holds the cell.
    pub fn released(&self, cell: usize) -> bool {
        self.released.get(cell).copied().unwrap_or(false)
    }

    /// How many cells are suppressed: (primary, secondary).
    pub fn suppressed(&self) -> (usize, usize) {
        let n = |s| self.status.iter().filter(|&&x| x == s).count();
        (n(CellStatus::Primary), n(CellStatus::Secondary))
    }

    /// The published files: name, CSV and NDJSON.
    pub fn files(&self) -> Vec<(String, String, String)> {
        self.table
            .files()
            .iter()
            .map(|f| (f.name.clone(), self.csv_of(f), self.ndjson_of(f)))
            .collect()
    }

    /// The first published file as CSV (a table published whole).
    pub fn csv(&self) -> String {
        self.table
            .files()
            .first()
            .map(|f| self.csv_of(f))
            .unwrap_or_default()
    }

    /// A published file: a header of its dimensions and `count`, then a
    /// row per cell (margins included), a suppressed count written `X`.
    pub fn csv_of(&self, file: &File) -> String {
        let mut out = self.table.file_dimensions(file).join(",");
        out.push_str(",count\n");
        for cell in self.table.cells_of(file) {
            for code in self.table.file_codes(file, cell) {
                out.push_str(code);
                out.push(',');
            }
            match self.published(cell) {
                Some(v) => out.push_str(&v.to_string()),
                None => out.push_str(SUPPRESSED),
            }
            out.push('\n');
        }
        out
    }

    /// The same rows as newline-delimited JSON objects, `count` `null`
    /// when suppressed (the form the COVID-19 dashboard's open data took).
    pub fn ndjson_of(&self, file: &File) -> String {
        let names = self.table.file_dimensions(file);
        let mut out = String::new();
        for cell in self.table.cells_of(file) {
            let mut row = serde_json::Map::new();
            for (name, code) in names.iter().zip(self.table.file_codes(file, cell)) {
                row.insert((*name).to_owned(), serde_json::Value::from(code));
            }
            row.insert(
                "count".to_owned(),
                self.published(cell)
                    .map_or(serde_json::Value::Null, serde_json::Value::from),
            );
            out.push_str(&serde_json::Value::Object(row).to_string());
            out.push('\n');
        }
        out
    }
}

/// Protects a table given as a CSV of counts at its finest level — a
/// header of dimension names and `count` last, then one row per cell
/// (rows of one cell are added) — and returns the published CSV with
/// every margin ([`Protected::csv`]). A dimension named `area` holds
/// six-digit municipality codes and gets the prefecture level; the others'
/// values are taken in the order they first appear. The function the
/// bindings offer.
pub fn protect_csv(text: &str, k: u64) -> Result<String, DisclosureError> {
    let bad = |row: usize, column: &str, reason: String| DisclosureError::CountsFile {
        row,
        column: column.to_owned(),
        reason,
    };
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| bad(1, "1", "the file is empty".into()))?
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::trim)
        .collect();
    if header.last() != Some(&"count") || header.len() < 2 {
        return Err(bad(
            1,
            header.last().unwrap_or(&""),
            "the last column must be count, after at least one dimension".into(),
        ));
    }
    let dims = &header[..header.len() - 1];
    let mut rows: Vec<(Vec<&str>, u64)> = Vec::new();
    let mut values: Vec<Vec<&str>> = vec![Vec::new(); dims.len()];
    for (i, line) in lines.enumerate() {
        let row = i + 2;
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != header.len() {
            return Err(bad(
                row,
                "*",
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        }
        for (d, v) in fields[..dims.len()].iter().enumerate() {
            if *v == TOTAL || v.is_empty() {
                return Err(bad(
                    row,
                    dims[d],
                    format!("{v:?} is not a value at the finest level"),
                ));
            }
            if dims[d] == "area" && !(v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit())) {
                return Err(bad(
                    row,
                    "area",
                    format!("{v:?} is not a six-digit municipality code"),
                ));
            }
            if !values[d].contains(v) {
                values[d].push(v);
            }
        }
        let count = fields[dims.len()].parse::<u64>().map_err(|_| {
            bad(
                row,
                "count",
                format!("{:?} is not a whole number", fields[dims.len()]),
            )
        })?;
        rows.push((fields[..dims.len()].to_vec(), count));
    }
    let mut table = Table::new(
        "counts",
        dims.iter()
            .zip(&values)
            .map(|(d, v)| {
                let h = if *d == "area" {
                    Hierarchy::areas(v)
                } else {
                    Hierarchy::flat(v)
                };
                ((*d).to_owned(), h)
            })
            .collect(),
    );
    for (codes, count) in rows {
        table.add(&codes, count)?;
    }
    Ok(protect(table, k)?.csv())
}

/// One-dimensional move: nodes with their signs.
type Move = Vec<(usize, i8)>;

/// Suppresses `table` for threshold `k` (see the module's description).
pub fn protect(table: Table, k: u64) -> Result<Protected, DisclosureError> {
    if k == 0 {
        return Err(DisclosureError::Threshold { value: k });
    }
    let files = table.files();
    let released: Vec<bool> = (0..table.len())
        .map(|c| files.iter().any(|f| table.in_file(f, c)))
        .collect();
    let mut status: Vec<CellStatus> = table
        .values
        .iter()
        .zip(&released)
        .map(|(&v, &out)| {
            if out && v > 0 && v < k {
                CellStatus::Primary
            } else {
                CellStatus::Published
            }
        })
        .collect();
    let mut covered = vec![false; table.len()];
    let mut primaries: Vec<usize> = (0..table.len())
        .filter(|&c| status[c] == CellStatus::Primary)
        .collect();
    // Small cells first: their patterns are the cheapest to share.
    primaries.sort_by_key(|&c| (table.values[c], c));
    for c in primaries {
        if covered[c] {
            continue;
        }
        let pattern = cheapest_pattern(&table, &status, &released, c, k);
        for (cell, _) in pattern {
            covered[cell] = true;
            if status[cell] == CellStatus::Published && released[cell] {
                status[cell] = CellStatus::Secondary;
            }
        }
    }
    Ok(Protected {
        table,
        status,
        released,
        threshold: k,
    })
}

/// At most this many across moves are tried per dimension.
const SIBLINGS_TRIED: usize = 3;

fn cheapest_pattern(
    table: &Table,
    status: &[CellStatus],
    released: &[bool],
    c: usize,
    k: u64,
) -> Vec<(usize, i8)> {
    let coords = table.coords(c);
    let mut choices: Vec<Vec<Move>> = Vec::with_capacity(coords.len());
    for (d, (_, h)) in table.dims.iter().enumerate() {
        let value_with = |node: usize| {
            let mut at = coords.clone();
            at[d] = node;
            table.values[table.at(&at)]
        };
        let down = |from: usize| -> Vec<usize> {
            let mut path = Vec::new();
            let mut at = from;
            while let Some(next) = h.children[at]
                .iter()
                .copied()
                .max_by_key(|&n| value_with(n))
            {
                path.push(next);
                at = next;
            }
            path
        };
        let x = coords[d];
        let mut moves = Vec::new();
        // Across at x's level, or at an ancestor's (x and the ancestors
        // up to it +1, a sibling of that ancestor −1): a municipality that
        // is its prefecture's only one moves with it against another
        // prefecture.
        let path = h.ancestors_and_self(x);
        for (level, &a) in path.iter().enumerate() {
            let Some(p) = h.parent[a] else { break };
            let mut siblings: Vec<usize> = h.children[p]
                .iter()
                .copied()
                .filter(|&s| s != a && value_with(s) >= k)
                .collect();
            siblings.sort_by_key(|&s| {
                let mut at = coords.clone();
                at[d] = s;
                let at = table.at(&at);
                (
                    status[at] == CellStatus::Published && released[at],
                    value_with(s),
                )
            });
            for s in siblings.into_iter().take(SIBLINGS_TRIED) {
                let mut m: Move = path[..=level].iter().map(|&n| (n, 1)).collect();
                m.extend(down(x).into_iter().map(|n| (n, 1)));
                m.push((s, -1));
                m.extend(down(s).into_iter().map(|n| (n, -1)));
                moves.push(m);
            }
        }
        let mut up: Move = h
            .ancestors_and_self(x)
            .into_iter()
            .map(|n| (n, 1))
            .collect();
        up.extend(down(x).into_iter().map(|n| (n, 1)));
        moves.push(up);
        choices.push(moves);
    }

    let mut best: Option<(u64, Vec<(usize, i8)>)> = None;
    let mut pick = vec![0usize; choices.len()];
    loop {
        let moves: Vec<&Move> = pick
            .iter()
            .enumerate()
            .map(|(d, &i)| &choices[d][i])
            .collect();
        if let Some((cost, cells)) = evaluate(table, status, released, &moves, k) {
            if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                let done = cost == 0;
                best = Some((cost, cells));
                if done {
                    break;
                }
            }
        }
        if !advance(&mut pick, &choices) {
            break;
        }
    }
    best.map(|(_, cells)| cells)
        .unwrap_or_else(|| all_up(table, c))
}

/// The cells and signs of a product of moves, with its cost (the published
/// counts it newly suppresses, plus one per cell), or `None` when a cell
/// would be a published zero or a −1 cell would count less than k.
fn evaluate(
    table: &Table,
    status: &[CellStatus],
    released: &[bool],
    moves: &[&Move],
    k: u64,
) -> Option<(u64, Vec<(usize, i8)>)> {
    let mut cells = Vec::new();
    let mut cost = 0u64;
    let mut pick = vec![0usize; moves.len()];
    let lists: Vec<Vec<(usize, i8)>> = moves.iter().map(|m| (*m).clone()).collect();
    loop {
        let mut at = 0;
        let mut sign = 1i8;
        for (d, &i) in pick.iter().enumerate() {
            let (node, s) = lists[d][i];
            at += node * table.strides[d];
            sign *= s;
        }
        let v = table.values[at];
        if (v == 0 && released[at]) || (sign < 0 && v < k) {
            return None;
        }
        if status[at] == CellStatus::Published && released[at] {
            cost = cost.saturating_add(v.saturating_add(1));
        }
        cells.push((at, sign));
        if !advance(&mut pick, &lists) {
            break;
        }
    }
    Some((cost, cells))
}

/// The all-up pattern through `c`, with paths down chosen together so that
/// every cell of it is positive.
fn all_up(table: &Table, c: usize) -> Vec<(usize, i8)> {
    let mut leaf = table.coords(c);
    for d in 0..leaf.len() {
        let h = &table.dims[d].1;
        loop {
            let next = h.children[leaf[d]].iter().copied().max_by_key(|&n| {
                let mut at = leaf.clone();
                at[d] = n;
                table.values[table.at(&at)]
            });
            match next {
                Some(n) => leaf[d] = n,
                None => break,
            }
        }
    }
    let chains: Vec<Vec<usize>> = table
        .dims
        .iter()
        .zip(&leaf)
        .map(|((_, h), &n)| h.ancestors_and_self(n))
        .collect();
    let mut out = Vec::new();
    let mut pick = vec![0usize; chains.len()];
    loop {
        let coords: Vec<usize> = pick
            .iter()
            .enumerate()
            .map(|(d, &i)| chains[d][i])
            .collect();
        out.push((table.at(&coords), 1));
        if !advance(&mut pick, &chains) {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn two_by_three(counts: [[u64; 3]; 2]) -> Table {
        let mut t = Table::new(
            "t",
            vec![
                ("area".into(), Hierarchy::areas(["131016", "131041"])),
                ("vaccine".into(), Hierarchy::flat(["MR", "HPV", "HIB"])),
            ],
        );
        for (i, m) in ["131016", "131041"].iter().enumerate() {
            for (j, v) in ["MR", "HPV", "HIB"].iter().enumerate() {
                t.add(&[m, v], counts[i][j]).unwrap();
            }
        }
        t
    }

    #[test]
    fn margins_are_the_sums_of_their_cells() {
        let mut t = two_by_three([[1, 20, 30], [40, 50, 0]]);
        assert_eq!(t.value(t.cell(&["total", "total"]).unwrap()), 141);
        assert_eq!(t.value(t.cell(&["13", "MR"]).unwrap()), 41);
        assert_eq!(t.value(t.cell(&["131016", "total"]).unwrap()), 51);
        assert_eq!(
            t.add(&["13", "MR"], 1).unwrap_err().code(),
            "unknown_dimension_value"
        );
        assert_eq!(t.add(&["131016"], 1).unwrap_err().code(), "dimension_count");
    }

    #[test]
    fn a_small_cell_is_hidden_with_a_complement_in_each_of_its_lines() {
        let p = protect(two_by_three([[3, 20, 30], [40, 50, 0]]), 10).unwrap();
        let t = p.table();
        let small = t.cell(&["131016", "MR"]).unwrap();
        assert_eq!(p.status(small), CellStatus::Primary);
        // Its row and its column each hide another cell.
        let row = ["MR", "HPV", "HIB", "total"]
            .iter()
            .filter(|v| p.published(t.cell(&["131016", v]).unwrap()).is_none())
            .count();
        let column = ["131016", "131041", "13", "total"]
            .iter()
            .filter(|a| p.published(t.cell(&[a, "MR"]).unwrap()).is_none())
            .count();
        assert!(row >= 2 && column >= 2, "row {row}, column {column}");
        // Zero is published; the grand total is too.
        assert_eq!(p.published(t.cell(&["131041", "HIB"]).unwrap()), Some(0));
        assert_eq!(p.published(t.cell(&["total", "total"]).unwrap()), Some(143));
        assert!(p.csv().contains("131016,MR,X\n"));
        assert!(p.csv().starts_with("area,vaccine,count\n"));
    }

    #[test]
    fn a_counts_file_is_protected_or_refused_with_its_row_and_column() {
        let out = protect_csv(
            "area,vaccine,count\n131016,MR,3\n131016,HPV,20\n131041,MR,40\n131041,HPV,50\n",
            10,
        )
        .unwrap();
        assert!(out.starts_with("area,vaccine,count\n"));
        assert!(out.contains("131016,MR,X\n"));
        assert!(out.contains("total,total,113\n"));
        let e = protect_csv("area,vaccine,count\n131016,MR,three\n", 10).unwrap_err();
        assert_eq!(e.code(), "invalid_counts_file");
        assert!(e.to_string().contains("row 2, column count"), "{e}");
        let e = protect_csv("area,vaccine,count\n13,MR,3\n", 10).unwrap_err();
        assert!(e.to_string().contains("row 2, column area"), "{e}");
        let e = protect_csv("area,vaccine\n131016,MR\n", 10).unwrap_err();
        assert!(e.to_string().contains("row 1"), "{e}");
        assert_eq!(
            protect_csv("v,count\nMR,3\n", 0).unwrap_err().code(),
            "invalid_threshold"
        );
    }

    #[test]
    fn no_small_cell_nothing_suppressed() {
        let p = protect(two_by_three([[10, 20, 30], [40, 50, 0]]), 10).unwrap();
        assert_eq!(p.suppressed(), (0, 0));
        assert_eq!(
            protect(two_by_three([[1; 3]; 2]), 0).unwrap_err().code(),
            "invalid_threshold"
        );
    }
}
