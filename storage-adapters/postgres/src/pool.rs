//! The connection pool: clients that keep their prepared statements, so a
//! read is one round trip (bind + execute), not two (prepare, then execute).

use std::collections::HashMap;

use postgres::{Client, Row, Statement};
use postgres_native_tls::MakeTlsConnector;
use sesshu_core::store::StoreError;

use crate::backend;

/// A client and the statements it has prepared, by SQL text.
pub struct CachedClient {
    /// The connection.
    pub client: Client,
    statements: HashMap<String, Statement>,
    /// The access log's head `(seq, hash)` as this connection last wrote or
    /// read it; possibly stale (another connection may have appended since),
    /// so it is only ever used in a compare-and-set.
    pub log_head: Option<(i64, sesshu_core::access_log::Digest32)>,
}

impl CachedClient {
    /// The statement for `sql`, prepared once per connection.
    pub fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(backend)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Runs a cached statement.
    pub fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let stmt = self.statement(sql)?;
        self.client.query(&stmt, params).map_err(backend)
    }

    /// Runs a cached statement expecting at most one row.
    pub fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let stmt = self.statement(sql)?;
        self.client.query_opt(&stmt, params).map_err(backend)
    }

    /// Runs a cached statement expecting exactly one row.
    pub fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Row, StoreError> {
        let stmt = self.statement(sql)?;
        self.client.query_one(&stmt, params).map_err(backend)
    }
}

/// Opens [`CachedClient`]s for r2d2.
pub struct Manager {
    config: postgres::Config,
    tls: MakeTlsConnector,
}

impl Manager {
    /// A manager connecting with `config`, over TLS as `config`'s mode says.
    pub fn new(config: postgres::Config, tls: MakeTlsConnector) -> Self {
        Manager { config, tls }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = CachedClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<CachedClient, postgres::Error> {
        let mut client = self.config.connect(self.tls.clone())?;
        // The store's statements are short; the JIT compiler, which starts
        // for statements the planner thinks costly (a bulk import's
        // 10,000-id lookups), spends more compiling than it saves: imports
        // ran 1.3–1.4× faster without it (docs/benchmarks.md).
        client.batch_execute("SET jit = off")?;
        Ok(CachedClient {
            client,
            statements: HashMap::new(),
            log_head: None,
        })
    }

    fn is_valid(&self, conn: &mut CachedClient) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut CachedClient) -> bool {
        conn.client.is_closed()
    }
}
