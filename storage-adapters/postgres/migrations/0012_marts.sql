-- sesshu PostgreSQL schema, version 12: the marts (H-6, H_061). Each
-- counted record's cell (its contribution), the cells of the three marts,
-- and one row of the batch's state; indexes for reading what changed since
-- the last batch.
CREATE TABLE mart_contributions (
    record_id     text COLLATE "C" PRIMARY KEY,
    day           date NOT NULL,
    municipality  text COLLATE "C" NOT NULL,
    vaccine       text COLLATE "C" NOT NULL,
    dose          integer NOT NULL,
    age_band      text COLLATE "C" NOT NULL,
    questionnaire boolean NOT NULL
);

CREATE TABLE mart_cells (
    mart         text COLLATE "C" NOT NULL,
    day          date NOT NULL,
    municipality text COLLATE "C" NOT NULL,
    vaccine      text COLLATE "C" NOT NULL,
    dose         integer NOT NULL,
    age_band     text COLLATE "C" NOT NULL,
    count        bigint NOT NULL,
    vaccinated   bigint NOT NULL,
    PRIMARY KEY (mart, day, municipality, vaccine, dose, age_band)
);

CREATE TABLE mart_state (
    id      integer PRIMARY KEY CHECK (id = 1),
    body    text NOT NULL,
    version bigint NOT NULL
);

CREATE INDEX records_by_change ON records (seq);
CREATE INDEX persons_by_update ON persons (updated_at);
CREATE INDEX questionnaires_by_update ON questionnaires (updated_at);
