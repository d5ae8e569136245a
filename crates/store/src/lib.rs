//! The operator side's memory (DESIGN.md, "Store"): an embedded SQLite file by default,
//! PostgreSQL when several replicas share the work. One set of queries runs on both through
//! sqlx's Any driver; each engine has its own versioned migrations (`migrations/<engine>/`),
//! embedded in the binary and applied when the store opens.
//!
//! Durability: every write is one transaction, committed before the function returns `Ok`,
//! so a caller that answers "ok" after it has not lost what it acknowledged. SQLite runs with
//! `synchronous = FULL` (the commit reaches the disk before it returns).
//!
//! Judgement stays in the core: the store keeps rows and hands them back; what they add up to
//! per day ([`mtasts_core::daily`]) is computed by the same function the browser uses.

mod batch;
pub mod reports;

use std::fmt;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};

pub use reports::{Inserted, NewReport, ReportListItem, StoredReport};

/// Which database the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// What went wrong, in words an operator can act on.
#[derive(Debug)]
pub enum Error {
    /// The `--database` URL is not one the store understands.
    Url(String),
    /// The database could not be reached or answered with an error (retry later).
    Unavailable(sqlx::Error),
    /// A migration failed: the database is not in a state this version can use.
    Migrate(sqlx::migrate::MigrateError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Url(u) => write!(f, "{u}"),
            Error::Unavailable(e) => write!(f, "the database is unavailable: {e}"),
            Error::Migrate(e) => write!(f, "the database could not be migrated: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Unavailable(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// An open store with its migrations applied.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// SQLite's group-commit writer ([`batch`]); `None` on PostgreSQL and in the writer itself.
    writer: Option<tokio::sync::mpsc::Sender<batch::Job>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine)
            .finish()
    }
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Opens `url` (`sqlite://PATH`, created on first use, or `postgres://…`) and applies the
    /// migrations this version has and the database lacks.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (engine, url) = if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(Error::Url(
                    "sqlite:// needs a file path, e.g. sqlite://mtasts.db".into(),
                ));
            }
            // Created on first start; an existing file is opened as it is.
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = if path.contains("mode=") {
                url.to_string()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Engine::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Engine::Postgres, url.to_string())
        } else {
            return Err(Error::Url(format!(
                "--database {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        };
        let pool = AnyPoolOptions::new()
            // SQLite writes one at a time anyway; a few connections serve the reads.
            .max_connections(if engine == Engine::Sqlite { 4 } else { 10 })
            .acquire_timeout(std::time::Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if engine == Engine::Sqlite {
            // Readers do not wait for the writer; persistent in the file.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        let migrator = match engine {
            Engine::Sqlite => &SQLITE,
            Engine::Postgres => &POSTGRES,
        };
        // Two processes opening a new SQLite file at once both find a migration missing; the
        // second fails on what the first created. Asked again, it finds it applied. (PostgreSQL
        // takes an advisory lock instead.)
        let mut attempt = 0;
        loop {
            match migrator.run(&pool).await {
                Ok(()) => break,
                Err(_) if engine == Engine::Sqlite && attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(Error::Migrate(e)),
            }
        }
        let store = Store {
            pool,
            engine,
            writer: None,
        };
        if engine == Engine::Sqlite {
            let (tx, rx) = tokio::sync::mpsc::channel(4 * batch::MAX);
            tokio::spawn(batch::run(store.clone(), rx));
            return Ok(Store {
                writer: Some(tx),
                ..store
            });
        }
        Ok(store)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Whether the database answers (for readiness checks and 503s).
    pub async fn ping(&self) -> Result<()> {
        let _: Option<AnyRow> = sqlx::query("SELECT 1").fetch_optional(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (waits for the ones in use).
    pub async fn close(&self) {
        self.pool.close().await
    }
}
