-- sesshu SQLite schema, version 3: organisations, users, access tokens and
-- the notification outbox (SPEC §1, §14). Each row's JSON `body` is the
-- document the core reads; the columns beside it are indexed copies.

CREATE TABLE organisations (
    code     TEXT PRIMARY KEY,
    org_type TEXT NOT NULL,
    body     TEXT NOT NULL,
    version  INTEGER NOT NULL
) WITHOUT ROWID;

-- Users are clustered by last activity: the inactivity batches read and
-- suspend one contiguous range instead of pages all over the file, and a
-- suspension rewrites its row in place (the key does not change).
CREATE TABLE users (
    last_activity TEXT NOT NULL,
    id            TEXT NOT NULL,
    state         TEXT NOT NULL,
    organisation  TEXT NOT NULL,
    email         TEXT NOT NULL,
    body          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (last_activity, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX users_by_id ON users (id);
CREATE INDEX users_by_email ON users (email, id);
CREATE INDEX users_by_organisation ON users (organisation, id);

CREATE TABLE access_tokens (
    id           TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    body         TEXT NOT NULL,
    version      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX access_tokens_by_organisation ON access_tokens (organisation, id);

CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY,
    dedupe_key   TEXT UNIQUE,
    kind         TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL;
