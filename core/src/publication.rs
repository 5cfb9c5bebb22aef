//! 公表 (H-6, H_062): the public figures drawn from the marts, protected
//! ([`crate::disclosure`]), and the static dashboard that shows them.
//!
//! Two measures are published, each file with every margin of its
//! dimensions:
//!
//! - 接種回数, doses given — by `fiscal_year` (年度, April to March; the last
//!   five that closed before the publication date: the year in progress is
//!   published once it closes, as fiscal-year statistics are, so that its
//!   first weeks' small counts do not force the suppression of every
//!   five-year total), `area`, `vaccine`, `dose` and
//!   `age_band` (the age on the day of the dose) — in three files that
//!   share their common margins: `vaccinations-by-year-area-vaccine.csv`,
//!   `vaccinations-by-area-vaccine-dose.csv`, `vaccinations-by-area-age.csv`
//!   (a decomposable set: each shares with the ones before it only what it
//!   shares with one of them, so the published cells constrain one another
//!   exactly through the shared margins);
//! - `coverage.csv` (接種勧奨対象者の接種状況): the recommendation targets
//!   on the last batch date, by `area`, `vaccine`, `dose` and `status`
//!   (`vaccinated`, `unvaccinated`; `total` is every target).
//!
//! The two count different things (doses; persons targeted on one day), so
//! no published sum links them; each measure is protected on its own, its
//! files together. The page's charts and tables are drawn from the
//! protected cells and nothing else.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::disclosure::{protect, DisclosureError, Hierarchy, Protected, Table, TOTAL};
use crate::marts::{AgeBand, Cell};

/// How many fiscal years the public figures cover: the last ones closed
/// before the publication date.
pub const PUBLIC_YEARS: i32 = 5;

