-- sesshu SQLite schema, version 1.
-- Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (fixed width, so
-- text order is time order); dates are 'YYYY-MM-DD'.

CREATE TABLE persons (
    management_id  TEXT PRIMARY KEY,
    subject_number TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    name_kana      TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    sex            TEXT NOT NULL,
    pmh_key        TEXT UNIQUE,
    version        INTEGER NOT NULL,
    updated_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX persons_by_kana ON persons (name_kana, management_id);
CREATE INDEX persons_by_birth_date ON persons (birth_date, management_id);

CREATE TABLE residency (
    management_id TEXT NOT NULL REFERENCES persons (management_id) ON DELETE CASCADE,
    from_date     TEXT NOT NULL,
    to_date       TEXT,
    municipality  TEXT NOT NULL,
    PRIMARY KEY (management_id, from_date)
) WITHOUT ROWID;
CREATE INDEX residency_by_municipality ON residency (municipality, management_id);

CREATE TABLE records (
    id               TEXT PRIMARY KEY,
    management_id    TEXT NOT NULL,
    responsible      TEXT NOT NULL,
    category         TEXT NOT NULL,
    vaccine          TEXT NOT NULL,
    dose_number      INTEGER NOT NULL,
    vaccination_date TEXT NOT NULL,
    lot              TEXT,
    institution      TEXT,
    erroneous        INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    delivered_at     TEXT
) WITHOUT ROWID;
CREATE INDEX records_by_person ON records (management_id, id);
CREATE INDEX records_undelivered ON records (responsible, id)
    WHERE delivered_at IS NULL OR updated_at > delivered_at;

CREATE TABLE questionnaires (
    record_id   TEXT PRIMARY KEY,
    subject     TEXT NOT NULL,
    institution TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE delivery_batches (
    id           TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    acked_at     TEXT,
    version      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX delivery_batches_open ON delivery_batches (municipality) WHERE acked_at IS NULL;
CREATE INDEX delivery_batches_by_municipality ON delivery_batches (municipality);

CREATE TABLE delivery_items (
    batch_id   TEXT NOT NULL REFERENCES delivery_batches (id),
    record_id  TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, record_id)
) WITHOUT ROWID;

CREATE TABLE access_log (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    organisation TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT,
    record_ids   TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX access_log_by_subject ON access_log (subject, seq);
CREATE INDEX access_log_by_actor ON access_log (actor, seq);
CREATE INDEX access_log_by_time ON access_log (at, seq);

-- The chain's head, kept apart from the entries so that an entry deleted
-- from the end of the log is noticed.
CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
