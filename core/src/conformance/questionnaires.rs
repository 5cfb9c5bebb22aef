//! Questionnaire answers.

use super::*;

pub fn questionnaire_round_trip(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    s.put_persons(
        &staff(CHIYODA),
        vec![person("A1", "山田 花子", "ヤマダ ハナコ")],
    )
    .unwrap();
    s.put_records(
        &staff(CHIYODA),
        vec![record("r1", "A1", CHIYODA, "2024-01-01")],
    )
    .unwrap();
    let t = |v: &str| AnswerValue::Text(v.into());
    let subject: Answers = [
        ("fever".to_owned(), t("no")),
        ("note".to_owned(), t("なし")),
    ]
    .into();
    let institution: Answers = [
        ("fever".to_owned(), t("yes")),
        (
            "temperature".to_owned(),
            AnswerValue::Number(rust_decimal::Decimal::new(365, 1)),
        ),
    ]
    .into();
    let clinic = Actor::new(
        "doctor-1",
        crate::organisation::OrganisationType::MedicalInstitution,
        crate::organisation::OrganisationCode::parse("1311234502").unwrap(),
        vec![crate::organisation::Role::Doctor],
    );
    assert_eq!(
        s.put_questionnaire(&clinic, &rid("r1"), subject.clone(), institution.clone())
            .unwrap(),
        PutOutcome::Created
    );
    assert_eq!(
        s.put_questionnaire(&clinic, &rid("r1"), subject.clone(), institution.clone())
            .unwrap(),
        PutOutcome::Unchanged
    );
    let view = s.questionnaire(&staff(CHIYODA), &rid("r1")).unwrap();
    assert_eq!(view.modified, ["fever", "note", "temperature"]);
    assert_eq!(view.institution, institution);
    assert_eq!(
        s.questionnaire(&staff(YOKOHAMA), &rid("r1"))
            .map_err(|e| e.code())
            .err(),
        Some("not_found")
    );
}