/// The fiscal year (年度) of a day: April to March, named by its April.
pub fn fiscal_year(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// The two public tables of `date`, unprotected: doses from the
/// vaccinations mart, targets from the recommendations snapshot of the
/// latest batch date on or before `date`.
pub fn tables(
    vaccinations: &[Cell],
    recommendations: &[Cell],
    date: NaiveDate,
) -> Result<Vec<Table>, DisclosureError> {
    let last = fiscal_year(date) - 1;
    let years: Vec<String> = (last - PUBLIC_YEARS + 1..=last)
        .map(|y| y.to_string())
        .collect();
    let doses: Vec<&Cell> = vaccinations
        .iter()
        .filter(|c| (last - PUBLIC_YEARS + 1..=last).contains(&fiscal_year(c.key.date)))
        .collect();
    let snapshot = recommendations
        .iter()
        .map(|c| c.key.date)
        .filter(|d| *d <= date)
        .max();
    let targets: Vec<&Cell> = recommendations
        .iter()
        .filter(|c| Some(c.key.date) == snapshot)
        .collect();
    let areas: BTreeSet<String> = doses
        .iter()
        .chain(&targets)
        .map(|c| c.key.municipality.to_string())
        .collect();
    let values = |cells: &[&Cell], f: fn(&Cell) -> String| -> BTreeSet<String> {
        cells.iter().map(|c| f(c)).collect()
    };
    let dose_order = |set: BTreeSet<String>| -> Vec<String> {
        let mut v: Vec<String> = set.into_iter().collect();
        v.sort_by_key(|d| d.parse::<u32>().unwrap_or(u32::MAX));
        v
    };

    let mut v = Table::new(
        "vaccinations",
        vec![
            ("fiscal_year".into(), Hierarchy::flat(&years)),
            ("area".into(), Hierarchy::areas(&areas)),
            (
                "vaccine".into(),
                Hierarchy::flat(values(&doses, |c| c.key.vaccine.to_string())),
            ),
            (
                "dose".into(),
                Hierarchy::flat(dose_order(values(&doses, |c| c.key.dose.to_string()))),
            ),
            (
                "age_band".into(),
                Hierarchy::flat(AgeBand::ALL.iter().map(|b| b.as_str())),
            ),
        ],
    );
    v.publish(
        "vaccinations-by-year-area-vaccine",
        &["fiscal_year", "area", "vaccine"],
    )?;
    v.publish(
        "vaccinations-by-area-vaccine-dose",
        &["area", "vaccine", "dose"],
    )?;
    v.publish("vaccinations-by-area-age", &["area", "age_band"])?;
    for c in &doses {
        let year = fiscal_year(c.key.date).to_string();
        let dose = c.key.dose.to_string();
        v.add(
            &[
                &year,
                c.key.municipality.as_str(),
                c.key.vaccine.as_str(),
                &dose,
                c.key.age_band.as_str(),
            ],
            u64::try_from(c.count).unwrap_or(0),
        )?;
    }

    let mut r = Table::new(
        "coverage",
        vec![
            ("area".into(), Hierarchy::areas(&areas)),
            (
                "vaccine".into(),
                Hierarchy::flat(values(&targets, |c| c.key.vaccine.to_string())),
            ),
            (
                "dose".into(),
                Hierarchy::flat(dose_order(values(&targets, |c| c.key.dose.to_string()))),
            ),
            (
                "status".into(),
                Hierarchy::flat(["vaccinated", "unvaccinated"]),
            ),
        ],
    );
    for c in &targets {
        let dose = c.key.dose.to_string();
        let key = [c.key.municipality.as_str(), c.key.vaccine.as_str(), &dose];
        let vaccinated = u64::try_from(c.vaccinated).unwrap_or(0);
        let unvaccinated = u64::try_from(c.count - c.vaccinated).unwrap_or(0);
        r.add(&[key[0], key[1], key[2], "vaccinated"], vaccinated)?;
        r.add(&[key[0], key[1], key[2], "unvaccinated"], unvaccinated)?;
    }
    Ok(vec![v, r])
}

/// The public tables of `date`, protected with threshold `k`.
pub fn protected(
    vaccinations: &[Cell],
    recommendations: &[Cell],
    date: NaiveDate,
    k: u64,
) -> Result<Vec<Protected>, DisclosureError> {
    tables(vaccinations, recommendations, date)?
        .into_iter()
        .map(|t| protect(t, k))
        .collect()
}

/// 都道府県 (JIS X 0401), by two-digit code.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

fn area_label(code: &str) -> String {
    match code {
        TOTAL => "全国".to_owned(),
        c if c.len() == 2 => c
            .parse::<usize>()
            .ok()
            .and_then(|n| PREFECTURES.get(n.wrapping_sub(1)))
            .map_or_else(|| c.to_owned(), |p| (*p).to_owned()),
        c => c.to_owned(),
    }
}

fn label(dimension: &str, code: &str) -> String {
    match (dimension, code) {
        ("area", c) => area_label(c),
        (_, TOTAL) => "計".to_owned(),
        ("fiscal_year", y) => format!("{y}年度"),
        ("dose", d) => format!("{d}回目"),
        ("age_band", "65+") => "65歳以上".to_owned(),
        ("age_band", b) => format!("{b}歳"),
        ("status", "vaccinated") => "接種済".to_owned(),
        ("status", "unvaccinated") => "未接種".to_owned(),
        (_, c) => c.to_owned(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One chart: a dimension of a file varied, the others `total`.
struct Chart<'a> {
    id: &'static str,
    title: &'static str,
    table: &'a Protected,
    file: &'static str,
    vary: &'a str,
    /// The varied dimension's values shown (in order).
    only: Option<fn(&str) -> bool>,
}

impl Chart<'_> {
    /// (value code, its CSV row's dimension values, published count).
    fn rows(&self) -> Vec<(String, Vec<String>, Option<u64>)> {
        let t = self.table.table();
        let Some(file) = t.files().into_iter().find(|f| f.name == self.file) else {
            return Vec::new();
        };
        let dims = t.file_dimensions(&file);
        let mut out = Vec::new();
        for cell in t.cells_of(&file) {
            let codes = t.file_codes(&file, cell);
            let fixed = dims
                .iter()
                .zip(&codes)
                .all(|(d, c)| *d == self.vary || *c == TOTAL);
            let Some(at) = dims.iter().position(|d| *d == self.vary) else {
                continue;
            };
            let value = codes[at];
            if !fixed || value == TOTAL || self.only.is_some_and(|f| !f(value)) {
                continue;
            }
            out.push((
                value.to_owned(),
                codes.iter().map(|c| (*c).to_owned()).collect(),
                self.table.published(cell),
            ));
        }
        out
    }
}

fn bar_chart(chart: &Chart<'_>, out: &mut String) {
    let rows = chart.rows();
    let max = rows.iter().filter_map(|r| r.2).max().unwrap_or(0).max(1);
    let (left, width, bar, gap) = (150.0, 640.0, 22.0, 8.0);
    let height = 20.0 + rows.len() as f64 * (bar + gap);
    let file = chart.file;
    let _ = write!(
        out,
        "<section class=\"chart\" id=\"{id}\"><h2 id=\"{id}-title\">{title}</h2>\n\
         <svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-title\" \
         xmlns=\"http://www.w3.org/2000/svg\">",
        id = chart.id,
        title = escape(chart.title),
    );
    for (i, (value, _, count)) in rows.iter().enumerate() {
        let y = 10.0 + i as f64 * (bar + gap);
        let name = escape(&label(chart.vary, value));
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{name}</text>",
            left - 8.0,
            y + bar * 0.72
        );
        match count {
            Some(n) => {
                let w = (width - left - 90.0) * (*n as f64) / (max as f64);
                let _ = write!(
                    out,
                    "<rect x=\"{left}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar}\" class=\"bar\"/>\
                     <text x=\"{:.1}\" y=\"{}\" class=\"value\">{n}</text>",
                    left + w + 6.0,
                    y + bar * 0.72
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<text x=\"{}\" y=\"{}\" class=\"value suppressed\">X（秘匿）</text>",
                    left + 6.0,
                    y + bar * 0.72
                );
            }
        }
    }
    out.push_str("</svg>\n");
    let _ = write!(
        out,
        "<details><summary>表で見る</summary><table data-file=\"{file}.csv\">\
         <caption>{} （出典: <a href=\"data/{file}.csv\">{file}.csv</a>）</caption>\
         <thead><tr><th scope=\"col\">{}</th><th scope=\"col\">件数</th></tr></thead><tbody>",
        escape(chart.title),
        escape(&dimension_label(chart.vary)),
    );
    for (value, key, count) in &rows {
        let text = count.map_or_else(|| "X".to_owned(), |n| n.to_string());
        let _ = write!(
            out,
            "<tr data-key=\"{}\"><th scope=\"row\">{}</th><td class=\"count\">{text}</td></tr>",
            escape(&key.join(",")),
            escape(&label(chart.vary, value)),
        );
    }
    out.push_str("</tbody></table></details></section>\n");
}

fn dimension_label(d: &str) -> String {
    match d {
        "fiscal_year" => "年度",
        "area" => "地域",
        "vaccine" => "ワクチン",
        "dose" => "接種回",
        "age_band" => "年齢区分",
        "status" => "接種状況",
        other => other,
    }
    .to_owned()
}

/// The published site: `index.html`, and under `data/` each table as CSV
/// and NDJSON. Paths are relative; every file is text.
pub fn site(tables: &[Protected], date: NaiveDate) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let published: Vec<(String, String, String)> =
        tables.iter().flat_map(Protected::files).collect();
    for (name, csv, ndjson) in &published {
        files.push((format!("data/{name}.csv"), csv.clone().into_bytes()));
        files.push((format!("data/{name}.ndjson"), ndjson.clone().into_bytes()));
    }
    let k = tables.first().map_or(0, Protected::threshold);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\">\
         <title>予防接種ダッシュボード</title><style>{STYLE}</style></head><body>\
         <header><h1>予防接種ダッシュボード</h1><p>{date} 時点の集計です。\
         接種回数は締まった直近 {PUBLIC_YEARS} 年度（{}〜{}年度）、勧奨対象者は {date} 時点の値です。\
         {k} 件未満の値（1〜{}）と、それを計算で求められないよう他の一部の値を「X（秘匿）」としています。0 はそのまま公表しています。</p>\
         </header><main>\n",
        fiscal_year(date) - PUBLIC_YEARS,
        fiscal_year(date) - 1,
        k.saturating_sub(1)
    );
    let vaccinations = tables.iter().find(|p| p.table().name() == "vaccinations");
    let coverage = tables.iter().find(|p| p.table().name() == "coverage");
    if let Some(v) = vaccinations {
        let charts = [
            Chart {
                id: "by-year",
                title: "年度別の接種回数",
                table: v,
                file: "vaccinations-by-year-area-vaccine",
                vary: "fiscal_year",
                only: None,
            },
            Chart {
                id: "by-prefecture",
                title: "都道府県別の接種回数",
                table: v,
                file: "vaccinations-by-year-area-vaccine",
                vary: "area",
                only: Some(|c| c.len() == 2),
            },
            Chart {
                id: "by-vaccine",
                title: "ワクチン別の接種回数",
                table: v,
                file: "vaccinations-by-year-area-vaccine",
                vary: "vaccine",
                only: None,
            },
            Chart {
                id: "by-dose",
                title: "接種回別の接種回数",
                table: v,
                file: "vaccinations-by-area-vaccine-dose",
                vary: "dose",
                only: None,
            },
            Chart {
                id: "by-age",
                title: "年齢区分別の接種回数",
                table: v,
                file: "vaccinations-by-area-age",
                vary: "age_band",
                only: None,
            },
        ];
        for c in &charts {
            bar_chart(c, &mut html);
        }
    }
    if let Some(c) = coverage {
        for chart in [
            Chart {
                id: "coverage-status",
                title: "勧奨対象者の接種状況（全国）",
                table: c,
                file: "coverage",
                vary: "status",
                only: None,
            },
            Chart {
                id: "coverage-vaccine",
                title: "ワクチン別の勧奨対象者数",
                table: c,
                file: "coverage",
                vary: "vaccine",
                only: None,
            },
        ] {
            bar_chart(&chart, &mut html);
        }
    }
    html.push_str("<section id=\"downloads\"><h2>データのダウンロード</h2><ul>");
    for (name, _, _) in &published {
        let _ = write!(
            html,
            "<li><a href=\"data/{name}.csv\" download>{name}.csv</a>（CSV, UTF-8）・\
             <a href=\"data/{name}.ndjson\" download>{name}.ndjson</a>（NDJSON）</li>"
        );
    }
    html.push_str(
        "</ul><p>各 CSV は、最後の列 <code>count</code> が件数、その他の列が区分です。\
         区分の値 <code>total</code> はその区分の合計、<code>area</code> の 2 桁は都道府県、\
         6 桁は市区町村（都道府県はその市区町村の合計）、<code>X</code> は秘匿です。\
         名前が同じ「…-by-」で始まるファイルは同じ件数を別の区分で集計したもので、\
         ファイルにない区分は合計（total）です。</p>\
         </section></main></body></html>\n",
    );
    files.insert(0, ("index.html".to_owned(), html.into_bytes()));
    files
}

