//! `sesshu demo`: a reproducible synthetic population, and what the rules
//! decide about it. The same seed always prints the same report.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use sesshu_core::{
    accounts::{extract_first_administrators, ExtractionInput, OrganisationRow},
    calendar::{start_of_day_jst, FixedClock, WarekiDate},
    certificate::issuance::{ApplicantType, IssuanceChannel},
    certificate::{select_form, TravelDetailsInput},
    identifiers::{
        ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber,
        VaccineCode,
    },
    persons::{Person as DomainPerson, Sex},
    records::{on_portal, Category, RecordAccess, RecordFacts, VaccinationRecord},
    residency::{ResidenceStatus, ResidencyHistory, ResidencyInterval},
    service::{Actor, CertificateRequest, ExportOptions, Issuer, PutOutcome, RecordQuery, Sesshu},
};
use sesshu_sqlite::SqliteStore;

/// Options of `sesshu demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Number of residents to generate.
    #[arg(long, default_value_t = 10_000)]
    pub residents: usize,
    /// The business date the rules are evaluated on (YYYY-MM-DD).
    #[arg(long, default_value = "2025-04-01")]
    pub date: String,
    /// Where to write the demo's SQLite database (replaced if it exists);
    /// `none` runs the rules only.
    #[arg(long = "out", default_value = "sesshu-demo.db")]
    pub out: String,
}

/// The municipalities of the demo: real local government codes.
const MUNICIPALITIES: [(&str, &str); 6] = [
    ("011002", "札幌市"),
    ("131016", "千代田区"),
    ("131041", "新宿区"),
    ("131130", "渋谷区"),
    ("141003", "横浜市"),
    ("271004", "大阪市"),
];

/// SplitMix64: a small, fast, reproducible generator for synthetic data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn date_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = u64::try_from((to - from).num_days()).unwrap_or(0);
        from + Days::new(self.below(span + 1))
    }
}

/// One synthetic person.
struct Person {
    history: ResidencyHistory,
    records: Vec<RecordFacts>,
    birth: NaiveDate,
    given_on: Vec<NaiveDate>,
}

fn generate(
    rng: &mut SplitMix64,
    codes: &[MunicipalityCode],
    as_of: NaiveDate,
    records_per_person: Option<u64>,
) -> Option<Person> {
    let earliest = NaiveDate::from_ymd_opt(1950, 1, 1)?;
    let birth = rng.date_between(earliest, as_of - Days::new(30));
    let horizon = as_of + Days::new(180);
    let mut intervals = Vec::new();
    let mut from = birth;
    let mut place = codes[usize::try_from(rng.below(codes.len() as u64)).ok()?];
    for _ in 0..rng.below(4) {
        let to = rng.date_between(from + Days::new(1), horizon.max(from + Days::new(1)));
        intervals.push(ResidencyInterval {
            municipality: place,
            from,
            to: Some(to),
        });
        from = to;
        let others: Vec<_> = codes.iter().filter(|c| **c != place).collect();
        place = *others[usize::try_from(rng.below(others.len() as u64)).ok()?];
    }
    let moved_abroad = rng.chance(3);
    intervals.push(ResidencyInterval {
        municipality: place,
        from,
        to: moved_abroad.then(|| from + Days::new(365)),
    });
    let history = ResidencyHistory::new(intervals).ok()?;

    let mut records = Vec::new();
    let mut dates = Vec::new();
    let count = records_per_person.unwrap_or_else(|| 2 + rng.below(7));
    for _ in 0..count {
        let given_on = rng.date_between(birth, as_of);
        let Some(responsible) = history.municipality_on(given_on) else {
            continue;
        };
        let category = match rng.below(10) {
            0..=6 => Category::Routine,
            7 | 8 => Category::Temporary,
            _ => Category::Voluntary,
        };
        records.push(RecordFacts {
            responsible,
            category,
            erroneous: rng.chance(2),
        });
        dates.push(given_on);
    }
    Some(Person {
        history,
        records,
        birth,
        given_on: dates,
    })
}

