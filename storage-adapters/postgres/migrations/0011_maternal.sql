-- sesshu PostgreSQL schema, version 11: maternal and child health data (H-7),
-- every data set in one table (ADR 0023): the data set, the key (the
-- subject number and the set's key items joined by U+001F), the subject,
-- the registering municipality and the values as a JSON object.
CREATE TABLE maternal_rows (
    data_set     text COLLATE "C" NOT NULL,
    key          text COLLATE "C" NOT NULL,
    subject      text COLLATE "C" NOT NULL,
    municipality text COLLATE "C" NOT NULL,
    body         text NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (data_set, key)
);
CREATE INDEX maternal_rows_by_subject ON maternal_rows (subject);
CREATE INDEX maternal_rows_by_municipality ON maternal_rows (data_set, municipality, key);
