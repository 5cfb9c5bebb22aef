//! One adapter per rule: `given` → the core's types and calls → JSON.
//! Adapters only translate; every decision is the core's.

use serde_json::{json, Map, Value};
use sesshu_core::{
    accounts::{
        extract_first_administrators, AccountActivity, AccountStatus, ExtractionInput,
        InactivitySchedule, PasswordContext, PasswordPolicy,
    },
    bank_account::{AccountClass, AccountUsage, BankAccount, BankAccountDraft, DepositType},
    calendar::{parse_date, parse_timestamp, FixedClock, WarekiDate},
    certificate::{select_form, TravelDetailsInput},
    delivery::{needs_delivery, DeliveryFacts},
    identifiers::{
        AccountHolderName, AccountNumber, BankCode, BranchCode, EmailAddress, Gs1ElementString,
        Gtin, HolderNameRules, MedicalInstitutionCode, MunicipalityCode, Nationality,
        PassportNumber, RomanName,
    },
    masters::catalog,
    organisation::{OrganisationCode, OrganisationType, Role},
    questionnaire::{answers_from_json, modified_items},
    records::{on_portal, Category, RecordAccess, RecordFacts},
    residency::{ResidencyHistory, ResidencyInterval},
    secrets::SeededRandom,
    service::{Actor, BankApplicationRequest, BankDecision, CsvEncoding, Sesshu},
    store::{ChangeSet, Store, Write},
    zengin::ZenginFile,
};

use super::input::{objects, strings, Fields, ReadError};

/// A rule the runner knows: how to evaluate a case, and which output keys
/// are ordered lists (all others compare as sets).
pub struct Rule {
    /// `given` → the answer, `{"error": code}`, or why the case cannot be read.
    pub evaluate: fn(&Value) -> Result<Value, ReadError>,
    /// Output keys whose lists are ordered.
    pub ordered: &'static [&'static str],
}

/// The rule named `name`, if known.
pub fn lookup(name: &str) -> Option<Rule> {
    RULES.iter().find(|r| r.0 == name).map(|r| Rule {
        evaluate: r.1,
        ordered: r.2,
    })
}

/// The rules table. Each adapter is wrapped so that a rule's refusal
/// becomes the answer `{"error": code}`.
macro_rules! rules {
    ($($name:literal => $f:ident $([$($ordered:literal),*])?),+ $(,)?) => {
        type Evaluate = fn(&Value) -> Result<Value, ReadError>;
        const RULES: &[(&str, Evaluate, &[&str])] = &[
            $(($name, |given| match $f(given) {
                Ok(v) => Ok(v),
                Err(Fail::Rule(code)) => Ok(json!({ "error": code })),
                Err(Fail::Read(e)) => Err(e),
            }, &[$($($ordered),*)?])),+
        ];
    };
}

rules! {
    "identifiers" => identifiers,
    "wareki" => wareki,
    "record_access" => record_access,
    "certificate_form" => certificate_form,
    "role_assignment" => role_assignment,
    "account_extraction" => account_extraction,
    "password_policy" => password_policy,
    "inactivity_suspension" => inactivity_suspension,
    "record_link_diff" => record_link_diff,
    "questionnaire_diff" => questionnaire_diff,
    "bank_account_application" => bank_account_application ["results", "notifications"],
}