#[derive(Default)]
struct Tally {
    current: usize,
    former: usize,
    visible: usize,
    certifiable: usize,
}

/// Runs the demo and writes its report to `out`.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<(), String> {
    let as_of = sesshu_core::calendar::parse_date(&args.date).map_err(|e| e.to_string())?;
    let codes: Vec<MunicipalityCode> = MUNICIPALITIES
        .iter()
        .map(|(c, _)| MunicipalityCode::parse(c))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut rng = SplitMix64(args.seed);
    let people: Vec<Person> = (0..args.residents)
        .filter_map(|_| generate(&mut rng, &codes, as_of, None))
        .collect();

    let w = |out: &mut dyn Write, line: String| writeln!(out, "{line}").map_err(|e| e.to_string());
    let wareki = WarekiDate::from_date(as_of).map_err(|e| e.to_string())?;
    w(
        out,
        format!(
            "sesshu demo — seed {}, {} residents, as of {as_of} ({wareki})",
            args.seed,
            people.len()
        ),
    )?;

    let records: Vec<&RecordFacts> = people.iter().flat_map(|p| &p.records).collect();
    let count = |c: Category| records.iter().filter(|r| r.category == c).count();
    let intervals: usize = people.iter().map(|p| p.history.intervals().len()).sum();
    w(out, format!(
        "population: {} residency intervals, {} vaccination records (routine {}, temporary {}, voluntary {}; erroneous {})",
        intervals,
        records.len(),
        count(Category::Routine),
        count(Category::Temporary),
        count(Category::Voluntary),
        records.iter().filter(|r| r.erroneous).count()
    ))?;

    w(out, String::new())?;
    w(out, "record access by municipality (SPEC §3)".into())?;
    w(
        out,
        format!(
            "  {:<8} {:<8} {:>8} {:>8} {:>8} {:>12}",
            "code", "name", "current", "former", "visible", "certifiable"
        ),
    )?;
    let mut tallies: BTreeMap<MunicipalityCode, Tally> = BTreeMap::new();
    let mut form_counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in &people {
        for &m in &codes {
            let access = RecordAccess::new(&p.history, m, as_of);
            let t = tallies.entry(m).or_default();
            match access.status() {
                ResidenceStatus::Current => t.current += 1,
                ResidenceStatus::Former => t.former += 1,
                ResidenceStatus::Never => {}
            }
            for r in &p.records {
                t.visible += usize::from(access.is_visible(r));
                if access.is_certifiable(r) {
                    t.certifiable += 1;
                    *form_counts
                        .entry(certify(&mut rng, r.category))
                        .or_default() += 1;
                }
            }
        }
    }
    for (code, name) in MUNICIPALITIES {
        let t = MunicipalityCode::parse(code)
            .ok()
            .and_then(|c| tallies.get(&c))
            .ok_or("missing tally")?;
        w(
            out,
            format!(
                "  {code:<8} {} {:>8} {:>8} {:>8} {:>12}",
                pad(name, 8),
                t.current,
                t.former,
                t.visible,
                t.certifiable
            ),
        )?;
    }
    let portal = records.iter().filter(|r| on_portal(r)).count();
    w(out, format!(
        "  portal (マイナポータル): {portal} records shown to their own persons, {} erroneous withheld",
        records.len() - portal
    ))?;

    w(out, String::new())?;
    w(out, "certificate forms for every certifiable record (SPEC §6; temporary: the applicant chooses)".into())?;
    for (outcome, n) in &form_counts {
        w(out, format!("  {} {n:>8}", pad(outcome, 32)))?;
    }

    w(out, String::new())?;
    let input = extraction_master(&mut rng, &codes);
    let result = extract_first_administrators(&input);
    let mut rejected: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &result.rejected {
        *rejected.entry(r.error.code()).or_default() += 1;
    }
    w(out, format!(
        "first-administrator extraction (SPEC §14): {} institution rows, {} municipality rows → {} accounts to issue, {} rows rejected {:?}",
        input.medical_institutions.len(),
        input.municipalities.len(),
        result.issue.len(),
        result.rejected.len(),
        rejected
    ))?;
    if args.out != "none" {
        w(out, String::new())?;
        stored_flows(args, as_of, &people, out)?;
    }
    Ok(())
}

