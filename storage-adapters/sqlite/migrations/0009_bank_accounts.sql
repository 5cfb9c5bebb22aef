-- sesshu SQLite schema, version 9: medical institutions' bank-account
-- applications, their attachments and the active accounts (H-9), and the
-- federations' links of bank codes to their accounts (H-10). An
-- application's JSON `body` holds the account and the decision; the
-- columns beside it are what the queries and the constraint read.
CREATE TABLE bank_applications (
    id          TEXT PRIMARY KEY,
    institution TEXT NOT NULL,
    federation  TEXT NOT NULL,
    usage       TEXT NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL
) WITHOUT ROWID;

-- One pending application per institution and usage: the engine refuses a
-- second, whatever the writer read before writing.
CREATE UNIQUE INDEX bank_applications_one_pending
    ON bank_applications (institution, usage) WHERE status = 'pending';
CREATE INDEX bank_applications_by_institution ON bank_applications (institution, id);
CREATE INDEX bank_applications_by_federation ON bank_applications (federation, id);

CREATE TABLE bank_attachments (
    application TEXT NOT NULL REFERENCES bank_applications (id),
    number      INTEGER NOT NULL,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    PRIMARY KEY (application, number)
) WITHOUT ROWID;

CREATE TABLE active_accounts (
    institution TEXT NOT NULL,
    usage       TEXT NOT NULL,
    bank        TEXT NOT NULL,
    application TEXT,
    since       TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (institution, usage)
) WITHOUT ROWID;

CREATE TABLE federation_links (
    federation TEXT NOT NULL,
    bank       TEXT NOT NULL,
    account    TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (federation, bank)
) WITHOUT ROWID;
