//! A throwaway PostgreSQL from Debian's `postgresql` package: its own cluster in a temporary
//! directory (`initdb`), listening on one loopback port and a socket in that directory, stopped
//! and removed when dropped (also when a test fails). For the store's tests on the second
//! engine.
//!
//! PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user the
//! package creates, and the server runs as that user (`setpriv`, which execs, so the process
//! the guard stops is the server itself).

use std::path::PathBuf;
use std::process::Command;

use crate::daemon::{free_port, is_root, run, Daemon};

pub struct Postgres {
    /// `postgres://mtasts@127.0.0.1:PORT/postgres`
    pub url: String,
    pub port: u16,
    /// Dropped first: the server stops before its directory goes.
    server: Option<Daemon>,
    _dir: tempfile::TempDir,
}

/// The newest installed server's `bin` directory.
fn bin_dir() -> Result<PathBuf, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("PostgreSQL is not installed (/usr/lib/postgresql: {e}); scripts/setup.sh installs Debian's postgresql"))?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
        .ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin".to_string())
}

/// A command run as the cluster's owner.
fn as_owner(root: bool, program: PathBuf) -> Command {
    if root {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--clear-groups",
            "--",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl Postgres {
    /// Creates a cluster (superuser `mtasts`, trust on loopback) and starts it.
    pub fn start() -> Result<Postgres, String> {
        let bin = bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("mtasts-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        let root = is_root();
        if root {
            run(Command::new("chown").arg("postgres").arg(dir.path()))?;
        }
        run(as_owner(root, bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "mtasts",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
                "-D",
            ])
            .arg(&data))?;
        let port = free_port()?;
        let server = spawn(&bin, dir.path(), port)?;
        Ok(Postgres {
            url: format!("postgres://mtasts@127.0.0.1:{port}/postgres"),
            port,
            server: Some(server),
            _dir: dir,
        })
    }

    /// Stops the server (as an outage would), keeping its data.
    pub fn stop(&mut self) {
        self.server = None;
    }

    /// Starts it again on the same port with the same data.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.server = Some(spawn(&bin_dir()?, self._dir.path(), self.port)?);
        Ok(())
    }
}

/// Runs the cluster in `dir` on `port` and waits until it listens.
fn spawn(bin: &std::path::Path, dir: &std::path::Path, port: u16) -> Result<Daemon, String> {
    let root = is_root();
    let mut cmd = as_owner(root, bin.join("postgres"));
    cmd.arg("-D")
        .arg(dir.join("data"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-k"])
        .arg(dir)
        // A test database: no fsync wait (the durability tests kill our server, not this one).
        .args(["-c", "fsync=off", "-c", "max_connections=60"]);
    let log = dir.join("postgres.log");
    let mut server = Daemon::spawn("postgres", cmd, &log)?;
    server.wait_tcp(([127, 0, 0, 1], port).into())?;
    Ok(server)
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.server = None;
    }
}
