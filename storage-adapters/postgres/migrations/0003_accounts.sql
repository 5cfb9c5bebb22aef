-- sesshu PostgreSQL schema, version 3: organisations, users, access tokens
-- and the notification outbox (SPEC §1, §14). Each row's JSON `body` is the
-- document the core reads; the columns beside it are indexed copies.

CREATE TABLE organisations (
    code     text COLLATE "C" PRIMARY KEY,
    org_type text NOT NULL,
    body     text NOT NULL,
    version  bigint NOT NULL
);

CREATE TABLE users (
    id            text COLLATE "C" PRIMARY KEY,
    organisation  text COLLATE "C" NOT NULL,
    email         text COLLATE "C" NOT NULL,
    state         text NOT NULL,
    last_activity timestamptz NOT NULL,
    body          text NOT NULL,
    version       bigint NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX users_by_email ON users (email, id);
CREATE INDEX users_by_organisation ON users (organisation, id);
CREATE INDEX users_by_activity ON users (state, last_activity, id);

CREATE TABLE access_tokens (
    id           text COLLATE "C" PRIMARY KEY,
    organisation text COLLATE "C" NOT NULL,
    body         text NOT NULL,
    version      bigint NOT NULL
);
CREATE INDEX access_tokens_by_organisation ON access_tokens (organisation, id);

CREATE TABLE outbox (
    seq          bigserial PRIMARY KEY,
    dedupe_key   text COLLATE "C" UNIQUE,
    kind         text NOT NULL,
    recipient    text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL;
