//! Properties of the rules, over generated inputs.

// Test code: a failed expectation is meant to stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use sesshu_core::{
    calendar::{date_text, parse_date, parse_timestamp, utc_text, WarekiDate},
    identifiers::{
        AccountHolderName, AccountNumber, BankCode, BranchCode, EmailAddress, Gs1ElementString,
        Gtin, ManagementId, MedicalInstitutionCode, MunicipalityCode, Nationality, PassportNumber,
        RecordId, RomanName, SubjectNumber, VaccineCode,
    },
    organisation::{OrganisationType, Role},
    questionnaire::{answers_from_json, answers_to_json, modified_items, AnswerValue, Answers},
    records::{on_portal, Category, RecordAccess, RecordFacts, RecordScope},
    residency::{ResidenceStatus, ResidencyHistory, ResidencyInterval},
};

const CODES: [&str; 5] = ["011002", "131016", "131041", "131130", "141003"];

fn code(i: usize) -> MunicipalityCode {
    MunicipalityCode::parse(CODES[i % CODES.len()]).expect("valid test code")
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1990, 1, 1).expect("date")
}

/// Non-overlapping intervals: (municipality, gap before, length) with the
/// last one open or closed, given in shuffled order.
fn history() -> impl Strategy<Value = Vec<ResidencyInterval>> {
    (
        prop::collection::vec((0usize..5, 0u64..400, 1u64..4000), 0..=10),
        any::<bool>(),
    )
        .prop_map(|(spans, last_open)| {
            let mut from = epoch();
            let n = spans.len();
            spans
                .into_iter()
                .enumerate()
                .map(|(i, (m, gap, len))| {
                    let start = from + Days::new(gap);
                    let end = start + Days::new(len);
                    from = end;
                    ResidencyInterval {
                        municipality: code(m),
                        from: start,
                        to: if i + 1 == n && last_open {
                            None
                        } else {
                            Some(end)
                        },
                    }
                })
                .collect::<Vec<_>>()
        })
        .prop_shuffle()
}

fn records() -> impl Strategy<Value = Vec<RecordFacts>> {
    prop::collection::vec((0usize..5, 0usize..3, prop::bool::weighted(0.2)), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(m, c, erroneous)| RecordFacts {
                responsible: code(m),
                category: Category::ALL[c],
                erroneous,
            })
            .collect()
    })
}

fn query() -> impl Strategy<Value = (usize, NaiveDate)> {
    (0usize..5, 0u64..20_000).prop_map(|(m, d)| (m, epoch() + Days::new(d)))
}

