"""Per-call cost of one rule call from Python (compare with the same calls
in Rust: `cargo bench -p sesshu-benches --bench record_access -- single`).

Run after installing the wheel: python benches/python/overhead.py
"""

import datetime as dt
import timeit

import sesshu

history = sesshu.ResidencyHistory([sesshu.ResidencyInterval("131016", dt.date(2010, 1, 1))])
access = sesshu.RecordAccess(history, "131016", dt.date(2025, 4, 1))
facts = sesshu.RecordFacts("131016", "routine", False)

for name, stmt in [
    ("parse_municipality_code", lambda: sesshu.parse_municipality_code("131016")),
    ("record_access_evaluate", lambda: access.evaluate(facts)),
]:
    n = 200_000
    best = min(timeit.repeat(stmt, number=n, repeat=5))
    print(f"python {name}: {best / n * 1e9:.0f} ns per call")
