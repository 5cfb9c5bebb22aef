"""A vendor's round trip on a SQLite store: persons with a residency
history, records, what a municipality may see, CSV, delivery, the log."""

import datetime as dt

import pytest

import sesshu

NOW = dt.datetime(2025, 4, 1, 3, 0, tzinfo=dt.timezone.utc)
CHIYODA, SAPPORO = "131016", "011002"


def person(pid, name="山田 花子", kana="やまだ はなこ"):
    return sesshu.Person(
        pid, "S" + pid, name, kana, dt.date(1990, 5, 1), "female", "pmh-" + pid,
        [
            sesshu.ResidencyInterval(SAPPORO, dt.date(1990, 5, 1), dt.date(2020, 4, 1)),
            sesshu.ResidencyInterval(CHIYODA, dt.date(2020, 4, 1)),
        ],
    )


def record(rid, pid, m, day, **kw):
    return sesshu.Record(rid, pid, m, "routine", "MR", 1, day, **kw)


def test_round_trip(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    assert s.put_persons(CHIYODA, "clerk", [person("P1"), person("P2", "髙橋 𠮷子", "タカハシ ヨシコ")]) == ["created", "created"]
    assert s.put_persons(CHIYODA, "clerk", [person("P1")]) == ["unchanged"]
    s.put_records(SAPPORO, "clerk", [record("old", "P1", SAPPORO, dt.date(2010, 1, 1))])
    s.put_records(CHIYODA, "clerk", [record("new", "P1", CHIYODA, dt.date(2024, 1, 1), lot="AB12C"), record("r2", "P2", CHIYODA, dt.date(2024, 2, 1))])

    rows = s.person_records(CHIYODA, "clerk", "P1")
    assert [(r.record.id, r.certifiable) for r in rows] == [("new", True), ("old", False)]
    assert rows[0].person.name_kana == "ヤマダ ハナコ"
    assert rows[0].updated_at == NOW
    assert [r.record.id for r in s.person_records(SAPPORO, "clerk", "P1")] == ["old"]
    with pytest.raises(sesshu.NotFoundError) as e:
        s.person_records("141003", "clerk", "P1")
    assert e.value.code == "not_found"

    page, nxt = s.query_records(CHIYODA, "clerk", kana_prefix="タカハシ")
    assert [r.record.id for r in page] == ["r2"] and nxt is None

    csv = s.export_records_csv(CHIYODA, "clerk")
    assert csv.startswith(b"\xef\xbb\xbf") and "𠮷".encode() in csv
    with pytest.raises(sesshu.SesshuError) as e:
        s.export_records_csv(CHIYODA, "clerk", encoding="shift_jis")
    assert e.value.code == "unencodable_character"
    sjis = s.export_records_csv(CHIYODA, "clerk", encoding="shift_jis", replacement="?")
    assert "髙橋 ?子" in sjis.decode("cp932")
    for kwargs, code in [({"encoding": "latin1"}, "invalid_encoding"),
                         ({"encoding": "shift_jis", "replacement": "??"}, "invalid_replacement")]:
        with pytest.raises(sesshu.ValidationError) as e:
            s.export_records_csv(CHIYODA, "clerk", **kwargs)
        assert e.value.code == code

    pull = s.pull_delivery(CHIYODA, "system")
    assert sorted(r.record.id for r in pull.records) == ["new", "r2"]
    again = s.pull_delivery(CHIYODA, "system")
    assert again.batch_id == pull.batch_id and again.redelivery
    assert s.ack_delivery(CHIYODA, "system", pull.batch_id) is True
    assert s.ack_delivery(CHIYODA, "system", pull.batch_id) is False
    assert s.pull_delivery(CHIYODA, "system").batch_id is None

    assert [r.id for r in s.portal_records("pmh-P1")] == ["new", "old"]
    log = s.search_log(CHIYODA, "auditor", subject="P1")
    assert {"read_records", "deliver_records", "read_portal"} <= {e.action for e in log}
    report = s.verify_log(CHIYODA, "auditor")
    assert report.first_break is None and report.verified > 0


def test_bad_input_is_a_typed_error_with_nothing_written(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    with pytest.raises(sesshu.ValidationError) as e:
        s.put_persons(CHIYODA, "clerk", [person("P1"), person("bad id!")])
    assert e.value.code == "invalid_management_id"
    with pytest.raises(sesshu.ValidationError) as e:
        s.put_persons("131017", "clerk", [person("P1")])
    assert e.value.code == "invalid_municipality_code"
    assert s.put_persons(CHIYODA, "clerk", [person("P1")]) == ["created"]
    with pytest.raises(sesshu.RuleError) as e:
        s.put_records(CHIYODA, "clerk", [record("x", "P1", CHIYODA, dt.date(2010, 1, 1))])
    assert e.value.code == "responsible_mismatch"
    with pytest.raises(sesshu.NotAuthorizedError):
        s.put_records("141003", "clerk", [record("y", "P1", CHIYODA, dt.date(2024, 1, 1))])
    for dose in (-1, 0, 100):
        with pytest.raises(sesshu.ValidationError) as e:
            s.put_records(CHIYODA, "clerk", [
                sesshu.Record("z", "P1", CHIYODA, "routine", "MR", dose, dt.date(2024, 1, 1))])
        assert e.value.code == "invalid_dose_number"
    assert s.person_records(CHIYODA, "clerk", "P1") == []
    with pytest.raises(sesshu.ValidationError):
        sesshu.wareki(dt.date(1872, 12, 31))


def test_a_person_without_a_history_yet_may_be_imported_again(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    bare = sesshu.Person("P9", "SP9", "鈴木 次郎", "すずき じろう", dt.date(1990, 5, 1), "male")
    assert [o.outcome for o in s.import_persons(CHIYODA, "clerk", [bare])] == ["created"]
    # The persons file again, before the residency file: unchanged.
    assert [o.outcome for o in s.import_persons(CHIYODA, "clerk", [bare])] == ["unchanged"]
    # Once their history names Sapporo and Chiyoda, Yokohama may not write them.
    assert [o.outcome for o in s.import_persons(CHIYODA, "clerk", [person("P9")])] == ["updated"]
    assert [o.code for o in s.import_persons("141003", "clerk", [person("P9", name="鈴木 三郎")])] == ["not_authorized"]


def test_an_import_lands_the_good_items_and_refuses_each_other_in_its_place(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    out = s.import_persons(CHIYODA, "clerk", [person("P1"), person("bad id!"), person("P2")])
    assert [(o.outcome, o.code) for o in out] == [("created", None), (None, "invalid_management_id"), ("created", None)]
    assert "bad id!" in out[1].message
    records = [
        record("R1", "P1", CHIYODA, dt.date(2024, 1, 1)),
        # Given in Sapporo's time but said to be Chiyoda's: a rule's refusal.
        record("R2", "P1", CHIYODA, dt.date(2010, 1, 1)),
        sesshu.Record("R3", "P1", CHIYODA, "routine", "MR", 0, dt.date(2024, 2, 1)),
        record("R4", "P2", CHIYODA, dt.date(2024, 3, 1)),
    ]
    expected = [("created", None), (None, "responsible_mismatch"), (None, "invalid_dose_number"), ("created", None)]
    assert [(o.outcome, o.code) for o in s.import_records(CHIYODA, "clerk", records)] == expected
    # The same file again writes nothing twice.
    again = [(o.outcome, o.code) for o in s.import_records(CHIYODA, "clerk", records)]
    assert again == [("unchanged", None)] + expected[1:3] + [("unchanged", None)]
    # Another municipality may not write Chiyoda's records: each is refused.
    elsewhere = s.import_records("141003", "clerk", [record("R5", "P1", CHIYODA, dt.date(2024, 5, 1))])
    assert [(o.outcome, o.code) for o in elsewhere] == [(None, "not_authorized")]
    assert [r.record.id for r in s.person_records(CHIYODA, "clerk", "P1")] == ["R1"]


def test_dates_and_residency_are_checked_before_anything_lands(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)  # 2025-04-01 JST
    unborn = sesshu.Person("U1", "SU1", "未来 太郎", "みらい たろう", dt.date(2025, 4, 2), "male")
    out = s.import_persons(CHIYODA, "clerk", [unborn, person("P1")])
    assert [o.code for o in out] == ["birth_date_out_of_range", None]
    assert "2025-04-02" in out[0].message
    bare = sesshu.Person("P9", "SP9", "鈴木 次郎", "すずき じろう", dt.date(1990, 5, 1), "male")
    s.import_persons(CHIYODA, "clerk", [bare])
    records = [
        record("F1", "P1", CHIYODA, dt.date(2025, 4, 2)),
        record("B1", "P1", SAPPORO, dt.date(1990, 4, 30)),
        record("N1", "P9", CHIYODA, dt.date(2024, 1, 1)),
    ]
    assert [o.code for o in s.import_records(CHIYODA, "clerk", records[:1])] == ["vaccination_date_in_future"]
    assert [o.code for o in s.import_records(SAPPORO, "clerk", records[1:2])] == ["vaccination_before_birth"]
    with pytest.raises(sesshu.RuleError) as e:
        s.put_records(CHIYODA, "clerk", records[2:])
    assert e.value.code == "never_resident"
    with pytest.raises(sesshu.ValidationError) as e:
        s.put_records(CHIYODA, "clerk", records[:1])
    assert e.value.code == "vaccination_date_in_future"
    assert s.person_records(CHIYODA, "clerk", "P1") == []


def test_a_byte_order_mark_in_a_name_is_refused(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    with pytest.raises(sesshu.ValidationError) as e:
        s.put_persons(CHIYODA, "clerk", [person("P1", name="山田\ufeff花子")])
    assert e.value.code == "invalid_name"
    assert "U+FEFF" in str(e.value)


def test_a_log_cut_short_fails_against_a_signed_checkpoint(tmp_db):
    import json
    import sqlite3
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    s.put_persons(CHIYODA, "clerk", [person("P1"), person("P2")])
    for pid in ["P1", "P2", "P1"]:
        s.person_records(CHIYODA, "clerk", pid)
    key = sesshu.generate_log_key()
    assert key.private_key.startswith("sesshu-log-key-v1:")
    checkpoint = s.log_checkpoint(CHIYODA, "auditor", key.private_key)
    assert json.loads(checkpoint)["key_id"] == key.key_id
    ok = s.verify_log_with_checkpoint(CHIYODA, "auditor", checkpoint, key.public_key)
    assert ok.first_break is None and ok.verified == json.loads(checkpoint)["size"]
    other = sesshu.generate_log_key()
    with pytest.raises(sesshu.SesshuError) as e:
        s.verify_log_with_checkpoint(CHIYODA, "auditor", checkpoint, other.public_key)
    assert e.value.code == "checkpoint_signature_invalid"
    with pytest.raises(sesshu.SesshuError) as e:
        s.log_checkpoint(CHIYODA, "auditor", key.public_key)
    assert e.value.code == "invalid_log_key"
    # The newest entries deleted and the head rewritten: the chain alone
    # still verifies, the checkpoint does not.
    with sqlite3.connect(tmp_db) as db:
        db.executescript(
            "DELETE FROM access_log WHERE seq > (SELECT max(seq) - 2 FROM access_log);"
            "UPDATE log_head SET seq = (SELECT max(seq) FROM access_log),"
            " hash = (SELECT hash FROM access_log ORDER BY seq DESC LIMIT 1);"
        )
    assert s.verify_log(CHIYODA, "auditor").first_break is None
    cut = s.verify_log_with_checkpoint(CHIYODA, "auditor", checkpoint, key.public_key)
    assert cut.first_break is not None and "shorter" in cut.reason


def test_the_access_log_pages_and_downloads(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    s.put_persons(CHIYODA, "clerk", [person("P1"), person("P2")])
    s.put_records(CHIYODA, "clerk", [record("R1", "P1", CHIYODA, dt.date(2024, 1, 1))])
    for pid in ["P1", "P2", "P1"]:
        s.person_records(CHIYODA, "clerk", pid)
    before = NOW + dt.timedelta(seconds=1)  # the searches' own reads are logged at NOW too
    whole = s.search_log(CHIYODA, "auditor", end=before)
    assert len(whole) >= 3
    first = s.search_log(CHIYODA, "auditor", end=before, limit=2)
    rest = s.search_log(CHIYODA, "auditor", end=before, after=first[-1].seq, limit=100)
    assert [e.seq for e in first] == [e.seq for e in whole[:2]]
    assert all(e.seq > first[-1].seq for e in rest)
    csv = s.export_log_csv(CHIYODA, "auditor", subject="P1").decode("utf-8-sig").splitlines()
    assert csv[0] == "seq,at,actor,organisation,action,subject,record_ids"
    assert len(csv) > 2 and all(",P1," in line for line in csv[1:])
    assert any(",read_records,P1,R1" in line for line in csv[1:])
    with pytest.raises(sesshu.ValidationError) as e:
        s.export_log_csv(CHIYODA, "auditor", encoding="latin1")
    assert e.value.code == "invalid_encoding"


def test_exports_neutralise_formulas_and_write_windows_31j(tmp_db):
    # A name typed on a Mac (〜 ‖ —) and full-width signs NFKC turns into
    # ¬ ¢ £ ¥: Excel for Japan (cp932) reads each back as its twin.
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    s.put_persons(CHIYODA, "clerk", [person("P1", "山田〜‖—￢￠￡￥ 花子")])
    s.put_records(CHIYODA, "clerk", [record("r1", "P1", CHIYODA, dt.date(2024, 1, 1), lot="=HYPERLINK(1)")])
    text = s.export_records_csv(CHIYODA, "clerk", encoding="shift_jis").decode("cp932")
    assert "山田～∥―￢￠￡￥ 花子" in text
    assert ",'=HYPERLINK(1)," in text
    utf8 = s.export_records_csv(CHIYODA, "clerk").decode("utf-8-sig")
    assert ",'=HYPERLINK(1)," in utf8 and "山田〜‖—¬¢£¥ 花子" in utf8


def test_the_persons_file_keeps_the_history_and_the_residency_file_replaces_it(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    # The persons file gives details only: a history given with them is ignored.
    out = s.import_person_details(CHIYODA, "clerk", [person("P1"), person("bad id!"), person("P2")])
    assert [(o.outcome, o.code) for o in out] == [("created", None), (None, "invalid_management_id"), ("created", None)]
    histories = [
        sesshu.PersonResidency("P1", [sesshu.ResidencyInterval(CHIYODA, dt.date(2020, 4, 1))]),
        sesshu.PersonResidency("P404", [sesshu.ResidencyInterval(CHIYODA, dt.date(2020, 4, 1))]),
        sesshu.PersonResidency("P1", []),
        sesshu.PersonResidency("bad id!", []),
        sesshu.PersonResidency("P2", [sesshu.ResidencyInterval(CHIYODA, dt.date(2020, 4, 1), dt.date(2020, 4, 1))]),
    ]
    got = [(o.outcome, o.code) for o in s.import_residency(CHIYODA, "clerk", histories)]
    assert got == [("updated", None), (None, "not_found"), (None, "duplicate"),
                   (None, "invalid_management_id"), (None, "invalid_interval")]
    s.put_records(CHIYODA, "clerk", [record("R1", "P1", CHIYODA, dt.date(2024, 1, 1))])
    # The persons file again, with a new name and another history: the name
    # changes, the stored history stays (Chiyoda still sees, Sapporo never did).
    again = s.import_person_details(CHIYODA, "clerk", [person("P1", name="山田 春子")])
    assert [o.outcome for o in again] == ["updated"]
    rows = s.person_records(CHIYODA, "clerk", "P1")
    assert [(r.record.id, r.person.name) for r in rows] == [("R1", "山田 春子")]
    assert [(i.municipality, i.start) for i in rows[0].person.residency] == [(CHIYODA, dt.date(2020, 4, 1))]
    with pytest.raises(sesshu.NotFoundError):
        s.person_records(SAPPORO, "clerk", "P1")
    # Yokohama, which neither history names, may not change it.
    elsewhere = s.import_residency("141003", "clerk", [
        sesshu.PersonResidency("P1", [sesshu.ResidencyInterval(CHIYODA, dt.date(2021, 4, 1))])])
    assert [o.code for o in elsewhere] == ["not_authorized"]
    assert {"write_person"} <= {e.action for e in s.search_log(CHIYODA, "auditor", subject="P1")}
