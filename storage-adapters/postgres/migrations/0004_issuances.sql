-- sesshu PostgreSQL schema, version 4: the certificate issuance register (H-5-4).
CREATE TABLE issuances (
    certificate_number text COLLATE "C" PRIMARY KEY,
    municipality       text COLLATE "C" NOT NULL,
    year               integer NOT NULL,
    person             text COLLATE "C" NOT NULL,
    body               text NOT NULL
);
CREATE INDEX issuances_by_municipality ON issuances (municipality, year, certificate_number);
CREATE INDEX issuances_by_person ON issuances (municipality, person, certificate_number);
