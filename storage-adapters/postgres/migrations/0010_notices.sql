-- sesshu PostgreSQL schema, version 10: notices (お知らせ, H-11). The JSON
-- `body` holds the content and the targets; the columns beside it are what
-- the dispatch (due notices) and the board (display period) read.
CREATE TABLE notices (
    id            text COLLATE "C" PRIMARY KEY,
    status        text NOT NULL,
    send_at       timestamptz NOT NULL,
    display_from  date NOT NULL,
    display_until date NOT NULL,
    body          text NOT NULL,
    version       bigint NOT NULL
);
CREATE INDEX notices_due ON notices (send_at, id) WHERE status = 'scheduled';
CREATE INDEX notices_on_board ON notices (display_until, id) WHERE status = 'sent';
