-- sesshu SQLite schema, version 12: the marts (H-6, H_061). Each counted
-- record's cell (its contribution), the cells of the three marts, and one
-- row of the batch's state; indexes for reading what changed since the
-- last batch.
CREATE TABLE mart_contributions (
    record_id     TEXT PRIMARY KEY,
    day           TEXT NOT NULL,
    municipality  TEXT NOT NULL,
    vaccine       TEXT NOT NULL,
    dose          INTEGER NOT NULL,
    age_band      TEXT NOT NULL,
    questionnaire INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE mart_cells (
    mart         TEXT NOT NULL,
    day          TEXT NOT NULL,
    municipality TEXT NOT NULL,
    vaccine      TEXT NOT NULL,
    dose         INTEGER NOT NULL,
    age_band     TEXT NOT NULL,
    count        INTEGER NOT NULL,
    vaccinated   INTEGER NOT NULL,
    PRIMARY KEY (mart, day, municipality, vaccine, dose, age_band)
) WITHOUT ROWID;

CREATE TABLE mart_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    body    TEXT NOT NULL,
    version INTEGER NOT NULL
);

CREATE INDEX records_by_change ON records (seq);
CREATE INDEX persons_by_update ON persons (updated_at);
CREATE INDEX questionnaires_by_update ON questionnaires (updated_at);
