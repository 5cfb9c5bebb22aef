-- sesshu PostgreSQL schema, version 1.
-- Keys use the "C" collation so that key order is byte order on every
-- cluster (keyset paging gives the same pages as the other engines).

CREATE TABLE persons (
    management_id  text COLLATE "C" PRIMARY KEY,
    subject_number text COLLATE "C" NOT NULL UNIQUE,
    name           text NOT NULL,
    name_kana      text COLLATE "C" NOT NULL,
    birth_date     date NOT NULL,
    sex            text NOT NULL,
    pmh_key        text COLLATE "C" UNIQUE,
    version        bigint NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX persons_by_kana ON persons (name_kana, management_id);
CREATE INDEX persons_by_birth_date ON persons (birth_date, management_id);

CREATE TABLE residency (
    management_id text COLLATE "C" NOT NULL REFERENCES persons (management_id) ON DELETE CASCADE,
    from_date     date NOT NULL,
    to_date       date,
    municipality  text COLLATE "C" NOT NULL,
    PRIMARY KEY (management_id, from_date)
);
CREATE INDEX residency_by_municipality ON residency (municipality, management_id);

CREATE TABLE records (
    id               text COLLATE "C" PRIMARY KEY,
    management_id    text COLLATE "C" NOT NULL,
    responsible      text COLLATE "C" NOT NULL,
    category         text NOT NULL,
    vaccine          text COLLATE "C" NOT NULL,
    dose_number      bigint NOT NULL,
    vaccination_date date NOT NULL,
    lot              text,
    institution      text,
    erroneous        boolean NOT NULL,
    version          bigint NOT NULL,
    updated_at       timestamptz NOT NULL,
    delivered_at     timestamptz
);
CREATE INDEX records_by_person ON records (management_id, id);
CREATE INDEX records_undelivered ON records (responsible, id)
    WHERE delivered_at IS NULL OR updated_at > delivered_at;

CREATE TABLE questionnaires (
    record_id   text COLLATE "C" PRIMARY KEY,
    subject     text NOT NULL,
    institution text NOT NULL,
    version     bigint NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE delivery_batches (
    id           text COLLATE "C" PRIMARY KEY,
    municipality text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    acked_at     timestamptz,
    version      bigint NOT NULL
);
CREATE INDEX delivery_batches_open ON delivery_batches (municipality) WHERE acked_at IS NULL;
CREATE INDEX delivery_batches_by_municipality ON delivery_batches (municipality);

CREATE TABLE delivery_items (
    batch_id   text COLLATE "C" NOT NULL REFERENCES delivery_batches (id),
    record_id  text COLLATE "C" NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (batch_id, record_id)
);

CREATE TABLE access_log (
    seq          bigint PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text COLLATE "C" NOT NULL,
    organisation text NOT NULL,
    action       text NOT NULL,
    subject      text COLLATE "C",
    record_ids   text NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
CREATE INDEX access_log_by_subject ON access_log (subject, seq);
CREATE INDEX access_log_by_actor ON access_log (actor, seq);
CREATE INDEX access_log_by_time ON access_log (at, seq);

-- The chain's head: one row, locked by every commit that appends, so
-- appends are serialised; kept apart from the entries so that an entry
-- deleted from the end is noticed. seq 0 = empty log.
CREATE TABLE log_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO log_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