/// Why an adapter stopped: the case could not be read, or the rule refused.
pub enum Fail {
    /// The case could not be read.
    Read(ReadError),
    /// The rule refused, with its stable code.
    Rule(&'static str),
}

impl From<ReadError> for Fail {
    fn from(e: ReadError) -> Self {
        Fail::Read(e)
    }
}

/// `?` for the core's results: a refusal carries its stable code.
trait RuleResult<T> {
    fn rule(self) -> Result<T, Fail>;
}

impl<T, E: Into<sesshu_core::Error>> RuleResult<T> for Result<T, E> {
    fn rule(self) -> Result<T, Fail> {
        self.map_err(|e| Fail::Rule(e.into().code()))
    }
}

fn identifiers(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let value = g.str("value")?;
    let normalized = |s: String| json!({ "normalized": s });
    Ok(match g.str("kind")? {
        "municipality_code" => normalized(MunicipalityCode::parse(value).rule()?.to_string()),
        "medical_institution_code" => {
            normalized(MedicalInstitutionCode::parse(value).rule()?.to_string())
        }
        "gtin" => normalized(Gtin::parse(value).rule()?.to_string()),
        "account_number" => normalized(AccountNumber::parse(value).rule()?.to_string()),
        "account_holder_name" => normalized(AccountHolderName::parse(value).rule()?.to_string()),
        "bank_code" => normalized(BankCode::parse(value).rule()?.to_string()),
        "branch_code" => normalized(BranchCode::parse(value).rule()?.to_string()),
        "passport_number" => normalized(PassportNumber::parse(value).rule()?.to_string()),
        "nationality" => normalized(Nationality::parse(value).rule()?.to_string()),
        "name_roman" | "roman_name" => normalized(RomanName::parse(value).rule()?.to_string()),
        "email" => normalized(EmailAddress::parse(value).rule()?.to_string()),
        "gs1" => {
            // The reading date (`today`, optional) resolves the expiry's
            // century; by default the day the case is run, in Japan.
            let today = match g.opt_str("today")? {
                Some(d) => parse_date(d).rule()?,
                None => {
                    use sesshu_core::calendar::Clock;
                    sesshu_core::calendar::SystemClock.today_jst()
                }
            };
            let e = Gs1ElementString::parse(value, today).rule()?;
            json!({
                "gtin": e.gtin.to_string(),
                "expiry": e.expiry.map(|d| d.to_string()),
                "lot": e.lot,
                "serial": e.serial,
            })
        }
        other => return Err(Fail::Read(format!("unknown identifier kind {other:?}"))),
    })
}

fn wareki(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let date = parse_date(g.str("date")?).rule()?;
    Ok(json!({ "text": WarekiDate::from_date(date).rule()?.to_string() }))
}

fn record_access(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let municipality = MunicipalityCode::parse(g.str("municipality")?).rule()?;
    let date = parse_date(g.str("date")?).rule()?;
    let mut intervals = Vec::new();
    for i in objects(g.array("residency")?, "residency[]")? {
        intervals.push(ResidencyInterval {
            municipality: MunicipalityCode::parse(i.str("municipality")?).rule()?,
            from: parse_date(i.str("from")?).rule()?,
            to: i.opt_str("to")?.map(parse_date).transpose().rule()?,
        });
    }
    let history = ResidencyHistory::new(intervals).rule()?;
    let access = RecordAccess::new(&history, municipality, date);
    let (mut visible, mut certifiable, mut portal) = (vec![], vec![], vec![]);
    for r in objects(g.array("records")?, "records[]")? {
        let id = r.str("id")?;
        let facts = RecordFacts {
            responsible: MunicipalityCode::parse(r.str("municipality")?).rule()?,
            category: Category::parse(r.str("category")?).rule()?,
            erroneous: r.bool("erroneous")?,
        };
        let a = access.evaluate(&facts);
        debug_assert_eq!(a.portal, on_portal(&facts));
        for (yes, list) in [
            (a.visible, &mut visible),
            (a.certifiable, &mut certifiable),
            (a.portal, &mut portal),
        ] {
            if yes {
                list.push(id);
            }
        }
    }
    Ok(json!({ "visible": visible, "certifiable": certifiable, "portal": portal }))
}

fn certificate_form(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let category = Category::parse(g.str("category")?).rule()?;
    let requested = g.opt_i64("requested_form")?;
    let travel = match g.opt("travel") {
        None => None,
        Some(t) => {
            let t = Fields::of(t, "travel")?;
            Some(TravelDetailsInput {
                passport_number: t.opt_str("passport_number")?.unwrap_or("").to_owned(),
                nationality: t.opt_str("nationality")?.unwrap_or("").to_owned(),
                name_roman: t.opt_str("name_roman")?.unwrap_or("").to_owned(),
            })
        }
    };
    let sel = select_form(category, requested, travel.as_ref()).rule()?;
    Ok(json!({
        "form": sel.form.number(),
        "travel": sel.travel.map(|t| json!({
            "passport_number": t.passport_number.to_string(),
            "nationality": t.nationality.to_string(),
            "name_roman": t.name_roman.to_string(),
        })),
    }))
}

fn role_assignment(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let org_type = OrganisationType::parse(g.str("org_type")?).rule()?;
    let role = Role::parse(g.str("role")?).rule()?;
    org_type.check_role(role).rule()?;
    Ok(json!({ "ok": true }))
}

fn account_extraction(given: &Value) -> Result<Value, Fail> {
    let input: ExtractionInput =
        serde_json::from_value(given.clone()).map_err(|e| Fail::Read(format!("given: {e}")))?;
    let out = extract_first_administrators(&input);
    Ok(json!({
        "issue": out.issue.iter().map(|a| a.org_code.to_string()).collect::<Vec<_>>(),
        "rejected": out.rejected.iter().map(|r| json!({
            "code": r.code,
            "error": r.error.code(),
        })).collect::<Vec<_>>(),
    }))
}

fn password_policy(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let policy: PasswordPolicy = serde_json::from_value(g.get("policy")?.clone())
        .map_err(|e| Fail::Read(format!("given.policy: {e}")))?;
    policy.validate().rule()?;
    let history = strings(g.opt_array("history")?, "history[]")?;
    let who = PasswordContext {
        user_id: g.opt_str("user_id")?.unwrap_or(""),
        email: g.opt_str("email")?.unwrap_or(""),
    };
    let violations = policy.check(who, g.str("password")?, &history[..]);
    Ok(json!({
        "ok": violations.is_empty(),
        "violations": violations.iter().map(|v| v.code()).collect::<Vec<_>>(),
    }))
}

fn inactivity_suspension(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let schedule =
        InactivitySchedule::for_execution(parse_date(g.str("execution_date")?).rule()?).rule()?;
    let mut candidates = Vec::new();
    for a in objects(g.array("accounts")?, "accounts[]")? {
        let activity = AccountActivity {
            status: AccountStatus::parse(a.str("status")?).rule()?,
            issued_at: parse_timestamp(a.str("issued_at")?).rule()?,
            last_login_at: a
                .opt_str("last_login_at")?
                .map(parse_timestamp)
                .transpose()
                .rule()?,
        };
        if schedule.is_candidate(&activity) {
            candidates.push(a.str("user_id")?);
        }
    }
    Ok(json!({
        "notice_date": schedule.notice_date.to_string(),
        "threshold": schedule.threshold_jst().to_rfc3339(),
        "candidates": candidates,
    }))
}

fn record_link_diff(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let municipality = MunicipalityCode::parse(g.str("municipality")?).rule()?;
    let mut deliver = Vec::new();
    for r in objects(g.array("records")?, "records[]")? {
        let facts = DeliveryFacts {
            responsible: MunicipalityCode::parse(r.str("municipality")?).rule()?,
            updated_at: parse_timestamp(r.str("updated_at")?).rule()?,
            delivered_at: r
                .opt_str("delivered_at")?
                .map(parse_timestamp)
                .transpose()
                .rule()?,
        };
        if needs_delivery(municipality, &facts) {
            deliver.push(r.str("id")?);
        }
    }
    Ok(json!({ "deliver": deliver }))
}

fn questionnaire_diff(given: &Value) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let side = |key| {
        g.get(key)?
            .as_object()
            .ok_or_else(|| Fail::Read(format!("given.{key}: expected an object")))
    };
    let subject = answers_from_json(side("subject")?).rule()?;
    let institution = answers_from_json(side("institution")?).rule()?;
    Ok(json!({ "modified": modified_items(&subject, &institution) }))
}