const STYLE: &str = "body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;margin:0;color:#1a1a1a;background:#fafafa}\
header,main{max-width:960px;margin:0 auto;padding:0 16px}h1{font-size:1.6rem;margin:16px 0 4px}\
.chart{background:#fff;border:1px solid #ddd;border-radius:6px;margin:16px 0;padding:8px 12px}\
.chart h2{font-size:1.1rem;margin:4px 0}svg{width:100%;height:auto}.bar{fill:#2b6cb0}\
.label,.value{font-size:13px;fill:#1a1a1a}.suppressed{fill:#8a5a00}\
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}\
td.count{text-align:right}caption{text-align:left;font-size:.9rem}";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::calendar::parse_date;

    #[test]
    fn the_fiscal_year_begins_in_april() {
        assert_eq!(fiscal_year(parse_date("2025-03-31").unwrap()), 2024);
        assert_eq!(fiscal_year(parse_date("2025-04-01").unwrap()), 2025);
    }

    #[test]
    fn the_years_published_are_the_five_closed_before_the_date() {
        use crate::identifiers::{MunicipalityCode, VaccineCode};
        use crate::marts::{CellKey, Mart};
        let cell = |day: &str, count: i64| Cell {
            mart: Mart::Vaccinations,
            key: CellKey {
                date: parse_date(day).unwrap(),
                municipality: MunicipalityCode::parse("131016").unwrap(),
                vaccine: VaccineCode::parse("MR").unwrap(),
                dose: 1,
                age_band: AgeBand::One,
            },
            count,
            vaccinated: 0,
        };
        let cells = [
            cell("2019-06-01", 11),
            cell("2020-04-01", 20),
            cell("2025-03-31", 30),
            cell("2025-04-01", 2),
        ];
        let tables = protected(&cells, &[], parse_date("2025-04-02").unwrap(), 1).unwrap();
        let files = tables[0].files();
        let (_, csv, _) = files
            .iter()
            .find(|(name, _, _)| name == "vaccinations-by-year-area-vaccine")
            .unwrap();
        let years: Vec<&str> = csv
            .lines()
            .filter(|l| l.ends_with(",total,total,20") || l.contains(",total,total,"))
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(years, ["total", "2020", "2021", "2022", "2023", "2024"]);
        assert!(csv.contains("total,total,total,50\n"), "{csv}");
        assert!(csv.contains("2024,total,total,30\n"), "{csv}");
    }

    #[test]
    fn area_labels() {
        assert_eq!(area_label("13"), "東京都");
        assert_eq!(area_label("47"), "沖縄県");
        assert_eq!(area_label("total"), "全国");
        assert_eq!(area_label("131016"), "131016");
    }
}
