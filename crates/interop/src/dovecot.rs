//! A throwaway IMAP server: Debian's Dovecot (`dovecot-imapd`) with its own configuration,
//! state and mail in a temporary directory, implicit TLS (imaps) on one loopback port with a
//! certificate from the test PKI, one user with a password, Maildir storage. Stopped and removed
//! when dropped (also when a test fails).
//!
//! The mail lives in a Maildir the test can read and write directly: messages are delivered by
//! writing them into `new/`, and the flags Dovecot sets (`\Seen` is `S`, `\Flagged` is `F` in
//! the file names, the Maildir convention) are read back without any IMAP client, ours or
//! another.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::daemon::{free_port, is_root, run, Daemon};
use crate::pki::Leaf;

pub struct Dovecot {
    pub port: u16,
    pub user: String,
    pub password: String,
    /// The user's Maildir (INBOX; folders are `.Name` beside `cur/` and `new/`).
    pub maildir: PathBuf,
    /// The uid and gid the mail belongs to (see [`mail_owner`]).
    owner: (String, String),
    server: Option<Daemon>,
    _dir: tempfile::TempDir,
}

/// The uid and gid the mail belongs to: `nobody` when running as root (Dovecot refuses to
/// give mail to root), otherwise ours.
fn mail_owner() -> Result<(String, String), String> {
    let id = |flags: &[&str]| run(Command::new("id").args(flags)).map(|s| s.trim().to_string());
    if is_root() {
        Ok((id(&["-u", "nobody"])?, id(&["-g", "nobody"])?))
    } else {
        Ok((id(&["-u"])?, id(&["-g"])?))
    }
}

impl Dovecot {
    /// Starts Dovecot for `user`/`password` with `cert` (its chain and key).
    pub fn start(cert: &Leaf, user: &str, password: &str) -> Result<Dovecot, String> {
        if !Path::new("/usr/sbin/dovecot").exists() {
            return Err(
                "Dovecot is not installed; scripts/setup.sh installs Debian's dovecot-imapd".into(),
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("mtasts-imap-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let d = dir.path();
        // The login and mail processes run as other users: they must reach what is theirs.
        run(Command::new("chmod").arg("755").arg(d))?;
        let (uid, gid) = mail_owner()?;
        let home = d.join("home");
        let maildir = home.join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).map_err(|e| e.to_string())?;
        }
        run(Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(&home))?;
        std::fs::write(
            d.join("passwd"),
            format!("{user}:{{PLAIN}}{password}::::::\n"),
        )
        .map_err(|e| e.to_string())?;
        let port = free_port()?;
        let me = run(Command::new("id").arg("-un"))?;
        let me = me.trim();
        let (login_user, internal_user) = if is_root() {
            ("dovenull", "dovecot")
        } else {
            (me, me)
        };
        let conf = format!(
            "base_dir = {d}/run
state_dir = {d}/state
instance_name = mtasts-test-{port}
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{chain}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}
}}
mail_location = maildir:{maildir}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
",
            d = d.display(),
            chain = cert.chain.display(),
            key = cert.key.display(),
            home = home.display(),
            maildir = maildir.display(),
        );
        let conf_path = d.join("dovecot.conf");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        for sub in ["run", "state"] {
            std::fs::create_dir_all(d.join(sub)).map_err(|e| e.to_string())?;
        }
        let mut cmd = Command::new("/usr/sbin/dovecot");
        cmd.arg("-F").arg("-c").arg(&conf_path);
        let mut server = Daemon::spawn("dovecot", cmd, &d.join("dovecot.out"))?;
        server.log = d.join("dovecot.log");
        server.wait_tcp(([127, 0, 0, 1], port).into())?;
        Ok(Dovecot {
            port,
            user: user.into(),
            password: password.into(),
            maildir,
            owner: (uid, gid),
            server: Some(server),
            _dir: dir,
        })
    }

    /// Delivers `message` into the INBOX (a new, unseen message), as a delivery agent would,
    /// with `Message-ID: <NAME@test>` added so that [`Dovecot::messages`] can name it.
    pub fn deliver(&self, name: &str, message: &[u8]) -> Result<(), String> {
        let tmp = self.maildir.join("tmp").join(name);
        let mut bytes = format!("Message-ID: <{name}@test>\r\n").into_bytes();
        bytes.extend_from_slice(message);
        std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
        let (uid, gid) = &self.owner;
        run(Command::new("chown").arg(format!("{uid}:{gid}")).arg(&tmp))?;
        std::fs::rename(&tmp, self.maildir.join("new").join(name)).map_err(|e| e.to_string())
    }

    /// Every message in `folder` (`""` for the INBOX) with its Maildir flags (`"S"`, `"FS"`,
    /// `""` for a new one), by the name it was delivered under (read from its Message-ID, as a
    /// move gives the file a new name).
    pub fn messages(&self, folder: &str) -> Vec<(String, String)> {
        let root = if folder.is_empty() {
            self.maildir.clone()
        } else {
            self.maildir.join(format!(".{folder}"))
        };
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(root.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let file = e.file_name().to_string_lossy().into_owned();
                let flags = file.split_once(":2,").map(|(_, f)| f.to_string());
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                let name = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Message-ID: <"))
                    .and_then(|l| l.split_once("@test>"))
                    .map(|(n, _)| n.to_string())
                    .unwrap_or(file);
                out.push((name, flags.unwrap_or_default()));
            }
        }
        out.sort();
        out
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.server = None;
    }
}
