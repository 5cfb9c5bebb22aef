-- sesshu PostgreSQL schema, version 2: delivery by change sequence.
--
-- Every content change of a record takes the next number of one store-wide
-- sequence (`records.seq`, from the `counters` row, which commits hold
-- locked so numbers become visible in order). A municipality's system has
-- received every record it is responsible for up to its cursor
-- (`delivery_cursors`); a batch is the range (after_seq, through_seq] of
-- its records, and an acknowledgement writes one row.

CREATE TABLE counters (
    name  text COLLATE "C" PRIMARY KEY,
    value bigint NOT NULL
);

-- Existing records are numbered delivered first, then those of open
-- batches, then the rest, so that every cursor below is exact.
CREATE TEMP TABLE record_order ON COMMIT DROP AS
SELECT r.id,
       row_number() OVER (ORDER BY
         CASE WHEN r.delivered_at IS NOT NULL AND r.updated_at <= r.delivered_at THEN 0
              WHEN r.id IN (SELECT i.record_id FROM delivery_items i JOIN delivery_batches b ON b.id = i.batch_id
                            WHERE b.acked_at IS NULL) THEN 1
              ELSE 2 END,
         r.id) AS seq,
       (r.delivered_at IS NOT NULL AND r.updated_at <= r.delivered_at) AS delivered
FROM records r;

ALTER TABLE records ADD COLUMN seq bigint;
UPDATE records r SET seq = o.seq FROM record_order o WHERE o.id = r.id;
ALTER TABLE records ALTER COLUMN seq SET NOT NULL;

CREATE TABLE delivery_cursors (
    municipality      text COLLATE "C" PRIMARY KEY,
    delivered_through bigint NOT NULL
);
INSERT INTO delivery_cursors (municipality, delivered_through)
SELECT r.responsible, max(o.seq) FROM records r JOIN record_order o ON o.id = r.id
WHERE o.delivered GROUP BY r.responsible;

ALTER TABLE delivery_batches ADD COLUMN after_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE delivery_batches ADD COLUMN through_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE delivery_batches ADD COLUMN record_count bigint NOT NULL DEFAULT 0;
UPDATE delivery_batches b SET
  after_seq = coalesce((SELECT delivered_through FROM delivery_cursors c WHERE c.municipality = b.municipality), 0),
  through_seq = coalesce((SELECT max(o.seq) FROM delivery_items i JOIN record_order o ON o.id = i.record_id
                          WHERE i.batch_id = b.id), 0),
  record_count = (SELECT count(*) FROM delivery_items i WHERE i.batch_id = b.id);

INSERT INTO counters (name, value) SELECT 'record_seq', coalesce(max(seq), 0) FROM record_order;

DROP TABLE delivery_items;
DROP INDEX records_undelivered;
ALTER TABLE records DROP COLUMN delivered_at;
CREATE UNIQUE INDEX records_by_seq ON records (responsible, seq);
