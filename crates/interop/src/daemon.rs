//! One started server: a child process (or a daemon with its own stop command) that is stopped
//! when the guard is dropped, on success, on a failed assertion and on a panic alike.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Daemon {
    pub name: String,
    child: Option<Child>,
    /// For servers that detach (Postfix): the command that stops them.
    stop: Option<Command>,
    pub log: PathBuf,
}

impl Daemon {
    /// Starts `cmd` in the foreground as a child, output to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Result<Daemon, String> {
        let out = std::fs::File::create(log).map_err(|e| format!("{name}: log: {e}"))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("{name}: cannot start {:?}: {e}", cmd.get_program()))?;
        Ok(Daemon {
            name: name.into(),
            child: Some(child),
            stop: None,
            log: log.into(),
        })
    }

    /// A server that detached itself; `stop` ends it.
    pub fn detached(name: &str, stop: Command, log: &Path) -> Daemon {
        Daemon {
            name: name.into(),
            child: None,
            stop: Some(stop),
            log: log.into(),
        }
    }

    /// Waits until `addr` accepts TCP connections, failing early if the child died.
    pub fn wait_tcp(&mut self, addr: SocketAddr) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    return Err(format!(
                        "{} exited ({status}) before listening on {addr}:\n{}",
                        self.name,
                        self.tail()
                    ));
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "{} did not listen on {addr} within 20 s:\n{}",
            self.name,
            self.tail()
        ))
    }

    /// The end of the server's log, for error messages.
    pub fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut stop) = self.stop.take() {
            let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
        }
        if let Some(mut c) = self.child.take() {
            // SIGTERM first so servers clean up their pid files; then make sure.
            let _ = Command::new("kill")
                .arg(c.id().to_string())
                .stderr(Stdio::null())
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(3) {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A loopback port free at the time of asking, for a server about to be started on it.
pub fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Whether the tests run as root (servers then drop to their own users).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a set-up command to completion; its output goes into the error when it fails.
pub fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed ({}): {}{}",
            cmd,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
