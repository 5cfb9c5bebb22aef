"""The masters (H-8) and the zengin code-check master through Python."""

import datetime
import pathlib

import pytest

import sesshu

MHLW = sesshu.Actor("mhlw-1", "mhlw", "MHLW", ["mhlw"])
CENTRAL = sesshu.Actor("op-1", "central", "CENTRAL", ["central"])
CHIYODA = sesshu.Actor("clerk", "municipality", "131016", ["municipality"])
SNAPSHOT = next((pathlib.Path(__file__).resolve().parents[3] / "data" / "zengin").glob("*.csv"))

VACCINES = ("code,name,name_en,valid_from,valid_to\n"
            "MR,麻しん風しん混合,Measles-Rubella,2006-04-01,\n"
            "DPT,ジフテリア・百日せき・破傷風,,1981-04-01,2012-11-01\n"
            "BAD CODE,x,,2000-01-01,\n")


def test_the_declared_masters_are_listed():
    kinds = {k.name: k for k in sesshu.master_kinds()}
    v = kinds["vaccine_types"]
    assert (v.label, v.owner, v.key) == ("ワクチン種別マスタ", "mhlw", ["code"])
    assert [c.name for c in v.columns][:2] == ["code", "name"]
    assert kinds["municipal_vaccination_settings"].owner == "municipality"


def test_upload_dry_run_per_row_errors_and_download(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db)
    with pytest.raises(sesshu.NotAuthorizedError) as e:
        s.import_master_csv(CHIYODA, "vaccine_types", VACCINES.encode())
    assert e.value.code == "not_authorized"
    dry = s.import_master_csv(MHLW, "vaccine_types", VACCINES.encode(), dry_run=True)
    assert (dry.dry_run, dry.created, len(dry.errors)) == (True, 2, 1)
    assert (dry.errors[0].row, dry.errors[0].column, dry.errors[0].code) == (3, "code", "invalid_master_value")
    assert s.master_rows(MHLW, "vaccine_types") == []
    # Shift_JIS, as Windows-31J writes it.
    r = s.import_master_csv(MHLW, "vaccine_types", VACCINES.encode("cp932"), encoding="shift_jis")
    assert (r.created, r.unchanged) == (2, 0)
    again = s.import_master_csv(MHLW, "vaccine_types", VACCINES.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows = s.master_rows(MHLW, "vaccine_types")
    assert [r.values["code"] for r in rows] == ["DPT", "MR"]
    assert rows[0].valid_to == datetime.date(2012, 11, 1)
    mr = s.master_row_as_of(MHLW, "vaccine_types", ["MR"], datetime.date(2024, 1, 1))
    assert mr.values["name_en"] == "Measles-Rubella"
    assert s.master_row_as_of(MHLW, "vaccine_types", ["DPT"], datetime.date(2013, 1, 1)) is None
    data = s.export_master_csv(MHLW, "vaccine_types")
    assert data.startswith(b"\xef\xbb\xbfcode,name,name_en,disease,valid_from,valid_to\r\n")
    back = s.import_master_csv(MHLW, "vaccine_types", data)
    assert (back.created, back.updated, back.unchanged, back.errors) == (0, 0, 2, [])
    with pytest.raises(sesshu.ValidationError) as e:
        s.master_rows(MHLW, "no_such_master")
    assert e.value.code == "unknown_master"


def test_zengin_load_check_refuse_and_roll_back(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db)
    with pytest.raises(sesshu.ValidationError) as e:
        s.zengin_check("0001", "001")
    assert e.value.code == "unknown_bank_code"
    first = s.zengin_load(CENTRAL, SNAPSHOT.read_bytes(), SNAPSHOT.name)
    assert first.changed and first.current.banks == 1146 and first.backup is None
    assert s.zengin_check("0001", "001") is None
    assert s.check_bank_account(sesshu.BankAccountDraft("registered", "0001", "001", "ordinary", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ")) is None
    with pytest.raises(sesshu.ValidationError) as e:
        s.check_bank_account(sesshu.BankAccountDraft("registered", "9998", "001", "ordinary", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ"))
    assert e.value.code == "unknown_bank_code"
    with pytest.raises(sesshu.ValidationError) as e:
        s.zengin_check("0001", "999")
    assert e.value.code == "unknown_branch_code"
    second = s.zengin_load(CENTRAL, b"bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n"
                           b"0001,x,X,999,y,Y\n", "second.csv")
    assert (second.current.banks, second.backup.generation) == (1, first.current.generation)
    with pytest.raises(sesshu.ValidationError) as e:
        s.zengin_load(CENTRAL, b"bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n"
                      b"12,x,X,999,y,Y\n", "broken.csv")
    assert e.value.code == "zengin_file_refused"
    assert s.zengin_status().current.generation == second.current.generation
    rolled = s.zengin_rollback(CENTRAL)
    assert rolled.current.sha256 == first.current.sha256
    assert s.zengin_check("0001", "001") is None
    with pytest.raises(sesshu.NotAuthorizedError):
        s.zengin_rollback(CHIYODA)


def test_a_vial_label_resolves_through_the_gtin_master(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db)
    s.import_master_csv(MHLW, "gtin_codes", "gtin,vaccine_type,product,valid_from\n"
                        "4987123456784,MR,ミールビック,2020-04-01\n".encode())
    label = "(01)04987123456784(17)260331(10)AB12C"
    v = s.resolve_vial_label(label, datetime.date(2026, 3, 1))
    assert (v.vaccine_type, v.product, v.lot, v.expiry) == ("MR", "ミールビック", "AB12C", datetime.date(2026, 3, 31))
    with pytest.raises(sesshu.RuleError) as e:
        s.resolve_vial_label(label, datetime.date(2026, 4, 1))
    assert e.value.code == "lot_expired"


def test_a_days_files_received_twice_and_the_differences_sent(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db)
    files = {
        "H_087-005_20261201.csv": "code,name,valid_from\n131016,千代田区,2000-01-01\n".encode(),
        "H_087-011_20261201.csv": "code,name,valid_from\n1311234502,千代田クリニック,2000-01-01\n".encode(),
        "notes.txt": b"x",
    }
    with pytest.raises(sesshu.NotAuthorizedError):
        s.receive_masters(CHIYODA, files)
    got = {f.name: f for f in s.receive_masters(CENTRAL, files)}
    assert got["H_087-005_20261201.csv"].outcome == "applied"
    assert got["H_087-005_20261201.csv"].report.created == 1
    assert got["notes.txt"].outcome == "ignored"
    again = s.receive_masters(CENTRAL, files)
    assert all(f.report is None or f.report.created + f.report.updated == 0 for f in again)
    late = s.receive_masters(CENTRAL, {"H_087-005_20261130.csv": files["H_087-005_20261201.csv"]})
    assert (late[0].outcome, late[0].latest) == ("superseded", datetime.date(2026, 12, 1))
    clinic = s.master_row_as_of(MHLW, "institutions", ["1311234502"], datetime.date(2025, 1, 1))
    assert clinic.values["online_eligibility"] == "1"
    # The merged institution is a difference to send.
    d = s.pull_master_diff(CENTRAL, "collective_contract")
    assert d.interfaces == ["H_088-001"] and not d.redelivery
    assert s.pull_master_diff(CENTRAL, "collective_contract").redelivery
    assert s.ack_master_diff(CENTRAL, d.batch) is True
    assert s.ack_master_diff(CENTRAL, d.batch) is False
    assert s.pull_master_diff(CENTRAL, "collective_contract") is None
