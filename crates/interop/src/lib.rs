//! A permanent world of real, independently written servers for the interop tests: Knot,
//! Unbound and dnsdist for DNS and DoH, nginx and Apache as policy hosts, Postfix and Exim
//! ([`exim`], GnuTLS) as MX hosts, Postfix as the reference sender, Debian's `postfix-mta-sts-resolver` as the reference policy
//! resolver ([`resolver`]), and a PKI made by `openssl`. All of them are Debian packages
//! started on loopback (127.0.25.0/24, 127.0.44-45.0/24, 127.0.53.0/24, the standard ports) with
//! their configuration in a temporary directory, and stopped when the [`World`] is dropped,
//! also when a test fails.
//!
//! Our own test world (`mtasts-testkit`) runs on the same libraries as the checker, so it
//! cannot show where they differ from the rest of the world; this one can.

pub mod cases;
pub mod daemon;
pub mod dns;
pub mod dovecot;
pub mod exim;
pub mod mail;
pub mod pki;
pub mod postgres;
pub mod resolver;
pub mod web;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use cases::Case;
use daemon::{is_root, Daemon};

/// The Debian packages this world runs (`scripts/setup.sh` installs them).
pub const PACKAGES: &[(&str, &str)] = &[
    ("knotd", "knot"),
    ("keymgr", "knot"),
    ("unbound", "unbound"),
    ("dnsdist", "dnsdist"),
    ("nginx", "nginx-light"),
    ("apache2", "apache2"),
    ("postfix", "postfix"),
    ("posttls-finger", "postfix"),
    ("openssl", "openssl"),
    ("mta-sts-query", "postfix-mta-sts-resolver"),
    ("unshare", "util-linux"),
];

pub struct World {
    // Dropped in reverse order of start: servers first, then the folder.
    daemons: Vec<Daemon>,
    pub cases: Vec<Case>,
    /// The validating recursive resolver (Unbound).
    pub resolver: String,
    /// The authoritative server (Knot): not recursive.
    pub authoritative: String,
    /// The DoH endpoint (dnsdist), RFC 8484, with CORS.
    pub doh: String,
    /// The test root, for `--ca-file`.
    pub ca_file: PathBuf,
    dir: tempfile::TempDir,
}

impl World {
    /// Starts every server. Fails with what is missing or which server did not come up.
    pub fn start() -> Result<World, String> {
        let missing: Vec<String> = PACKAGES
            .iter()
            .filter(|(bin, _)| which(bin).is_none())
            .map(|(bin, pkg)| format!("{bin} (Debian package {pkg})"))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the interop world needs {}; scripts/setup.sh installs them",
                missing.join(", ")
            ));
        }
        if !is_root() {
            return Err("the interop world binds ports 25, 53, 80 and 443 on loopback and starts Postfix: run it as root (CI machines do)".into());
        }
        stop_leftovers();
        // Our servers must be the ones answering: a fixed address that already answers
        // (a system nginx on *:80, a Postfix on *:25, a run killed before it could clean up)
        // would be tested instead of them.
        let taken: Vec<String> = FIXED
            .iter()
            .filter(|a| {
                std::net::TcpStream::connect_timeout(
                    &dns::addr(a),
                    std::time::Duration::from_millis(200),
                )
                .is_ok()
            })
            .map(|a| a.to_string())
            .collect();
        if !taken.is_empty() {
            return Err(format!(
                "something already listens on {}: stop it (a system nginx, apache2, postfix or \
                 DNS server listening on all addresses takes these too) and run again",
                taken.join(", ")
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("mtasts-interop-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        // Apache's and nginx's workers and Postfix's daemons drop privileges and must reach
        // their files.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
        let cases = cases::all();
        let pki = pki::Pki::new(&dir.path().join("pki"))?;
        let mut world = World {
            daemons: Vec::new(),
            cases: cases.clone(),
            resolver: dns::UNBOUND.into(),
            authoritative: dns::KNOT.into(),
            doh: format!("http://{}/dns-query", dns::DOH),
            ca_file: pki.root.clone(),
            dir,
        };
        let path = world.dir.path().to_path_buf();
        // The servers first: the DANE cases' TLSA records are made from the certificates
        // they were given.
        world.daemons.extend(web::start(&path, &pki, &cases)?);
        world.daemons.push(mail::start(&path, &pki, &cases)?);
        world.daemons.extend(exim::start(&path, &pki, &cases)?);
        let mut tlsa = std::collections::HashMap::new();
        for c in &cases {
            let data = match c.tlsa {
                None => continue,
                Some(cases::Tlsa::EeMatch) => {
                    format!("3 1 1 {}", pki.tlsa_sha256(&format!("mx-{}", c.name), 1)?)
                }
                Some(cases::Tlsa::EeMismatch) => format!("3 1 1 {}", pki.tlsa_sha256("int", 1)?),
                Some(cases::Tlsa::TaMatch) => format!("2 0 1 {}", pki.tlsa_sha256("int", 0)?),
            };
            tlsa.insert(c.name.to_string(), data);
        }
        world.daemons.extend(dns::start(&path, &cases, &tlsa)?);
        Ok(world)
    }

    /// The case's MX address (`127.0.25.i`).
    pub fn mx_ip(&self, c: &Case) -> String {
        let i = self
            .cases
            .iter()
            .position(|x| x.name == c.name)
            .unwrap_or(0);
        dns::mx_ip(c, i + 1)
    }

    /// The names dnsdist was asked for so far (its query log), to show a client used DoH.
    pub fn doh_queries(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dnsdist/queries.log")).unwrap_or_default()
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        while let Some(d) = self.daemons.pop() {
            drop(d);
        }
    }
}

/// Addresses the world binds on fixed ports (one of each kind is enough to notice).
const FIXED: &[&str] = &[
    dns::KNOT,
    dns::UNBOUND,
    dns::DOH,
    dns::PROVIDER_NS,
    "127.0.44.1:443",
    "127.0.25.1:25",
];

/// Servers of an earlier run that was killed before its guards ran (SIGKILL, a CI timeout)
/// still hold the addresses. They are recognised by this crate's temporary folder prefix in
/// their command line or environment (Postfix's master has it only in `MAIL_CONFIG`).
fn stop_leftovers() {
    let me = std::process::id().to_string();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    let mut killed = false;
    for p in procs.flatten() {
        let pid = p.file_name().to_string_lossy().into_owned();
        if pid == me || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let ours = ["cmdline", "environ"].iter().any(|f| {
            std::fs::read(p.path().join(f))
                .map(|b| String::from_utf8_lossy(&b).contains("/mtasts-interop-"))
                .unwrap_or(false)
        });
        if ours {
            let _ = std::process::Command::new("kill").arg(&pid).status();
            killed = true;
        }
    }
    if killed {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

fn which(bin: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|d| d.join(bin))
        .find(|p| p.is_file())
}
