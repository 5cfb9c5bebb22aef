-- sesshu PostgreSQL schema, version 7: the zengin code-check master
-- (全銀協コードチェックマスタ), replaced whole each month. Each load is a
-- generation; one is in use ('current'), the one it replaced is kept
-- ('backup') for a rollback, older generations' rows are dropped.
CREATE TABLE zengin_loads (
    generation bigint PRIMARY KEY,
    role       text UNIQUE CHECK (role IN ('current', 'backup')),
    sha256     text NOT NULL,
    source     text NOT NULL,
    loaded_at  timestamptz NOT NULL,
    banks      bigint NOT NULL,
    branches   bigint NOT NULL
);

CREATE TABLE zengin_banks (
    generation bigint NOT NULL,
    bank       text NOT NULL,
    name       text NOT NULL,
    kana       text NOT NULL,
    PRIMARY KEY (generation, bank)
);

CREATE TABLE zengin_branches (
    generation bigint NOT NULL,
    bank       text NOT NULL,
    branch     text NOT NULL,
    name       text NOT NULL,
    kana       text NOT NULL,
    PRIMARY KEY (generation, bank, branch)
);