const SURNAMES: [(&str, &str); 6] = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("髙橋", "タカハシ"),
    ("田中", "タナカ"),
    ("渡辺", "ワタナベ"),
];
const GIVEN: [(&str, &str); 6] = [
    ("花子", "ハナコ"),
    ("太郎", "タロウ"),
    ("陽菜", "ヒナ"),
    ("蓮", "レン"),
    ("結衣", "ユイ"),
    ("大翔", "ヒロト"),
];
const VACCINES: [&str; 7] = ["MR", "DPT-IPV", "HPV", "COVID19", "INFLUENZA", "HIB", "PCV"];

/// The synthetic people as the stores hold them; ids start at `first`.
fn to_domain(
    people: &[Person],
    first: usize,
) -> Result<(Vec<DomainPerson>, Vec<VaccinationRecord>), String> {
    let e = |e: sesshu_core::identifiers::IdentifierError| e.to_string();
    let mut persons = Vec::with_capacity(people.len());
    let mut records = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let i = first + i;
        let id = ManagementId::parse(&format!("D{i:07}")).map_err(e)?;
        let (sur, sur_kana) = SURNAMES[i % SURNAMES.len()];
        let (given, given_kana) = GIVEN[(i / SURNAMES.len()) % GIVEN.len()];
        persons.push(DomainPerson {
            management_id: id.clone(),
            subject_number: SubjectNumber::parse(&format!("S{i:07}")).map_err(e)?,
            name: format!("{sur} {given}"),
            name_kana: format!("{sur_kana} {given_kana}"),
            birth_date: p.birth,
            sex: if i.is_multiple_of(2) {
                Sex::Female
            } else {
                Sex::Male
            },
            pmh_key: Some(format!("pmh-{i:07}")),
            residency: p.history.clone(),
        });
        for (j, (facts, date)) in p.records.iter().zip(&p.given_on).enumerate() {
            records.push(VaccinationRecord {
                id: RecordId::parse(&format!("D{i:07}-{j:02}")).map_err(e)?,
                person: id.clone(),
                responsible: facts.responsible,
                category: facts.category,
                vaccine: VaccineCode::parse(VACCINES[(i + j) % VACCINES.len()]).map_err(e)?,
                dose_number: u8::try_from(j % 4 + 1).unwrap_or(1),
                date: *date,
                lot: Some(format!("LOT{:04}", (i * 7 + j) % 10_000)),
                institution: None,
                erroneous: facts.erroneous,
            });
        }
    }
    Ok((persons, records))
}

/// Imports synthetic people as each municipality's system would: persons by
/// the municipality they first lived in, records by the one responsible.
/// Returns (persons created, records created).
fn import_town(
    services: &Sesshu,
    people: &[Person],
    first_id: usize,
) -> Result<(usize, usize), String> {
    let err = |e: sesshu_core::Error| format!("{e} ({})", e.code());
    let (persons, records) = to_domain(people, first_id)?;
    let mut by_m: BTreeMap<MunicipalityCode, Vec<DomainPerson>> = BTreeMap::new();
    for p in persons {
        if let Some(first) = p.residency.intervals().first() {
            by_m.entry(first.municipality).or_default().push(p);
        }
    }
    let mut person_count = 0;
    for (m, group) in by_m {
        let report = services
            .import_persons(&Actor::municipality("demo-import", m), group)
            .map_err(err)?;
        person_count += report.count(PutOutcome::Created);
    }
    let mut records_by_m: BTreeMap<MunicipalityCode, Vec<VaccinationRecord>> = BTreeMap::new();
    for r in records {
        records_by_m.entry(r.responsible).or_default().push(r);
    }
    let mut record_count = 0;
    for (m, group) in records_by_m {
        for chunk in group.chunks(20_000) {
            let report = services
                .import_records(&Actor::municipality("demo-import", m), chunk.to_vec())
                .map_err(err)?;
            record_count += report.count(PutOutcome::Created);
        }
    }
    Ok((person_count, record_count))
}

