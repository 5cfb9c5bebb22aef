"""The marts and the public dashboard (H-6) through Python."""

import datetime as dt

import duckdb
import pytest

import sesshu

NOW = dt.datetime(2025, 4, 1, 3, tzinfo=dt.timezone.utc)
CENTRAL = sesshu.Actor("operator", "central", "CENTRAL", ["central"])
MHLW = sesshu.Actor("analyst", "mhlw", "MHLW", ["mhlw"])
RULES = ("vaccine_type,dose,age_from_months,age_to_months,interval_days,valid_from,valid_to\n"
         "MR,1,12,24,,2006-04-01,\n").encode()


def town(s):
    persons, records = [], []
    for n in range(30):
        m = "131016" if n % 3 else "141003"
        birth = dt.date(2023, 1 + n % 12, 10)
        persons.append(sesshu.Person(f"P{n}", f"S{n}", "山田 花子", "ヤマダ ハナコ", birth, "female", None,
                                     [sesshu.ResidencyInterval(m, birth)]))
        if n % 2 == 0:
            records.append(sesshu.Record(f"R{n}", f"P{n}", m, "routine", "MR", 1, dt.date(2024, 12, 1 + n % 28)))
    s.put_persons("131016", "clerk", [p for p in persons if p.residency[0].municipality == "131016"])
    s.put_persons("141003", "clerk", [p for p in persons if p.residency[0].municipality == "141003"])
    s.put_records("131016", "clerk", [r for r in records if r.responsible == "131016"])
    s.put_records("141003", "clerk", [r for r in records if r.responsible == "141003"])
    s.import_master_csv(MHLW, "standard_recommendation_rules", RULES)
    return len(records)


def test_the_batch_counts_once_and_a_full_rebuild_agrees(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    doses = town(s)
    day = dt.date(2025, 4, 1)
    with pytest.raises(sesshu.SesshuError) as e:
        s.build_marts(MHLW, day)
    assert e.value.code == "not_authorized"
    r = s.build_marts(CENTRAL, day)
    assert (r.records, r.date, r.full, r.resumed) == (doses, day, False, False)
    assert r.targets > 0 and 0 < r.vaccinated <= r.targets
    again = s.build_marts(CENTRAL, day)
    assert (again.records, again.cells_changed) == (0, 0)
    cells = {m: s.mart_cells(MHLW, m) for m in ("vaccinations", "questionnaires", "recommendations")}
    assert sum(c.count for c in cells["vaccinations"]) == doses
    assert {c.age_band for c in cells["vaccinations"]} <= {"0", "1", "2-6"}
    assert s.build_marts(CENTRAL, day, full=True).full
    rebuilt = {m: s.mart_cells(MHLW, m) for m in cells}
    key = lambda c: (c.mart, c.date, c.municipality, c.vaccine, c.dose, c.age_band, c.count, c.vaccinated)
    assert {m: [key(c) for c in v] for m, v in rebuilt.items()} == {m: [key(c) for c in v] for m, v in cells.items()}
    with pytest.raises(sesshu.SesshuError) as e:
        s.mart_cells(MHLW, "doses")
    assert e.value.code == "unknown_mart"
    export = {f.path: f.content for f in s.export_marts(MHLW)}
    assert export["vaccinations.csv"].startswith("date,prefecture,municipality,vaccine,dose,age_band,count,vaccinated\n")


def test_the_parquet_export_holds_the_csv_rows_as_duckdb_reads_them(tmp_db, tmp_path):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    town(s)
    s.build_marts(CENTRAL, dt.date(2025, 4, 1))
    csv = {f.path: f.content for f in s.export_marts(MHLW)}
    files = s.export_marts_parquet(MHLW)
    assert [f.path for f in files] == ["vaccinations.parquet", "questionnaires.parquet", "recommendations.parquet"]
    for f in files:
        assert f.data[:4] == b"PAR1" and f.data[-4:] == b"PAR1"
        path = tmp_path / f.path
        path.write_bytes(f.data)
        rel = duckdb.sql(f"SELECT * FROM read_parquet('{path}')")
        assert rel.columns == ["date", "prefecture", "municipality", "vaccine", "dose", "age_band", "count", "vaccinated"]
        assert [str(t) for t in rel.types] == ["DATE", "VARCHAR", "VARCHAR", "VARCHAR", "INTEGER", "VARCHAR", "BIGINT", "BIGINT"]
        rows = [",".join(str(v) for v in row) for row in rel.fetchall()]
        assert rows == csv[f.path.replace(".parquet", ".csv")].splitlines()[1:]
    with pytest.raises(sesshu.SesshuError) as e:
        s.export_marts_parquet(sesshu.Actor("131016-0009", "municipality", "131016", ["municipality"]))
    assert e.value.code == "not_authorized"


def test_the_dashboard_publishes_suppressed_figures_only(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    town(s)
    s.build_marts(CENTRAL, dt.date(2025, 4, 1))
    files = {f.path: f.content for f in s.publish(MHLW, dt.date(2025, 4, 1), threshold=10)}
    assert {"index.html", "data/coverage.csv", "data/vaccinations-by-area-age.ndjson"} <= set(files)
    assert '<html lang="ja">' in files["index.html"]
    for path, text in files.items():
        if path.endswith(".csv"):
            assert not any(line.rsplit(",", 1)[1] in {str(n) for n in range(1, 10)}
                           for line in text.splitlines()[1:]), path


def test_suppression_as_a_function():
    out = sesshu.protect_counts("area,vaccine,count\n131016,MR,3\n131016,HPV,20\n131041,MR,40\n131041,HPV,50\n", 10)
    assert out.startswith("area,vaccine,count\n")
    assert "131016,MR,X\n" in out and "total,total,113\n" in out
    with pytest.raises(sesshu.SesshuError) as e:
        sesshu.protect_counts("area,vaccine,count\n131016,MR,three\n", 10)
    assert e.value.code == "invalid_counts_file" and "row 2, column count" in str(e.value)
