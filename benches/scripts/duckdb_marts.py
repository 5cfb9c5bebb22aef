"""The vaccinations mart's GROUP BY in DuckDB, over the same rows as the
marts bench (docs/benchmarks.md): the figure a BI user would compare with.

    python benches/scripts/duckdb_marts.py path/to/data-set.db

The records and their persons' birth dates are read from the SQLite data set
into a CSV file, loaded into DuckDB, and grouped as the mart groups them
(date, municipality, vaccine, dose, age band under Japanese law); each step
is timed, the GROUP BY five times (the median is printed).
"""

import csv
import os
import sqlite3
import statistics
import sys
import tempfile
import time

import duckdb

BANDS = """CASE WHEN age <= 0 THEN '0' WHEN age = 1 THEN '1' WHEN age <= 6 THEN '2-6'
           WHEN age <= 12 THEN '7-12' WHEN age <= 18 THEN '13-18'
           WHEN age <= 64 THEN '19-64' ELSE '65+' END"""


def main(path):
    work = tempfile.mkdtemp()
    rows_csv = os.path.join(work, "rows.csv")
    t = time.perf_counter()
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with open(rows_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["day", "municipality", "vaccine", "dose", "erroneous", "birth"])
        n = 0
        for row in src.execute("""SELECT r.vaccination_date, r.responsible, r.vaccine, r.dose_number,
                                         r.erroneous, p.birth_date
                                  FROM records r JOIN persons p ON p.management_id = r.management_id"""):
            w.writerow(row)
            n += 1
    exported = time.perf_counter() - t
    db = duckdb.connect()
    t = time.perf_counter()
    db.execute(f"CREATE TABLE rows AS SELECT * FROM read_csv('{rows_csv}', header = true, "
               "columns = {'day': 'DATE', 'municipality': 'VARCHAR', 'vaccine': 'VARCHAR', "
               "'dose': 'INTEGER', 'erroneous': 'INTEGER', 'birth': 'DATE'})")
    loaded = time.perf_counter() - t
    query = f"""CREATE OR REPLACE TABLE mart AS
                SELECT day, municipality, vaccine, dose, {BANDS} AS age_band, count(*) AS doses
                FROM (SELECT day, municipality, vaccine, dose,
                             date_part('year', day) - date_part('year', birth)
                             - CASE WHEN strftime(day, '%m-%d') < strftime(birth, '%m-%d') THEN 1 ELSE 0 END AS age
                      FROM rows WHERE erroneous = 0)
                GROUP BY ALL"""
    times = []
    for _ in range(5):
        t = time.perf_counter()
        db.execute(query)
        times.append(time.perf_counter() - t)
    cells = db.execute("SELECT count(*), sum(doses) FROM mart").fetchone()
    print(f"{n} rows: read from SQLite into CSV {exported:.1f} s, loaded into DuckDB {loaded:.1f} s; "
          f"GROUP BY median {statistics.median(times):.2f} s (of {', '.join(f'{x:.2f}' for x in times)}); "
          f"{cells[0]} cells, {cells[1]} doses (DuckDB {duckdb.__version__}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main(sys.argv[1])
