"""sesshu from Python: install, open a store, one rule, one query, errors.

Run: python examples/python/quickstart.py  (after `pip install sesshu-*.whl`)
"""

import datetime as dt
import tempfile

import sesshu

# One rule: which certificate form (SPEC §6).
form = sesshu.select_form("temporary", 3, sesshu.TravelDetails("ｔｋ１２３４５６７", "jpn", "yamada hanako"))
print("form", form.form, form.travel.passport_number, form.travel.name_roman)

# Errors: a typed exception with a stable code.
try:
    sesshu.parse_municipality_code("131017")
except sesshu.ValidationError as e:
    print("refused:", e.code)

# A store: persons, records, what a municipality may see.
with tempfile.TemporaryDirectory() as d:
    s = sesshu.Sesshu.open_sqlite(f"{d}/town.db")
    person = sesshu.Person(
        "P1", "S1", "山田 花子", "ヤマダ ハナコ", dt.date(1990, 5, 1), "female", "pmh-1",
        [sesshu.ResidencyInterval("011002", dt.date(1990, 5, 1), dt.date(2020, 4, 1)),
         sesshu.ResidencyInterval("131016", dt.date(2020, 4, 1))],
    )
    s.put_persons("131016", "clerk", [person])
    s.put_records("011002", "clerk", [sesshu.Record("R1", "P1", "011002", "routine", "MR", 1, dt.date(2010, 6, 1))])
    for row in s.person_records("131016", "clerk", "P1"):
        print(row.record.id, "visible to Chiyoda; certifiable:", row.certifiable)
    print("access log intact:", s.verify_log("131016", "auditor").first_break is None)