fn bank_account_draft(a: &Fields<'_>) -> Result<BankAccountDraft, Fail> {
    Ok(BankAccountDraft {
        class: AccountClass::parse(a.str("class")?).rule()?,
        bank: a.str("bank")?.to_owned(),
        branch: a.str("branch")?.to_owned(),
        deposit_type: DepositType::parse(a.str("deposit_type")?).rule()?,
        number: a.str("number")?.to_owned(),
        holder: a.str("holder")?.to_owned(),
    })
}

fn account_json(a: &BankAccount) -> Value {
    json!({
        "class": a.class.as_str(),
        "bank": a.bank.as_str(),
        "branch": a.branch.as_str(),
        "deposit_type": a.deposit_type.as_str(),
        "number": a.number.as_str(),
        "holder": a.holder.as_str(),
    })
}

/// Reads a setup value: the case's own data must be valid.
fn setup<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> Result<T, Fail> {
    r.map_err(|e| Fail::Read(format!("{what}: {e}")))
}

fn bank_account_application(given: &Value) -> Result<Value, Fail> {
    let store = setup(sesshu_sqlite::SqliteStore::open_in_memory(), "store")?;
    bank_account_application_on(std::sync::Arc::new(store), given)
}

/// The bank-account scenario run through the stored service on `store`
/// (empty): the zengin master loaded, the institutions and federations
/// written to the masters, the initial active accounts registered, then
/// every step as the institution's or the federation's staff.
pub fn bank_account_application_on(
    store: std::sync::Arc<dyn Store>,
    given: &Value,
) -> Result<Value, Fail> {
    let g = Fields::of(given, "given")?;
    let s = Sesshu::new(
        store.clone(),
        std::sync::Arc::new(FixedClock(setup(
            parse_timestamp("2026-04-01T09:00:00+09:00"),
            "clock",
        )?)),
    )
    .with_random(std::sync::Arc::new(SeededRandom::new(1)));
    let rules = HolderNameRules::default();

    let mut zengin =
        String::from("bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n");
    for z in objects(g.opt_array("zengin")?, "zengin[]")? {
        let bank = setup(BankCode::parse(z.str("bank")?), "zengin")?;
        let branch = setup(BranchCode::parse(z.str("branch")?), "zengin")?;
        zengin.push_str(&format!(
            "{bank},銀行{bank},ｷﾞﾝｺｳ,{branch},支店{branch},ｼﾃﾝ\n"
        ));
    }
    let file = setup(
        ZenginFile::from_csv(zengin.as_bytes(), CsvEncoding::Utf8Bom),
        "zengin",
    )?;
    setup(s.zengin_load(&operator()?, file, "scenario"), "zengin")?;

    let mut rows = Vec::new();
    let mut federations = std::collections::BTreeSet::new();
    for i in objects(g.opt_array("institutions")?, "institutions[]")? {
        let code = setup(
            MedicalInstitutionCode::parse(i.str("code")?),
            "institutions",
        )?;
        let federation = setup(
            OrganisationCode::parse(i.str("federation")?),
            "institutions",
        )?;
        let (c, f) = (code.to_string(), federation.to_string());
        let mail = format!("admin-{c}@example.jp");
        rows.push(master_row(
            &catalog::MEMBER_INSTITUTIONS,
            &[("federation", &f), ("institution", &c)],
        )?);
        rows.push(master_row(
            &catalog::INSTITUTIONS,
            &[("code", &c), ("name", &c), ("admin_email", &mail)],
        )?);
        federations.insert(f);
    }
    for f in &federations {
        let mail = format!("{}@federations.example.jp", f.to_lowercase());
        rows.push(master_row(
            &catalog::FEDERATIONS,
            &[("federation", f), ("name", f), ("email", &mail)],
        )?);
    }
    setup(
        store.commit(ChangeSet {
            writes: vec![Write::PutMasterRows {
                rows,
                updated_at: s.clock().now(),
            }],
            log: Vec::new(),
        }),
        "institutions",
    )?;
    let mut institutions = Vec::new();
    if let Some(active) = g.opt("active") {
        for (inst, usages) in Fields::of(active, "active")?.entries() {
            for (usage, account) in Fields::of(usages, "active.*")?.entries() {
                let usage = setup(AccountUsage::parse(usage), "active")?;
                let draft = bank_account_draft(&Fields::of(account, "active.*.*")?)?;
                setup(
                    s.register_active_account(&operator()?, inst, usage, &draft, &rules),
                    "active",
                )?;
            }
        }
    }
    for i in objects(g.opt_array("institutions")?, "institutions[]")? {
        institutions.push(setup(
            MedicalInstitutionCode::parse(i.str("code")?),
            "institutions",
        )?);
    }

    // Scenario ids → stored ids, in the order applied.
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut results = Vec::new();
    for step in objects(g.array("steps")?, "steps[]")? {
        let outcome = run_step(&s, &rules, &mut ids, &step);
        results.push(match outcome {
            Ok(()) => json!("ok"),
            Err(Fail::Rule(code)) => json!({ "error": code }),
            Err(read) => return Err(read),
        });
    }

    let mut status = Map::new();
    for (scenario, stored) in &ids {
        let app = setup(store.bank_application(stored), "status")?;
        if let Some(app) = app {
            status.insert(scenario.clone(), json!(app.application.status.as_str()));
        }
    }
    let mut active = Map::new();
    for inst in &institutions {
        for a in setup(store.active_accounts(inst), "active")? {
            let entry = active.entry(inst.to_string()).or_insert_with(|| json!({}));
            if let Some(m) = entry.as_object_mut() {
                m.insert(a.usage.as_str().to_owned(), account_json(&a.account));
            }
        }
    }
    let scenario_id = |stored: &str| {
        ids.iter()
            .find(|(_, s)| s == stored)
            .map_or_else(|| stored.to_owned(), |(sc, _)| sc.clone())
    };
    let mut notifications = Vec::new();
    for n in setup(store.notifications(0, false, 100_000), "notifications")? {
        let (Some(to), Some(event), Some(app)) = (
            n.payload.get("organisation"),
            n.payload.get("event"),
            n.payload.get("application"),
        ) else {
            continue;
        };
        let mut v = json!({ "to": to, "event": event, "application": scenario_id(app) });
        if let (Some(reason), Some(m)) = (n.payload.get("reason"), v.as_object_mut()) {
            let number: i64 = setup(reason.parse(), "notifications")?;
            m.insert("reason".into(), json!(number));
        }
        notifications.push(v);
    }
    Ok(json!({
        "results": results,
        "status": status,
        "active": active,
        "notifications": notifications,
    }))
}

