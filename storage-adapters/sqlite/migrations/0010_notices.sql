-- sesshu SQLite schema, version 10: notices (お知らせ, H-11). The JSON
-- `body` holds the content and the targets; the columns beside it are what
-- the dispatch (due notices) and the board (display period) read.
CREATE TABLE notices (
    id            TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    send_at       TEXT NOT NULL,
    display_from  TEXT NOT NULL,
    display_until TEXT NOT NULL,
    body          TEXT NOT NULL,
    version       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX notices_due ON notices (send_at, id) WHERE status = 'scheduled';
CREATE INDEX notices_on_board ON notices (display_until, id) WHERE status = 'sent';
