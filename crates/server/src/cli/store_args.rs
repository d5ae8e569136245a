//! `--database`: where the operator side keeps what it receives (shared by `serve` and the
//! `reports` commands).

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The database: sqlite://PATH (a file, created on first use) or postgres://USER@HOST/DB
    /// [default: sqlite://$MTASTS_DATA_DIR/mtasts.db, the data directory being
    /// $XDG_DATA_HOME/mtasts or ~/.local/share/mtasts]
    #[arg(long, value_name = "URL", env = "MTASTS_DATABASE")]
    pub database: Option<String>,
}

/// Where the default SQLite file lives.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MTASTS_DATA_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match base {
        Some(b) => b.join("mtasts"),
        None => PathBuf::from("."),
    }
}

impl StoreArgs {
    /// The database URL to open, creating the default file's directory.
    pub fn url(&self) -> Result<String, String> {
        if let Some(u) = &self.database {
            return Ok(u.clone());
        }
        let dir = data_dir();
        std::fs::create_dir_all(&dir).map_err(|e| {
            format!(
                "cannot create the data directory {} ({e}); choose a database with --database",
                dir.display()
            )
        })?;
        Ok(format!("sqlite://{}", dir.join("mtasts.db").display()))
    }

    /// `name` beside the SQLite file (or in the data directory for another database): where
    /// what belongs with this store but not in it goes (reports kept aside).
    pub fn beside(&self, name: &str) -> PathBuf {
        let file = self
            .database
            .as_deref()
            .and_then(|u| u.strip_prefix("sqlite://"))
            .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)));
        match file.as_ref().and_then(|f| f.parent()) {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
            Some(_) => PathBuf::from(name),
            None => data_dir().join(name),
        }
    }

    /// Opens the store (applying migrations), saying what to do when it cannot.
    pub async fn open(&self) -> Result<mtasts_store::Store, String> {
        let url = self.url()?;
        mtasts_store::Store::open(&url)
            .await
            .map_err(|e| format!("{e} ({})", redact(&url)))
    }
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            super::redact("postgres://ops:s3cret@db.example:5432/mtasts"),
            "postgres://ops:***@db.example:5432/mtasts"
        );
        assert_eq!(
            super::redact("postgres://ops@db/mtasts"),
            "postgres://ops@db/mtasts"
        );
        assert_eq!(
            super::redact("sqlite:///var/lib/m.db"),
            "sqlite:///var/lib/m.db"
        );
    }
}
