//! MX hosts served by Exim (Debian's `exim4-daemon-light`, TLS by GnuTLS): a second,
//! independently written SMTP server on a third TLS stack, beside Postfix (OpenSSL).
//!
//! Exim conflicts with Postfix as a Debian package, so `scripts/setup.sh` unpacks it with
//! `dpkg -x` into `.tools/exim` instead of installing it. Its binary insists on the
//! `Debian-exim` user, which this machine does not have: it runs in a private mount namespace
//! (`unshare -m`) where copies of `/etc/passwd` and `/etc/group` name that user (with a uid
//! nobody else uses), so the real files are never touched. One daemon listens on every Exim
//! case's address; the certificate and the GnuTLS priority string are chosen per connection
//! from the address it arrived on.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cases::{Case, Mx, Tls};
use crate::daemon::{run, Daemon};
use crate::dns::mx_ip;
use crate::pki::Pki;
use crate::web::cert_for;

/// The uid and gid `Debian-exim` gets inside the namespace (no user of the machine has it).
const UID: u32 = 64999;

/// The unpacked binary: `MTASTS_EXIM`, else `.tools/exim/usr/sbin/exim4` in the workspace.
pub fn binary() -> PathBuf {
    std::env::var_os("MTASTS_EXIM")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/exim/usr/sbin/exim4")
        })
}

/// GnuTLS priority strings for the limits a case asks for.
fn priority(tls: Tls) -> &'static str {
    match tls {
        Tls::Default => "NORMAL",
        Tls::Only12 => "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        Tls::Only13 => "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        Tls::Cbc12 => "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1",
        Tls::RsaCbc12 => {
            "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-CBC:-MAC-ALL:+SHA1:-KX-ALL:+RSA"
        }
        // No case asks Exim for this (Postfix serves the TLS 1.0-only MX).
        Tls::Only10 => "NORMAL:-VERS-ALL:+VERS-TLS1.0",
    }
}

/// Starts one Exim daemon for the cases whose MX is Exim (none: no daemon).
pub fn start(dir: &Path, pki: &Pki, cases: &[Case]) -> Result<Option<Daemon>, String> {
    let ours: Vec<(usize, &Case)> = cases
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.mx, Mx::Exim(..)))
        .collect();
    if ours.is_empty() {
        return Ok(None);
    }
    let bin = binary();
    if !bin.is_file() {
        return Err(format!(
            "the interop world needs Exim unpacked at {} (scripts/setup.sh does it)",
            bin.display()
        ));
    }
    let d = dir.join("exim");
    let (spool, log, tls) = (d.join("spool"), d.join("log"), d.join("tls"));
    for sub in [&spool, &log, &tls] {
        std::fs::create_dir_all(sub).map_err(|e| e.to_string())?;
    }
    let mut priorities = String::new();
    let mut listen = Vec::new();
    for (i, c) in &ours {
        let Mx::Exim(t, cert) = c.mx else { continue };
        let ip = mx_ip(c, i + 1);
        let host = c.mx_name.replace("{d}", &c.domain());
        let (leaf, leaf_only) = cert_for(pki, &format!("mx-{}", c.name), &host, cert, t)?;
        let chain = if leaf_only { &leaf.leaf } else { &leaf.chain };
        // Exim reads them after giving up root.
        for (from, to) in [(chain, "chain.pem"), (&leaf.key, "key.pem")] {
            let dest = tls.join(format!("{ip}.{to}"));
            std::fs::copy(from, &dest).map_err(|e| e.to_string())?;
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644))
                .map_err(|e| e.to_string())?;
        }
        let _ = writeln!(priorities, "{ip}: {}", priority(t));
        listen.push(ip);
    }
    std::fs::write(d.join("priorities"), priorities).map_err(|e| e.to_string())?;
    for sub in [&spool, &log] {
        run(Command::new("chown").arg(format!("{UID}:{UID}")).arg(sub))?;
    }
    let conf = format!(
        "exim_path = {bin}\nexim_user = Debian-exim\nexim_group = Debian-exim\n\
         spool_directory = {spool}\nlog_file_path = {log}/%slog\nkeep_environment =\n\
         primary_hostname = mx.exim.test\nlocal_interfaces = {ifaces}\ndaemon_smtp_ports = 25\n\
         tls_advertise_hosts = *\n\
         tls_certificate = {tls}/$received_ip_address.chain.pem\n\
         tls_privatekey = {tls}/$received_ip_address.key.pem\n\
         tls_require_ciphers = ${{lookup{{$received_ip_address}}lsearch{{{prio}}}}}\n\
         acl_smtp_rcpt = refuse\nbegin acl\nrefuse:\n  deny\n",
        bin = bin.display(),
        spool = spool.display(),
        log = log.display(),
        ifaces = listen.join(" : "),
        tls = tls.display(),
        prio = d.join("priorities").display(),
    );
    let conf_path = d.join("exim.conf");
    std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
    let (passwd, group) = (d.join("passwd"), d.join("group"));
    let add = |from: &str, to: &Path, line: String| -> Result<(), String> {
        let text = std::fs::read_to_string(from).map_err(|e| format!("{from}: {e}"))?;
        std::fs::write(to, format!("{}\n{line}\n", text.trim_end())).map_err(|e| e.to_string())
    };
    add(
        "/etc/passwd",
        &passwd,
        format!(
            "Debian-exim:x:{UID}:{UID}::{}:/usr/sbin/nologin",
            spool.display()
        ),
    )?;
    add("/etc/group", &group, format!("Debian-exim:x:{UID}:"))?;
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(r#"mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && exec "$3" -bdf -C "$4""#)
        .arg("sh")
        .args([&passwd, &group, &bin, &conf_path]);
    let mut daemon = Daemon::spawn("exim", cmd, &d.join("exim.out"))?;
    for ip in &listen {
        daemon
            .wait_tcp(crate::dns::addr(&format!("{ip}:25")))
            .map_err(|e| format!("{e}\n{}", exim_log(&log)))?;
    }
    Ok(Some(daemon))
}

/// Exim's own main and panic logs, for error messages.
fn exim_log(dir: &Path) -> String {
    ["mainlog", "paniclog"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}