proptest! {
    #[test]
    fn generated_histories_are_accepted(intervals in history()) {
        prop_assert!(ResidencyHistory::new(intervals).is_ok());
    }

    #[test]
    fn certifiable_is_within_visible(intervals in history(), recs in records(), (m, d) in query()) {
        let h = ResidencyHistory::new(intervals).expect("valid");
        let access = RecordAccess::new(&h, code(m), d);
        for r in &recs {
            let a = access.evaluate(r);
            prop_assert!(!a.certifiable || a.visible, "{r:?}");
        }
    }

    #[test]
    fn fixed_width_time_text_is_chronos_rfc3339(secs in -62_135_596_800i64..253_402_300_799, nanos in 0u32..1_000_000_000) {
        let t = chrono::DateTime::from_timestamp(secs, nanos).expect("in range");
        prop_assert_eq!(utc_text(t), t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        prop_assert_eq!(date_text(t.date_naive()), t.date_naive().format("%Y-%m-%d").to_string());
    }

    #[test]
    fn the_read_scope_never_hides_a_visible_record(intervals in history(), recs in records(), (m, d) in query()) {
        let h = ResidencyHistory::new(intervals).expect("valid");
        let access = RecordAccess::new(&h, code(m), d);
        for r in &recs {
            let in_scope = match access.scope() {
                RecordScope::All => true,
                RecordScope::ResponsibleOnly(only) => r.responsible == only,
                RecordScope::Nothing => false,
            };
            prop_assert!(!access.is_visible(r) || in_scope, "{r:?}");
        }
    }

    #[test]
    fn portal_never_shows_an_erroneous_record(recs in records()) {
        for r in &recs {
            prop_assert_eq!(on_portal(r), !r.erroneous);
        }
    }

    #[test]
    fn a_current_resident_shows_every_record(intervals in history(), recs in records(), (m, d) in query()) {
        let h = ResidencyHistory::new(intervals).expect("valid");
        let access = RecordAccess::new(&h, code(m), d);
        if access.status() == ResidenceStatus::Current {
            prop_assert!(recs.iter().all(|r| access.is_visible(r)));
        }
    }

    #[test]
    fn a_stranger_sees_nothing(intervals in history(), recs in records(), (m, d) in query()) {
        let h = ResidencyHistory::new(intervals).expect("valid");
        let access = RecordAccess::new(&h, code(m), d);
        if access.status() == ResidenceStatus::Never {
            prop_assert!(recs.iter().all(|r| !access.is_visible(r)));
        }
    }

    #[test]
    fn answers_do_not_depend_on_order(
        intervals in history(),
        recs in records(),
        (m, d) in query(),
        seed in any::<u64>(),
    ) {
        let h1 = ResidencyHistory::new(intervals.clone()).expect("valid");
        let mut reversed = intervals;
        reversed.reverse();
        let h2 = ResidencyHistory::new(reversed).expect("valid");
        prop_assert_eq!(&h1, &h2);
        let a1 = RecordAccess::new(&h1, code(m), d);
        let a2 = RecordAccess::new(&h2, code(m), d);
        let mut shuffled: Vec<(usize, RecordFacts)> = recs.iter().copied().enumerate().collect();
        shuffled.rotate_left(usize::try_from(seed % (recs.len().max(1) as u64)).unwrap_or(0));
        for (i, r) in shuffled {
            prop_assert_eq!(a2.evaluate(&r), a1.evaluate(&recs[i]));
        }
    }

    #[test]
    fn overlapping_intervals_are_refused(intervals in history(), extra_days in 1u64..4000) {
        prop_assume!(!intervals.is_empty());
        let mut v = intervals.clone();
        let first = v[0];
        // Starts inside an existing interval: always overlaps it.
        v.push(ResidencyInterval {
            municipality: code(4),
            from: first.from,
            to: Some(first.from + Days::new(extra_days)),
        });
        prop_assert_eq!(
            ResidencyHistory::new(v).map_err(|e| e.code()),
            Err("overlapping_residency")
        );
    }

    #[test]
    fn parsers_never_panic(s in any::<String>()) {
        let _ = MunicipalityCode::parse(&s);
        let _ = MedicalInstitutionCode::parse(&s);
        let _ = Gtin::parse(&s);
        let _ = Gs1ElementString::parse(&s, chrono::NaiveDate::MAX);
        let _ = Gs1ElementString::parse(&s, chrono::NaiveDate::MIN);
        let _ = BankCode::parse(&s);
        let _ = BranchCode::parse(&s);
        let _ = AccountNumber::parse(&s);
        let _ = AccountNumber::parse_padded(&s);
        let _ = AccountHolderName::parse(&s);
        let _ = PassportNumber::parse(&s);
        let _ = Nationality::parse(&s);
        let _ = RomanName::parse(&s);
        let _ = EmailAddress::parse(&s);
        let _ = parse_date(&s);
        let _ = parse_timestamp(&s);
        let _ = Category::parse(&s);
        let _ = Role::parse(&s);
        let _ = OrganisationType::parse(&s);
    }

    /// Parsing a key already owned (a stored key) decides exactly as
    /// parsing borrowed text, for any text: ASCII keys, full-width ones,
    /// padded ones, bad ones.
    #[test]
    fn owned_keys_parse_as_borrowed_ones(
        s in prop_oneof![
            any::<String>(),
            r"[ \tA-Za-z0-9_\-.]{0,45}",
            "[ Ａ-Ｚ０-９＿－]{0,10}[A-Z0-9]{0,5}",
        ]
    ) {
        prop_assert_eq!(ManagementId::parse_owned(s.clone()), ManagementId::parse(&s));
        prop_assert_eq!(RecordId::parse_owned(s.clone()), RecordId::parse(&s));
        prop_assert_eq!(VaccineCode::parse_owned(s.clone()), VaccineCode::parse(&s));
        prop_assert_eq!(SubjectNumber::parse_owned(s.clone()), SubjectNumber::parse(&s));
    }

    #[test]
    fn gs1_parser_never_panics_on_label_like_input(
        s in "(\\(?[0-9]{2}\\)?[0-9A-Za-z\u{1d}\\-]{0,20}){0,5}"
    ) {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let _ = Gs1ElementString::parse(&s, today);
    }

    /// GS1 §7.12: a two-digit expiry year is the one year with those last
    /// two digits from 49 years before the reading year to 50 after it.
    #[test]
    fn gs1_years_fall_in_the_window(yy in 0u32..100, year in 1900i32..2300) {
        let today = chrono::NaiveDate::from_ymd_opt(year, 6, 1).unwrap();
        let got = sesshu_core::identifiers::gs1_year(yy, today);
        prop_assert_eq!(got.rem_euclid(100), i32::try_from(yy).unwrap());
        prop_assert!((year - 49..=year + 50).contains(&got), "{} read in {} gave {}", yy, year, got);
    }

    #[test]
    fn exactly_one_check_digit_per_municipality_body(pref in 1u32..=47, body in 0u32..1000) {
        let valid = (0..10)
            .filter(|d| MunicipalityCode::parse(&format!("{pref:02}{body:03}{d}")).is_ok())
            .count();
        prop_assert_eq!(valid, 1);
    }

    #[test]
    fn holder_names_are_stable_once_normalised(s in "[ｦ-ﾟア-ヶa-zA-Z0-9 ().,/ー-]{1,30}") {
        if let Ok(n) = AccountHolderName::parse(&s) {
            prop_assert_eq!(AccountHolderName::parse(n.as_str()), Ok(n.clone()));
        }
    }

    /// A date reads back from its text, and any text a date is read from
    /// is exactly that date's `YYYY-MM-DD` (surrounding spaces aside).
    #[test]
    fn dates_have_one_text_form(days in 0u64..3_652_059, s in "[+ ]?[0-9]{3,5}[-/][0-9]{1,2}[-/][0-9]{1,2} ?") {
        let date = NaiveDate::from_ymd_opt(0, 1, 1).expect("date") + Days::new(days);
        let text = date.format("%Y-%m-%d").to_string();
        prop_assert_eq!(parse_date(&text), Ok(date));
        if let Ok(d) = parse_date(&s) {
            prop_assert_eq!(d.format("%Y-%m-%d").to_string(), s.trim());
        }
    }

    #[test]
    fn wareki_preserves_date_order(a in 0u64..60_000, b in 0u64..60_000) {
        let base = NaiveDate::from_ymd_opt(1873, 1, 1).expect("date");
        let (da, db) = (base + Days::new(a), base + Days::new(b));
        let (wa, wb) = (WarekiDate::from_date(da).expect("in range"), WarekiDate::from_date(db).expect("in range"));
        prop_assert!(wa.year >= 1 && wb.year >= 1);
        prop_assert_eq!(da.cmp(&db), wa.cmp(&wb));
    }

    #[test]
    fn answers_survive_their_json_form(answers in answers(2)) {
        let json = answers_to_json(&answers);
        let back = answers_from_json(&json).expect("plain JSON of answers reads back");
        prop_assert_eq!(&back, &answers);
        prop_assert!(modified_items(&answers, &back).is_empty());
    }
}

/// Answers as forms give them: booleans, integers and decimals of up to 15
/// significant digits, text (also text that looks like a number), choices
/// and groups nested `depth` deep.
fn answers(depth: u32) -> impl Strategy<Value = Answers> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(AnswerValue::Bool),
        any::<i64>().prop_map(|i| AnswerValue::Number(Decimal::from(i))),
        (-99_999_999_999_999i64..99_999_999_999_999, 0u32..8)
            .prop_map(|(m, scale)| AnswerValue::Number(Decimal::new(m, scale))),
        "[0-9a-zあ-ん .]{0,6}".prop_map(AnswerValue::Text),
    ];
    let value = leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(AnswerValue::Choices),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4).prop_map(AnswerValue::Group),
        ]
    });
    prop::collection::btree_map("[a-z_]{1,8}", value, 0..6)
}

