-- sesshu SQLite schema, version 7: the zengin code-check master
-- (全銀協コードチェックマスタ), replaced whole each month. Each load is a
-- generation; one is in use ('current'), the one it replaced is kept
-- ('backup') for a rollback, older generations' rows are dropped.
CREATE TABLE zengin_loads (
    generation INTEGER PRIMARY KEY,
    role       TEXT UNIQUE CHECK (role IN ('current', 'backup')),
    sha256     TEXT NOT NULL,
    source     TEXT NOT NULL,
    loaded_at  TEXT NOT NULL,
    banks      INTEGER NOT NULL,
    branches   INTEGER NOT NULL
);

CREATE TABLE zengin_banks (
    generation INTEGER NOT NULL,
    bank       TEXT NOT NULL,
    name       TEXT NOT NULL,
    kana       TEXT NOT NULL,
    PRIMARY KEY (generation, bank)
) WITHOUT ROWID;

CREATE TABLE zengin_branches (
    generation INTEGER NOT NULL,
    bank       TEXT NOT NULL,
    branch     TEXT NOT NULL,
    name       TEXT NOT NULL,
    kana       TEXT NOT NULL,
    PRIMARY KEY (generation, bank, branch)
) WITHOUT ROWID;