/// Options of `sesshu generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Number of persons.
    #[arg(long, default_value_t = 1_000_000)]
    pub persons: usize,
    /// Vaccination records per person.
    #[arg(long, default_value_t = 10)]
    pub records_per_person: u64,
    /// The business date (YYYY-MM-DD).
    #[arg(long, default_value = "2025-04-01")]
    pub date: String,
}

/// `sesshu generate`: fills a store with a deterministic synthetic
/// population through the import services, 10,000 persons at a time, and
/// reports the import rate.
pub fn generate_into(
    services: &Sesshu,
    args: &GenerateArgs,
    out: &mut dyn Write,
) -> Result<(), String> {
    let as_of = sesshu_core::calendar::parse_date(&args.date).map_err(|e| e.to_string())?;
    let codes: Vec<MunicipalityCode> = MUNICIPALITIES
        .iter()
        .map(|(c, _)| MunicipalityCode::parse(c))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut rng = SplitMix64(args.seed);
    let started = std::time::Instant::now();
    let (mut persons, mut records) = (0, 0);
    let mut next_id = 0;
    while next_id < args.persons {
        let n = (args.persons - next_id).min(10_000);
        let people: Vec<Person> = (0..n)
            .filter_map(|_| generate(&mut rng, &codes, as_of, Some(args.records_per_person)))
            .collect();
        let (p, r) = import_town(services, &people, next_id)?;
        persons += p;
        records += r;
        next_id += n;
        let secs = started.elapsed().as_secs_f64();
        writeln!(
            out,
            "{persons} persons, {records} records ({:.0} records/s)",
            records as f64 / secs.max(1e-9)
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes the town into a fresh SQLite database and runs the stored flows:
/// imports, a staff query, a CSV download, a delivery, the portal, the log.
fn stored_flows(
    args: &DemoArgs,
    as_of: NaiveDate,
    people: &[Person],
    out: &mut dyn Write,
) -> Result<(), String> {
    let w = |out: &mut dyn Write, line: String| writeln!(out, "{line}").map_err(|e| e.to_string());
    let path = std::path::Path::new(&args.out);
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", path.display());
        if std::path::Path::new(&p).exists() {
            std::fs::remove_file(&p).map_err(|e| format!("{p}: {e}"))?;
        }
    }
    let store = Arc::new(SqliteStore::open(path).map_err(|e| e.to_string())?);
    // The demo's clock: noon JST on the business date.
    let now = start_of_day_jst(as_of) + chrono::TimeDelta::hours(12);
    let services = Sesshu::new(store, Arc::new(FixedClock(now)));
    let err = |e: sesshu_core::Error| format!("{e} ({})", e.code());
    // Synthetic residents: a development store, whose identity flags the
    // command believes (and says so).
    services
        .initialise(sesshu_core::service::StoreMode::Development)
        .map_err(err)?;
    let started = std::time::Instant::now();
    let (person_count, record_count) = import_town(&services, people, 0)?;
    let imported = started.elapsed();
    w(out, format!(
        "stored flows (SQLite, {}): imported {person_count} persons and {record_count} records in {:.2?}",
        path.display(),
        imported
    ))?;

    let chiyoda = MunicipalityCode::parse("131016").map_err(|e| e.to_string())?;
    let staff = Actor::municipality("demo-staff", chiyoda);
    let query = RecordQuery {
        kana_prefix: Some("ヤマダ".into()),
        ..RecordQuery::default()
    };
    let page = services
        .query_records(&staff, &query, None, 50)
        .map_err(err)?;
    w(
        out,
        format!(
            "  staff query 131016, kana ヤマダ…: {} records on the first page of 50 persons",
            page.rows.len()
        ),
    )?;

    let csv_path = path.with_extension("131016.csv");
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(&csv_path).map_err(|e| e.to_string())?);
    let exported = services
        .export_records_csv(
            &staff,
            &RecordQuery::default(),
            ExportOptions::default(),
            &mut file,
        )
        .map_err(err)?;
    file.flush().map_err(|e| e.to_string())?;
    w(
        out,
        format!(
            "  CSV download (UTF-8 with BOM): {exported} records → {}",
            csv_path.display()
        ),
    )?;

    let pull = services.pull_delivery(&staff, 100_000).map_err(err)?;
    let again = services.pull_delivery(&staff, 100_000).map_err(err)?;
    let acked = services.ack_delivery(&staff, &pull.batch_id).map_err(err)?;
    let after = services.pull_delivery(&staff, 100_000).map_err(err)?;
    w(out, format!(
        "  delivery to 131016's system: batch {} of {} records; pulled again before the ack: {} ({}); acknowledged: {acked}; next pull: {} records",
        pull.batch_id,
        pull.records.len(),
        again.records.len(),
        if again.redelivery { "redelivery" } else { "new" },
        after.records.len()
    ))?;

    w(out, demo_questionnaires(&services, &staff, &page.rows)?)?;

    let portal = services.portal_records("pmh-0000000").map_err(err)?;
    w(
        out,
        format!("  portal (pmh-0000000): {} records shown", portal.len()),
    )?;

    for line in demo_masters(&services)? {
        w(out, line)?;
    }

    for line in demo_certificates(&services, &staff, path)? {
        w(out, line)?;
    }

    for line in demo_publication(&services, as_of, path)? {
        w(out, line)?;
    }

    let report = services.verify_log(&staff).map_err(err)?;
    w(
        out,
        format!(
            "  access log: {} entries, chain {}",
            report.verified,
            if report.first_break.is_none() {
                "intact"
            } else {
                "BROKEN"
            }
        ),
    )?;
    w(
        out,
        format!(
            "  database: {} (open it with `sesshu --db {} --municipality 131016 records list`)",
            path.display(),
            path.display()
        ),
    )?;
    Ok(())
}

/// The demo's MHLW analyst and the operator (国保中央会).
fn operators() -> Result<(Actor, Actor), String> {
    use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
    let org = |c: &str| OrganisationCode::parse(c).map_err(|e| e.to_string());
    Ok((
        Actor::new(
            "mhlw-demo",
            OrganisationType::Mhlw,
            org("MHLW")?,
            vec![Role::Mhlw],
        ),
        Actor::new(
            "operator",
            OrganisationType::Central,
            org("CENTRAL")?,
            vec![Role::Central],
        ),
    ))
}

/// MHLW's standard recommendation rules of the demo's vaccines
/// (標準勧奨ルールマスタ): the months of age each first dose is recommended
/// in.
const STANDARD_RULES: &str =
    "vaccine_type,dose,age_from_months,age_to_months,interval_days,valid_from,valid_to\n\
    MR,1,12,24,,2006-04-01,\n\
    DPT-IPV,1,2,90,,2012-11-01,\n\
    HIB,1,2,60,,2013-04-01,\n\
    PCV,1,2,60,,2013-04-01,\n\
    HPV,1,144,204,,2013-04-01,\n";

/// The marts' daily batch for the demo's date and the town's public
/// dashboard, written beside the database. Returns the report lines.
fn demo_publication(
    services: &Sesshu,
    as_of: NaiveDate,
    path: &std::path::Path,
) -> Result<Vec<String>, String> {
    let err = |e: sesshu_core::Error| format!("{e} ({})", e.code());
    let (mhlw, central) = operators()?;
    services
        .import_master_csv(
            &mhlw,
            "standard_recommendation_rules",
            STANDARD_RULES.as_bytes(),
            sesshu_core::service::CsvEncoding::Utf8Bom,
            false,
        )
        .map_err(err)?;
    let built = services.build_marts(&central, as_of, false).map_err(err)?;
    let again = services.build_marts(&central, as_of, false).map_err(err)?;
    let dir = path.with_extension("dashboard");
    let page = crate::marts::publish(services, &mhlw, &dir, 10, None)?;
    // What was written: rows of the CSV files, and of them those suppressed.
    let (mut rows, mut suppressed) = (0, 0);
    for entry in std::fs::read_dir(dir.join("data")).map_err(|e| e.to_string())? {
        let file = entry.map_err(|e| e.to_string())?.path();
        if file.extension().is_some_and(|x| x == "csv") {
            let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
            rows += text.lines().count().saturating_sub(1);
            suppressed += text.lines().filter(|l| l.ends_with(",X")).count();
        }
    }
    Ok(vec![
        format!(
            "  marts (H_061) for {as_of}: {} records counted into {} cells in {} commits; run again: {} cells changed; recommendation targets {}, vaccinated {}",
            built.records, built.cells_changed, built.steps, again.cells_changed, built.targets.0, built.targets.1
        ),
        format!(
            "  public dashboard (H_062, threshold 10: {suppressed} of {rows} published rows suppressed): {}",
            page.display()
        ),
    ])
}

/// The questionnaires of the staff query's first page are written (the
/// subject's answers, then the clinic's: every third time it measured
/// another temperature); 131016's staff list them.
/// Returns the report line.
fn demo_questionnaires(
    services: &Sesshu,
    staff: &Actor,
    rows: &[sesshu_core::service::RecordRow],
) -> Result<String, String> {
    use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
    use sesshu_core::questionnaire::{AnswerValue, Answers};
    let err = |e: sesshu_core::Error| format!("{e} ({})", e.code());
    let mut written = 0;
    for (i, row) in rows.iter().enumerate() {
        let r = &row.record.record;
        // The clinic that gave the vaccination writes; for a record that
        // names none, 131016 writes the ones it is responsible for.
        let writer = match r.institution {
            Some(clinic) => Actor::new(
                "demo-doctor",
                OrganisationType::MedicalInstitution,
                OrganisationCode::parse(clinic.as_str()).map_err(|e| e.to_string())?,
                vec![Role::Doctor],
            ),
            None if r.responsible.as_str() == staff.organisation.as_str() => staff.clone(),
            None => continue,
        };
        let answers = |temperature: i64| -> Answers {
            [
                ("fever".to_owned(), AnswerValue::Bool(false)),
                (
                    "temperature".to_owned(),
                    AnswerValue::Number(rust_decimal::Decimal::new(temperature, 1)),
                ),
            ]
            .into()
        };
        let measured = if i % 3 == 0 { 368 } else { 365 };
        services
            .put_questionnaire(&writer, &r.id, answers(365), answers(measured))
            .map_err(err)?;
        written += 1;
    }
    let query = RecordQuery {
        kana_prefix: Some("ヤマダ".into()),
        ..RecordQuery::default()
    };
    let listed = services
        .query_questionnaires(staff, &query, None, 50)
        .map_err(err)?;
    let changed = listed
        .rows
        .iter()
        .filter(|q| !q.answers.modified.is_empty())
        .count();
    Ok(format!(
        "  questionnaires (予診票): {written} written; 131016's staff list {}, {changed} changed by the clinic",
        listed.rows.len()
    ))
}

/// The zengin code-check master's snapshot (data/zengin), loaded by the demo.
const ZENGIN_SNAPSHOT: &[u8] = include_bytes!("../../data/zengin/zengin-code-20260824.csv");

/// The vaccine-type master the certificates print names from.
const VACCINE_TYPES: &str = "code,name,name_en,valid_from\n\
    MR,麻しん風しん混合,Measles-Rubella,2006-04-01\n\
    DPT-IPV,ジフテリア・百日せき・破傷風・急性灰白髄炎混合,DPT-IPV,2012-11-01\n\
    HPV,ヒトパピローマウイルス感染症,HPV,2013-04-01\n\
    COVID19,新型コロナウイルス感染症,COVID-19,2021-02-17\n\
    INFLUENZA,インフルエンザ,Influenza,1994-10-01\n\
    HIB,ヒブ感染症,Hib,2013-04-01\n\
    PCV,小児の肺炎球菌感染症,PCV,2013-04-01\n";

/// MHLW uploads the vaccine-type master (a dry run first); the central
/// association's operator loads the zengin snapshot and an account is
/// checked against it. Returns the report lines.
fn demo_masters(services: &Sesshu) -> Result<Vec<String>, String> {
    use sesshu_core::service::CsvEncoding;
    let err = |e: sesshu_core::Error| format!("{e} ({})", e.code());
    let (mhlw, central) = operators()?;
    let upload = |dry| {
        services
            .import_master_csv(
                &mhlw,
                "vaccine_types",
                VACCINE_TYPES.as_bytes(),
                CsvEncoding::Utf8Bom,
                dry,
            )
            .map_err(err)
    };
    let dry = upload(true)?;
    let real = upload(false)?;
    let file = sesshu_core::zengin::ZenginFile::from_csv(ZENGIN_SNAPSHOT, CsvEncoding::Utf8Bom)
        .map_err(|e| err(e.into()))?;
    let loaded = services
        .zengin_load(&central, file, "zengin-code-20260824.csv")
        .map_err(err)?;
    let (banks, branches) = loaded
        .status
        .current
        .map_or((0, 0), |c| (c.banks, c.branches));
    let check = |bank: &str, branch: &str| match services.zengin_check(bank, branch) {
        Ok(()) => "passes".to_owned(),
        Err(e) => format!("refused ({})", e.code()),
    };
    Ok(vec![
        format!(
            "  masters: vaccine types uploaded by MHLW (dry run: {} to create, nothing written; then {real})",
            dry.created
        ),
        format!(
            "  zengin code-check master: {banks} banks, {branches} branches loaded; みずほ 0001-001 {}, 0001-999 {}",
            check("0001", "001"),
            check("0001", "999")
        ),
    ])
}

/// Issues one certificate of each form at 131016's counter, from the first
/// certifiable routine and temporary records, and writes the PDFs beside
/// the database. Returns the report lines.
fn demo_certificates(
    services: &Sesshu,
    staff: &Actor,
    path: &std::path::Path,
) -> Result<Vec<String>, String> {
    let err = |e: sesshu_core::Error| format!("{e} ({})", e.code());
    let (mut routine, mut temporary) = (None, None);
    let mut after = None;
    while routine.is_none() || temporary.is_none() {
        let page = services
            .query_records(staff, &RecordQuery::default(), after.as_ref(), 200)
            .map_err(err)?;
        for row in page.rows.iter().filter(|r| r.certifiable) {
            let wanted = match row.record.record.category {
                Category::Routine => &mut routine,
                Category::Temporary => &mut temporary,
                Category::Voluntary => continue,
            };
            wanted.get_or_insert_with(|| {
                (
                    row.person.management_id.clone(),
                    row.record.record.id.clone(),
                )
            });
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut lines = Vec::new();
    for (form, found) in [(1, &routine), (2, &temporary), (3, &temporary)] {
        let Some((person, record)) = found else {
            lines.push(format!(
                "  certificate form {form}: no certifiable record in 131016"
            ));
            continue;
        };
        let request = CertificateRequest {
            person: person.clone(),
            records: vec![record.clone()],
            form: (form > 1).then_some(form),
            travel: (form == 3).then(|| TravelDetailsInput {
                passport_number: "TK1234567".into(),
                nationality: "JPN".into(),
                name_roman: roman_name(person),
            }),
            name_override: None,
            applicant: ApplicantType::Subject,
            delegation_checked: false,
            channel: IssuanceChannel::Counter,
            issuer: Issuer {
                municipality_name: "千代田区".into(),
                head: "千代田区長　千代田　太郎".into(),
            },
        };
        let issued = services.issue_certificate(staff, &request).map_err(err)?;
        let pdf_path = path.with_extension(format!("form{form}.pdf"));
        std::fs::write(&pdf_path, &issued.pdf)
            .map_err(|e| format!("{}: {e}", pdf_path.display()))?;
        lines.push(format!(
            "  certificate (予防接種済証) form {form}: {} for {person}, {} bytes → {}",
            issued.issuance.certificate_number,
            issued.pdf.len(),
            pdf_path.display()
        ));
    }
    Ok(lines)
}

/// The Roman-letter name of a demo person (`to_domain` names them).
fn roman_name(id: &ManagementId) -> String {
    const SURNAMES: [&str; 6] = [
        "YAMADA",
        "SATO",
        "SUZUKI",
        "TAKAHASHI",
        "TANAKA",
        "WATANABE",
    ];
    const GIVEN: [&str; 6] = ["HANAKO", "TARO", "HINA", "REN", "YUI", "HIROTO"];
    let i: usize = id.as_str().trim_start_matches('D').parse().unwrap_or(0);
    format!("{} {}", SURNAMES[i % 6], GIVEN[(i / 6) % 6])
}

/// Pads `s` to `columns` terminal columns (CJK characters take two).
fn pad(s: &str, columns: usize) -> String {
    let width: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(columns.saturating_sub(width)))
}

/// Asks for a certificate as an applicant would, and names the outcome.
fn certify(rng: &mut SplitMix64, category: Category) -> String {
    let (requested, travel) = match category {
        Category::Temporary if rng.chance(30) => (
            Some(3),
            Some(TravelDetailsInput {
                passport_number: if rng.chance(5) {
                    "TK-12".into()
                } else {
                    "TK1234567".into()
                },
                nationality: "JPN".into(),
                name_roman: "YAMADA HANAKO".into(),
            }),
        ),
        Category::Temporary => (Some(2), None),
        _ => (None, None),
    };
    match select_form(category, requested, travel.as_ref()) {
        Ok(sel) => format!("{} (form {})", sel.form.kanji(), sel.form.number()),
        Err(e) => format!("refused: {}", e.code()),
    }
}

/// A synthetic collective-contract master: institutions of Tokyo with every
/// delegation status, some rows missing contact details.
fn extraction_master(rng: &mut SplitMix64, codes: &[MunicipalityCode]) -> ExtractionInput {
    const DELEGATIONS: [Option<&str>; 7] = [
        Some("applying"),
        Some("approved"),
        Some("in_collective_contract"),
        Some("returned"),
        Some("withdrawn"),
        Some("terminated"),
        None,
    ];
    let row = |code: String, rng: &mut SplitMix64| OrganisationRow {
        code,
        issuance: if rng.chance(90) {
            "target"
        } else {
            "not_target"
        }
        .into(),
        delegation: DELEGATIONS[usize::try_from(rng.below(7)).unwrap_or(0)].map(Into::into),
        union: None,
        email: (!rng.chance(3)).then(|| "admin@clinic.example.jp".into()),
        admin_name: Some("山田 花子".into()),
    };
    let mut input = ExtractionInput::default();
    for n in 0..1000u32 {
        let body = format!("1311{:04}{}", n, n % 10);
        // The check digit is the core's rule: find the one it accepts.
        if let Some(code) = (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|c| MedicalInstitutionCode::parse(c).is_ok())
        {
            input.medical_institutions.push(row(code, rng));
        }
    }
    for c in codes {
        input.municipalities.push(row(c.to_string(), rng));
    }
    input
}
