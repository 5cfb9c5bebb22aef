-- sesshu SQLite schema, version 4: the certificate issuance register (H-5-4).
CREATE TABLE issuances (
    certificate_number TEXT PRIMARY KEY,
    municipality       TEXT NOT NULL,
    year               INTEGER NOT NULL,
    person             TEXT NOT NULL,
    body               TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX issuances_by_municipality ON issuances (municipality, year, certificate_number);
CREATE INDEX issuances_by_person ON issuances (municipality, person, certificate_number);
