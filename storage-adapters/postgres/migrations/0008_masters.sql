-- sesshu PostgreSQL schema, version 8: master rows (マスタ), every declared
-- master in one table (ADR 0020): a row's kind, its key (the key columns'
-- texts joined by U+001F), its validity period and its values as a JSON
-- object. Each write takes the next number of the masters' change
-- sequence (`counters` 'master_seq', held locked by the commit, so numbers
-- become visible in order), which the daily differences read.
CREATE TABLE master_rows (
    kind       text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL,
    valid_from date NOT NULL,
    valid_to   date,
    owner      text,
    body       text NOT NULL,
    seq        bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, key, valid_from)
);

CREATE UNIQUE INDEX master_rows_by_seq ON master_rows (seq);

INSERT INTO counters (name, value) VALUES ('master_seq', 0);
