-- sesshu SQLite schema, version 2: delivery by change sequence.
--
-- Every content change of a record takes the next number of one store-wide
-- sequence (`records.seq`). A municipality's system has received every
-- record it is responsible for up to its cursor (`delivery_cursors`); a
-- batch is the range (after_seq, through_seq] of its records. Records are
-- clustered by (responsible, seq), so a delivery reads one contiguous range
-- and an acknowledgement writes one row.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- Existing records are numbered delivered first, then those of open
-- batches, then the rest, so that every cursor below is exact.
CREATE TEMP TABLE record_order AS
SELECT r.id,
       row_number() OVER (ORDER BY
         CASE WHEN r.delivered_at IS NOT NULL AND r.updated_at <= r.delivered_at THEN 0
              WHEN r.id IN (SELECT i.record_id FROM delivery_items i JOIN delivery_batches b ON b.id = i.batch_id
                            WHERE b.acked_at IS NULL) THEN 1
              ELSE 2 END,
         r.id) AS seq,
       (r.delivered_at IS NOT NULL AND r.updated_at <= r.delivered_at) AS delivered
FROM records r;

CREATE TABLE records_v2 (
    responsible      TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    id               TEXT NOT NULL,
    management_id    TEXT NOT NULL,
    category         TEXT NOT NULL,
    vaccine          TEXT NOT NULL,
    dose_number      INTEGER NOT NULL,
    vaccination_date TEXT NOT NULL,
    lot              TEXT,
    institution      TEXT,
    erroneous        INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (responsible, seq)
) WITHOUT ROWID;

INSERT INTO records_v2 (responsible, seq, id, management_id, category, vaccine, dose_number,
                        vaccination_date, lot, institution, erroneous, version, updated_at)
SELECT r.responsible, o.seq, r.id, r.management_id, r.category, r.vaccine, r.dose_number,
       r.vaccination_date, r.lot, r.institution, r.erroneous, r.version, r.updated_at
FROM records r JOIN record_order o ON o.id = r.id;

CREATE TABLE delivery_cursors (
    municipality      TEXT PRIMARY KEY,
    delivered_through INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO delivery_cursors (municipality, delivered_through)
SELECT r.responsible, max(o.seq) FROM records r JOIN record_order o ON o.id = r.id
WHERE o.delivered GROUP BY r.responsible;

ALTER TABLE delivery_batches ADD COLUMN after_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE delivery_batches ADD COLUMN through_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE delivery_batches ADD COLUMN record_count INTEGER NOT NULL DEFAULT 0;
UPDATE delivery_batches SET
  after_seq = coalesce((SELECT delivered_through FROM delivery_cursors c
                        WHERE c.municipality = delivery_batches.municipality), 0),
  through_seq = coalesce((SELECT max(o.seq) FROM delivery_items i JOIN record_order o ON o.id = i.record_id
                          WHERE i.batch_id = delivery_batches.id), 0),
  record_count = (SELECT count(*) FROM delivery_items i WHERE i.batch_id = delivery_batches.id);

INSERT INTO counters (name, value) SELECT 'record_seq', coalesce(max(seq), 0) FROM record_order;

DROP TABLE delivery_items;
DROP TABLE records;
DROP TABLE record_order;
ALTER TABLE records_v2 RENAME TO records;
CREATE UNIQUE INDEX records_by_id ON records (id);
CREATE INDEX records_by_person ON records (management_id, id);
