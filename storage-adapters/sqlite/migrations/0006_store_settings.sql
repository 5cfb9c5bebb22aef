-- sesshu SQLite schema, version 6: the store's own settings (whether it is a
-- development store, the first operator's bootstrap), each written once.
CREATE TABLE store_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
