"""Questionnaire answers (予診票回答) on a SQLite store: the institution
writes them, staff read them with the items the institution changed."""

import datetime as dt
from decimal import Decimal

import pytest

import sesshu

NOW = dt.datetime(2025, 4, 1, 3, 0, tzinfo=dt.timezone.utc)
CHIYODA, SAPPORO, YOKOHAMA = "131016", "011002", "141003"
CLINIC = "0110113719"
DOCTOR = sesshu.Actor("dr-sato", "medical_institution", CLINIC, ["doctor"])


@pytest.fixture
def store(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    s.put_persons(CHIYODA, "clerk", [sesshu.Person(
        "P1", "S1", "山田 花子", "ヤマダ ハナコ", dt.date(1990, 5, 1), "female", None,
        [sesshu.ResidencyInterval(SAPPORO, dt.date(1990, 5, 1), dt.date(2020, 4, 1)),
         sesshu.ResidencyInterval(CHIYODA, dt.date(2020, 4, 1))])])
    s.put_records(CHIYODA, "clerk", [sesshu.Record(
        "R1", "P1", CHIYODA, "routine", "MR", 1, dt.date(2024, 1, 1), institution=CLINIC)])
    return s


SUBJECT = {"fever": False, "temperature": Decimal("36.5"), "allergies": ["egg", "milk"],
           "note": "なし", "history": {"asthma": True}, "blank": None}
INSTITUTION = {"fever": False, "temperature": 36.8, "allergies": ["milk", "egg"],
               "history": {"asthma": True}, "doctor": "佐藤"}


def test_the_institution_writes_and_staff_read_what_it_changed(store):
    assert store.put_questionnaire(DOCTOR, "R1", SUBJECT, INSTITUTION) == "created"
    assert store.put_questionnaire(DOCTOR, "R1", SUBJECT, INSTITUTION) == "unchanged"

    q = store.questionnaire(CHIYODA, "clerk", "R1")
    assert q.record == "R1"
    assert q.modified == ["doctor", "note", "temperature"]
    assert q.institution == {"fever": False, "temperature": Decimal("36.8"),
                             "allergies": ["milk", "egg"], "history": {"asthma": True},
                             "doctor": "佐藤"}
    # A None answer is no answer; numbers come back as exact Decimals.
    assert "blank" not in q.subject and q.subject["temperature"] == Decimal("36.5")
    assert isinstance(q.subject["fever"], bool)

    changed = dict(INSTITUTION, temperature=Decimal("36.50"), doctor="鈴木")
    assert store.put_questionnaire(DOCTOR, "R1", SUBJECT, changed) == "updated"
    assert store.questionnaire(CHIYODA, "clerk", "R1").institution["doctor"] == "鈴木"

    actions = [e.action for e in store.search_log(CHIYODA, "auditor", subject="P1")]
    assert actions.count("write_questionnaire") == 2
    assert actions.count("read_questionnaire") == 2


def test_visibility_follows_the_record(store):
    store.put_questionnaire(DOCTOR, "R1", SUBJECT, INSTITUTION)
    # Sapporo is a former municipality, and R1 is Chiyoda's record.
    with pytest.raises(sesshu.NotFoundError) as e:
        store.questionnaire(SAPPORO, "clerk", "R1")
    assert e.value.code == "not_found"
    with pytest.raises(sesshu.NotFoundError):
        store.questionnaire(YOKOHAMA, "clerk", "R1")


def test_refusals_are_typed_and_write_nothing(store):
    other_clinic = sesshu.Actor("dr-x", "medical_institution", "1310000003", ["doctor"])
    with pytest.raises(sesshu.NotAuthorizedError) as e:
        store.put_questionnaire(other_clinic, "R1", SUBJECT, INSTITUTION)
    assert e.value.code == "not_authorized"
    with pytest.raises(sesshu.NotFoundError) as e:
        store.put_questionnaire(DOCTOR, "R9", SUBJECT, INSTITUTION)
    assert e.value.code == "not_found"
    with pytest.raises(sesshu.ValidationError) as e:
        store.put_questionnaire(DOCTOR, "R1", {"when": dt.date(2024, 1, 1)}, {})
    assert e.value.code == "invalid_answer"
    with pytest.raises(sesshu.ValidationError) as e:
        store.put_questionnaire(DOCTOR, "R1", {"t": float("nan")}, {})
    assert e.value.code == "invalid_answer"
    for not_a_dict in (["fever"], None, "fever"):
        with pytest.raises(sesshu.ValidationError) as e:
            store.put_questionnaire(DOCTOR, "R1", not_a_dict, {})
        assert e.value.code == "invalid_answer"
    with pytest.raises(sesshu.ValidationError) as e:
        sesshu.modified_items({}, [])
    assert e.value.code == "invalid_answer"
    with pytest.raises(sesshu.ValidationError) as e:
        store.put_questionnaire(DOCTOR, "bad id!", SUBJECT, INSTITUTION)
    assert e.value.code == "invalid_record_id"
    with pytest.raises(sesshu.NotFoundError):
        store.questionnaire(CHIYODA, "clerk", "R1")


def test_the_list_and_the_download_follow_the_record(store):
    store.put_records(SAPPORO, "clerk", [sesshu.Record(
        "S1", "P1", SAPPORO, "routine", "MR", 1, dt.date(2010, 1, 1), institution=CLINIC)])
    store.put_records(CHIYODA, "clerk", [sesshu.Record(
        "R2", "P1", CHIYODA, "routine", "MR", 2, dt.date(2024, 6, 1))])
    store.put_questionnaire(DOCTOR, "R1", SUBJECT, dict(INSTITUTION, doctor="𠮷田"))
    store.put_questionnaire(DOCTOR, "S1", {"fever": True}, {"fever": True})

    rows, nxt = store.query_questionnaires(CHIYODA, "clerk")
    assert nxt is None
    # R2 has no answers; S1, from before the move-in, is listed for Chiyoda.
    assert [(r.record.id, r.person.management_id) for r in rows] == [("R1", "P1"), ("S1", "P1")]
    assert rows[0].answers.modified == ["doctor", "note", "temperature"]
    assert rows[1].answers.institution == {"fever": True}
    assert [r.record.id for r in store.query_questionnaires(SAPPORO, "clerk")[0]] == ["S1"]
    assert store.query_questionnaires(YOKOHAMA, "clerk") == ([], None)
    assert store.query_questionnaires(CHIYODA, "clerk", vaccinated_from=dt.date(2020, 1, 1))[0][0].record.id == "R1"

    csv = store.export_questionnaires_csv(CHIYODA, "clerk")
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[7:] == ["item", "institution_answer", "subject_answer", "modified"]
    assert "S1,P1,山田 花子,ヤマダ ハナコ,R1,MR,2024-01-01,temperature,36.8,36.5,true" in lines
    assert "S1,P1,山田 花子,ヤマダ ハナコ,S1,MR,2010-01-01,fever,true,true,false" in lines
    assert len(lines) == 1 + 6 + 1  # the header, R1's six items, S1's one
    with pytest.raises(sesshu.SesshuError) as e:
        store.export_questionnaires_csv(CHIYODA, "clerk", encoding="shift_jis")
    assert e.value.code == "unencodable_character"
    sjis = store.export_questionnaires_csv(CHIYODA, "clerk", encoding="shift_jis", replacement="?")
    assert ",doctor,?田,,true" in sjis.decode("cp932")
    actions = [e.action for e in store.search_log(CHIYODA, "auditor", subject="P1")]
    assert "export_questionnaires" in actions