proptest! {
    /// Any validity and label a caller types give a token or a typed
    /// refusal, never a panic (`--valid-days 99999999999` overflowed).
    #[test]
    fn token_issue_never_panics(days in any::<i64>(), label in any::<String>(), hours in any::<i64>()) {
        use sesshu_core::organisation::{OrganisationCode, OrganisationType};
        use sesshu_core::tokens;
        let now = chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
        let org = OrganisationCode::parse("131016").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let validity = tokens::valid_days(days);
        prop_assert_eq!(validity.is_ok(), (1..=tokens::MAX_VALID_DAYS).contains(&days));
        let issued = tokens::issue(
            &sesshu_core::secrets::SeededRandom::new(1),
            OrganisationType::Municipality,
            org,
            &label,
            "131016-0001",
            now,
            validity.ok(),
        );
        if let Ok((_, row)) = &issued {
            prop_assert!(row.expires_at.is_none_or(|e| e > now));
            prop_assert!(!row.label.is_empty());
        }
        let _ = sesshu_core::calendar::hours_after(now, hours, "a setting");
    }
}

#[test]
fn token_validity_and_label_are_refused_with_codes() {
    use sesshu_core::tokens::{valid_days, TokenError};
    for days in [0, -5, 99_999_999_999, i64::MAX, i64::MIN] {
        assert_eq!(
            valid_days(days).map_err(|e| e.code()),
            Err("invalid_token_validity"),
            "{days}"
        );
    }
    assert!(valid_days(90).is_ok());
    let org = sesshu_core::organisation::OrganisationCode::parse("131016")
        .unwrap_or_else(|_| unreachable!());
    let now = chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    for label in ["", "   ", &"x".repeat(101)] {
        let refused = sesshu_core::tokens::issue(
            &sesshu_core::secrets::SeededRandom::new(1),
            sesshu_core::organisation::OrganisationType::Municipality,
            org.clone(),
            label,
            "u",
            now,
            None,
        );
        assert!(
            matches!(refused, Err(TokenError::InvalidLabel)),
            "{label:?}"
        );
    }
}
