-- sesshu SQLite schema, version 11: maternal and child health data (H-7),
-- every data set in one table (ADR 0023): the data set, the key (the
-- subject number and the set's key items joined by U+001F), the subject,
-- the registering municipality and the values as a JSON object.
CREATE TABLE maternal_rows (
    data_set     TEXT NOT NULL,
    key          TEXT NOT NULL,
    subject      TEXT NOT NULL,
    municipality TEXT NOT NULL,
    body         TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (data_set, key)
) WITHOUT ROWID;
CREATE INDEX maternal_rows_by_subject ON maternal_rows (subject);
CREATE INDEX maternal_rows_by_municipality ON maternal_rows (data_set, municipality, key);