/// The questionnaire list and download (H-4) follow the record's visibility
/// (SPEC §3), show only records with answers, page by person, write one
/// line per item, and name an answer Shift_JIS cannot hold.
pub fn questionnaire_list_and_download(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let chiyoda = staff(CHIYODA);
    s.put_persons(
        &chiyoda,
        vec![
            person("A1", "山田 花子", "ヤマダ ハナコ"),
            person("A2", "髙橋 𠮷子", "タカハシ ヨシコ"),
            person("A3", "佐藤 一郎", "サトウ イチロウ"),
        ],
    )
    .unwrap();
    s.put_records(
        &staff(SAPPORO),
        vec![record("s1", "A1", SAPPORO, "2010-01-01")],
    )
    .unwrap();
    s.put_records(
        &chiyoda,
        vec![
            record("r1", "A1", CHIYODA, "2024-01-01"),
            record("r2", "A1", CHIYODA, "2024-02-01"),
            record("r3", "A2", CHIYODA, "2024-03-01"),
            record("r4", "A3", CHIYODA, "2024-04-01"),
        ],
    )
    .unwrap();
    let clinic = Actor::new(
        "doctor-1",
        crate::organisation::OrganisationType::MedicalInstitution,
        crate::organisation::OrganisationCode::parse("1311234502").unwrap(),
        vec![crate::organisation::Role::Doctor],
    );
    let t = |v: &str| AnswerValue::Text(v.into());
    let answers = |pairs: &[(&str, AnswerValue)]| -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    let temperature = AnswerValue::Number(rust_decimal::Decimal::new(3650, 2));
    let put = |r: &str, subject: Answers, institution: Answers| {
        s.put_questionnaire(&clinic, &rid(r), subject, institution)
            .unwrap()
    };
    put(
        "r1",
        answers(&[("fever", t("no")), ("note", t("なし"))]),
        answers(&[("fever", t("yes")), ("temperature", temperature)]),
    );
    put(
        "r3",
        answers(&[("allergy", AnswerValue::Choices(vec![t("egg")]))]),
        answers(&[("doctor", t("𠮷田"))]),
    );
    put("r4", Answers::new(), Answers::new());
    put(
        "s1",
        answers(&[("fever", AnswerValue::Bool(false))]),
        answers(&[("fever", AnswerValue::Bool(false))]),
    );

    // The batch read answers for the records that have answers only.
    let mut found: Vec<String> = store
        .questionnaires(&[rid("r2"), rid("s1"), rid("nope"), rid("r1")])
        .unwrap()
        .into_iter()
        .map(|q| q.record.to_string())
        .collect();
    found.sort();
    assert_eq!(found, ["r1", "s1"]);
    assert!(store.questionnaires(&[]).unwrap().is_empty());

    let ids = |page: &crate::service::QuestionnairePage| {
        page.rows
            .iter()
            .map(|q| q.answers.record.to_string())
            .collect::<Vec<_>>()
    };
    let query = crate::service::RecordQuery::default();
    let all = s.query_questionnaires(&chiyoda, &query, None, 100).unwrap();
    // A current resident's records from before the move-in are listed too.
    assert_eq!(ids(&all), ["r1", "s1", "r3", "r4"]);
    assert_eq!(
        all.rows[0].answers.modified,
        ["fever", "note", "temperature"]
    );
    assert_eq!(all.rows[0].row.person.name, "山田 花子");
    assert!(all.next.is_none());
    // A former municipality sees its own record only; a stranger nothing.
    let sapporo = s.query_questionnaires(&staff(SAPPORO), &query, None, 100);
    assert_eq!(ids(&sapporo.unwrap()), ["s1"]);
    let yokohama = s.query_questionnaires(&staff(YOKOHAMA), &query, None, 100);
    assert!(yokohama.unwrap().rows.is_empty());
    // Paging by person: one person a page, every row once.
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = s
            .query_questionnaires(&chiyoda, &query, after.as_ref(), 1)
            .unwrap();
        seen.extend(ids(&page));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, ["r1", "s1", "r3", "r4"]);
    // The search narrows like the staff search.
    let mr_march = crate::service::RecordQuery {
        vaccinated_from: Some(date("2024-03-01")),
        ..Default::default()
    };
    let narrowed = s.query_questionnaires(&chiyoda, &mr_march, None, 100);
    assert_eq!(ids(&narrowed.unwrap()), ["r3", "r4"]);

    // The download: a line per record and item, every questionnaire shown.
    let mut out = Vec::new();
    let n = s
        .export_questionnaires_csv(
            &chiyoda,
            &query,
            crate::service::ExportOptions::default(),
            &mut out,
        )
        .unwrap();
    assert_eq!(n, 4);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], crate::service::QUESTIONNAIRE_COLUMNS.join(","));
    assert_eq!(
        &lines[1..],
        [
            "SA1,A1,山田 花子,ヤマダ ハナコ,r1,MR,2024-01-01,fever,yes,no,true",
            "SA1,A1,山田 花子,ヤマダ ハナコ,r1,MR,2024-01-01,note,,なし,true",
            "SA1,A1,山田 花子,ヤマダ ハナコ,r1,MR,2024-01-01,temperature,36.50,,true",
            "SA1,A1,山田 花子,ヤマダ ハナコ,s1,MR,2010-01-01,fever,false,false,false",
            "SA2,A2,髙橋 𠮷子,タカハシ ヨシコ,r3,MR,2024-03-01,allergy,,\"[\"\"egg\"\"]\",true",
            "SA2,A2,髙橋 𠮷子,タカハシ ヨシコ,r3,MR,2024-03-01,doctor,𠮷田,,true",
            "SA3,A3,佐藤 一郎,サトウ イチロウ,r4,MR,2024-04-01,,,,",
        ]
    );
    // Shift_JIS cannot hold 𠮷: the first one met is named, nothing written.
    let sjis = crate::service::ExportOptions::from_text(Some("shift_jis"), None).unwrap();
    let mut out = Vec::new();
    let e = s
        .export_questionnaires_csv(&chiyoda, &query, sjis, &mut out)
        .unwrap_err();
    assert_eq!(e.code(), "unencodable_character");
    assert!(e.to_string().contains("row 5, column name"), "{e}");
    let log = store
        .log_search(
            &crate::store::LogFilter {
                subject: Some(id("A2")),
                ..Default::default()
            },
            100,
        )
        .unwrap();
    let actions: Vec<String> = log.iter().map(|e| e.draft.action.to_string()).collect();
    assert!(
        actions.iter().any(|a| a == "export_questionnaires"),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a == "read_questionnaire"),
        "{actions:?}"
    );
}
