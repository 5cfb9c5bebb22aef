-- sesshu PostgreSQL schema, version 9: medical institutions' bank-account
-- applications, their attachments and the active accounts (H-9), and the
-- federations' links of bank codes to their accounts (H-10). An
-- application's JSON `body` holds the account and the decision; the
-- columns beside it are what the queries and the constraint read.
CREATE TABLE bank_applications (
    id          text COLLATE "C" PRIMARY KEY,
    institution text COLLATE "C" NOT NULL,
    federation  text COLLATE "C" NOT NULL,
    usage       text NOT NULL,
    status      text NOT NULL,
    body        text NOT NULL,
    version     bigint NOT NULL
);

-- One pending application per institution and usage: the engine refuses a
-- second, whatever the writer read before writing (a concurrent insert
-- waits for the first to commit, then writes nothing).
CREATE UNIQUE INDEX bank_applications_one_pending
    ON bank_applications (institution, usage) WHERE status = 'pending';
CREATE INDEX bank_applications_by_institution ON bank_applications (institution, id);
CREATE INDEX bank_applications_by_federation ON bank_applications (federation, id);

CREATE TABLE bank_attachments (
    application text COLLATE "C" NOT NULL REFERENCES bank_applications (id),
    number      integer NOT NULL,
    name        text NOT NULL,
    media_type  text NOT NULL,
    size        bigint NOT NULL,
    sha256      text NOT NULL,
    bytes       bytea NOT NULL,
    PRIMARY KEY (application, number)
);

CREATE TABLE active_accounts (
    institution text COLLATE "C" NOT NULL,
    usage       text NOT NULL,
    bank        text COLLATE "C" NOT NULL,
    application text,
    since       timestamptz NOT NULL,
    body        text NOT NULL,
    PRIMARY KEY (institution, usage)
);

CREATE TABLE federation_links (
    federation text COLLATE "C" NOT NULL,
    bank       text COLLATE "C" NOT NULL,
    account    text NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    version    bigint NOT NULL,
    PRIMARY KEY (federation, bank)
);
