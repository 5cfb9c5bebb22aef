//! Upload templates (H_072-002 … 014): the header, then one row that says
//! each column's label, whether required, its format, unit, range and code
//! list, so a clerk can fill the file in a spreadsheet. That row begins
//! with `#`; the upload skips every row whose first field does.

use super::{DataSet, Item, ItemType, SUBJECT};

/// Whether a data row is a template's comment row (first field begins `#`).
pub fn is_comment(first_field: &str) -> bool {
    first_field.trim_start().starts_with('#')
}

fn describe(item: &Item, key: bool) -> String {
    let mut out = item.label.to_owned();
    if item.required || key {
        out.push_str("（必須）");
    }
    let unit = item.unit.map(|u| format!(" {u}")).unwrap_or_default();
    let format = match item.ty {
        ItemType::Date => "YYYY-MM-DD".to_owned(),
        ItemType::Integer { min, max } => format!("整数 {min}〜{max}{unit}"),
        ItemType::Measure { scale, min, max } => {
            let show = |u: i64| super::format_measure(u, scale);
            let decimals = if scale == 0 {
                String::new()
            } else {
                format!("（小数{scale}桁まで）")
            };
            format!("数値 {}〜{}{unit}{decimals}", show(min), show(max))
        }
        ItemType::Code(codes) => codes
            .iter()
            .map(|c| format!("{}={}", c.value, c.label))
            .collect::<Vec<_>>()
            .join(" / "),
        ItemType::Text { max } => format!("文字列 {max}文字まで"),
    };
    format!("{out}: {format}")
}

/// The template's rows: the header, then the `#` row describing each column.
pub fn rows(data_set: &DataSet) -> Vec<Vec<String>> {
    let header: Vec<String> = data_set.columns().iter().map(|c| (*c).to_owned()).collect();
    let mut format = vec![format!("#{}: 予防接種対象者番号（必須）", SUBJECT)];
    format.extend(
        data_set
            .items
            .iter()
            .map(|i| describe(i, data_set.key.contains(&i.name))),
    );
    vec![header, format]
}