fn master_row(
    kind: &'static sesshu_core::masters::MasterKind,
    fields: &[(&str, &str)],
) -> Result<sesshu_core::masters::MasterRow, Fail> {
    let mut f = fields.to_vec();
    f.push(("valid_from", "2000-04-01"));
    setup(kind.parse_row(&f), kind.name)
}

fn operator() -> Result<Actor, Fail> {
    Ok(Actor::new(
        "scenario-operator",
        OrganisationType::Central,
        setup(OrganisationCode::parse("CENTRAL"), "operator")?,
        vec![Role::Central],
    ))
}

/// The actor a step names: an institution's administrator, or a
/// federation's staff.
fn step_actor(by: &str) -> Result<Actor, Fail> {
    let code = OrganisationCode::parse(by).rule()?;
    Ok(if MedicalInstitutionCode::parse(by).is_ok() {
        Actor::new(
            by,
            OrganisationType::MedicalInstitution,
            code,
            vec![Role::Administrator],
        )
    } else {
        Actor::new(
            by,
            OrganisationType::Federation,
            code,
            vec![Role::Federation],
        )
    })
}

fn run_step(
    s: &Sesshu,
    rules: &HolderNameRules,
    ids: &mut Vec<(String, String)>,
    step: &Fields<'_>,
) -> Result<(), Fail> {
    let actor = step_actor(step.str("by")?)?;
    let id = step.str("id")?;
    let stored = ids
        .iter()
        .find(|(sc, _)| sc == id)
        .map(|(_, st)| st.clone());
    let known = || stored.clone().ok_or(Fail::Rule("unknown_application"));
    match step.str("action")? {
        "apply" => {
            let institution = step
                .opt_str("institution")?
                .unwrap_or(actor.organisation.as_str())
                .to_owned();
            let usage = AccountUsage::parse(step.str("usage")?).rule()?;
            let draft = bank_account_draft(&step.object("account")?)?;
            if stored.is_some() {
                return Err(Fail::Rule("duplicate_application"));
            }
            let request = BankApplicationRequest {
                usage,
                draft,
                attachments: Vec::new(),
            };
            let app = s
                .apply_bank_account(&actor, &institution, request, rules)
                .rule()?;
            ids.push((id.to_owned(), app.application.id));
            Ok(())
        }
        "approve" => s
            .decide_bank_application(&actor, &known()?, &BankDecision::Approve)
            .map(drop)
            .rule(),
        "reject" => {
            let decision = BankDecision::Reject {
                reason: step.opt_i64("reason")?,
                note: step.opt_str("note")?.map(str::to_owned),
            };
            s.decide_bank_application(&actor, &known()?, &decision)
                .map(drop)
                .rule()
        }
        "delete" => s
            .delete_bank_application(&actor, &known()?)
            .map(drop)
            .rule(),
        other => Err(Fail::Read(format!("unknown action {other:?}"))),
    }
}
