-- sesshu SQLite schema, version 8: master rows (マスタ), every declared
-- master in one table (ADR 0020): a row's kind, its key (the key columns'
-- texts joined by U+001F), its validity period and its values as a JSON
-- object. Each write takes the next number of the masters' change
-- sequence (`counters` 'master_seq'), which the daily differences read.
CREATE TABLE master_rows (
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT,
    owner      TEXT,
    body       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key, valid_from)
) WITHOUT ROWID;

CREATE UNIQUE INDEX master_rows_by_seq ON master_rows (seq);

INSERT INTO counters (name, value) VALUES ('master_seq', 0);
