"""Maternal and child health data (H-7) through Python."""

import json

import pytest

import sesshu

CHIYODA = sesshu.Actor("clerk", "municipality", "131016", ["municipality"])
YOKOHAMA = sesshu.Actor("clerk", "municipality", "141003", ["municipality"])


def sample(item, n):
    """A plausible value, from the declaration alone."""
    if item.item_type == "date":
        return f"2026-11-{1 + n % 28:02d}"
    if item.item_type in ("integer", "measure"):
        return item.minimum
    if item.item_type == "code":
        return item.codes[n % len(item.codes)].split("=")[0]
    return f"所見{n}"


def rows(data_set, first, count):
    return "".join(",".join([f"S{n:05d}"] + [sample(i, n) for i in data_set.items]) + "\n"
                   for n in range(first, first + count))


def test_every_template_filled_from_the_declaration_uploads_cleanly(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db)
    sets = sesshu.maternal_data_sets()
    assert len(sets) == 13 and sets[0].interface == "H_071-001_IF"
    for d in sets:
        data = s.maternal_template(d.name) + rows(d, 1, 4).encode()
        up = s.upload_maternal_csv(CHIYODA, d.name, data)
        assert (up.rows, up.registered, up.refused, up.errors_csv) == (4, 4, [], ""), (d.name, up.refused)
        again = s.upload_maternal_csv(CHIYODA, d.name, data)
        assert (again.registered, again.unchanged) == (0, 4)
        sjis = s.maternal_template(d.name, encoding="shift_jis") + rows(d, 20, 1).encode("cp932")
        assert s.upload_maternal_csv(CHIYODA, d.name, sjis, encoding="shift_jis").registered == 1
        back = s.export_maternal_csv(CHIYODA, d.name)
        assert s.upload_maternal_csv(CHIYODA, d.name, back).unchanged == 5


def test_bad_rows_come_back_with_row_column_and_reason(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db)
    d = next(x for x in sesshu.maternal_data_sets() if x.name == "birth")
    header = ",".join(["subject_number"] + [i.name for i in d.items])
    data = f"{header}\nS1,2026-11-01,39,3000,50.0,33.0,9,10,0\nS2,2026-11-01,39,99,,,,,\n".encode()
    up = s.upload_maternal_csv(CHIYODA, "birth", data)
    assert up.registered == 1
    assert [(r.row, r.column, r.code) for r in up.refused] == [(2, "birth_weight_g", "invalid_item_value")]
    assert up.errors_csv.startswith("\ufeffrow,column,reason,subject_number")
    with pytest.raises(sesshu.ValidationError) as e:
        s.upload_maternal_csv(CHIYODA, "birth", b"subject_number,colour\nS1,red\n")
    assert e.value.code == "unknown_item"


def test_interface_files_and_the_residency_rule(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db)
    doc = {"interface": "H_071-010_IF", "version": 1, "municipality": "131016",
           "rows": [{"subject_number": "S9", "notified_on": "2026-06-01", "gestational_weeks": 8},
                    {"subject_number": "S10", "notified_on": "2026-06-31"}]}
    r = s.receive_maternal(CHIYODA, json.dumps(doc).encode())
    assert (r.data_set, r.received, r.registered) == ("pregnancy_notification", 2, 1)
    assert (r.refused[0].position, r.refused[0].item) == (2, "notified_on")
    assert json.loads(r.json)["registered"] == 1
    doc["version"] = 2
    with pytest.raises(sesshu.ValidationError) as e:
        s.receive_maternal(CHIYODA, json.dumps(doc).encode())
    assert e.value.code == "interface_file_refused"
    mine = s.maternal_data_of(CHIYODA, "S9")
    assert [(x.data_set, x.values["gestational_weeks"]) for x in mine] == [("pregnancy_notification", "8")]
    assert s.maternal_data_of(YOKOHAMA, "S9") == []
