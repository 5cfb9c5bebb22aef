-- sesshu PostgreSQL schema, version 5: the access log's subject index leads
-- with the entry's block of 4,096 sequence numbers (seq >> 12).
--
-- Keyed by subject alone, every entry landed on a random leaf of the index:
-- a delivery batch's entry per person dirtied a page per person. Within a
-- block, one commit's entries sit together at the end of the index. A
-- search by subject probes each block (read.rs, `LOG_BLOCK_SHIFT`).
DROP INDEX access_log_by_subject;
CREATE INDEX access_log_by_block_subject ON access_log ((seq >> 12), subject, seq);
