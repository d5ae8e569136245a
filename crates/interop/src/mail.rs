//! MX hosts: one Postfix instance (its own `main.cf`, `master.cf`, queue and data directories
//! in the world's folder) with an `smtpd` per case on the case's loopback address, port 25,
//! each limited by `-o` overrides as the case says. Postfix is also the reference sender:
//! `posttls-finger -l secure` is its client at the level an enforced MTA-STS policy maps to.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::cases::{Case, Mx, Tls};
use crate::daemon::{run, Daemon};
use crate::dns::mx_ip;
use crate::pki::Pki;
use crate::web::cert_for;

/// The services every Postfix needs besides `smtpd` (Debian's `master.cf`, trimmed).
const SERVICES: &str = "pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
";

fn limits(tls: Tls) -> &'static str {
    match tls {
        Tls::Default => "",
        Tls::Only12 => " -o smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2",
        Tls::Only13 => " -o smtpd_tls_protocols=>=TLSv1.3",
        Tls::RsaCbc12 => {
            " -o smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2 -o tls_medium_cipherlist=AES256-SHA"
        }
        Tls::Cbc12 => {
            " -o smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2 -o tls_medium_cipherlist=ECDHE-ECDSA-AES128-SHA"
        }
        // OpenSSL 3 needs security level 0 for TLS 1.0 at all.
        Tls::Only10 => " -o smtpd_tls_protocols=>=TLSv1,<=TLSv1 -o tls_medium_cipherlist=DEFAULT@SECLEVEL=0",
    }
}

/// Starts Postfix with one `smtpd` per case that has a listening MX.
pub fn start(dir: &Path, pki: &Pki, cases: &[Case]) -> Result<Daemon, String> {
    let p = dir.join("postfix");
    let (etc, queue, data) = (p.join("etc"), p.join("queue"), p.join("data"));
    for d in [&etc, &queue, &data] {
        std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
    }
    // Postfix insists that its data directory belongs to its mail owner.
    run(Command::new("chown").arg("postfix").arg(&data))?;
    let main = format!(
        "compatibility_level = 3.6\nqueue_directory = {q}\ndata_directory = {dd}\nmail_owner = postfix\nsetgid_group = postdrop\ninet_interfaces = loopback-only\ninet_protocols = ipv4\nmyhostname = mx.interop.test\nmydestination =\nmaillog_file_prefixes = {p}\nmaillog_file = {p}/maillog\nsmtpd_tls_security_level = may\n",
        q = queue.display(),
        dd = data.display(),
        p = p.display()
    );
    std::fs::write(etc.join("main.cf"), main).map_err(|e| e.to_string())?;
    let mut master = String::new();
    let mut listen = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        if c.null_mx || c.bogus || matches!(c.mx, Mx::Refused | Mx::Exim(..)) {
            continue;
        }
        let ip = mx_ip(c, i + 1);
        let host = c.mx_name.replace("{d}", &c.domain());
        let (tls, cert) = match c.mx {
            Mx::Postfix(t, c) => (t, c),
            _ => (Tls::Default, crate::cases::Cert::Good),
        };
        let (leaf, leaf_only) = cert_for(pki, &format!("mx-{}", c.name), &host, cert, tls)?;
        let chain = if leaf_only { &leaf.leaf } else { &leaf.chain };
        let mut line = format!(
            "{ip}:25 inet n - n - - smtpd -o smtpd_tls_chain_files={},{}",
            leaf.key.display(),
            chain.display()
        );
        if c.mx == Mx::NoStarttls {
            line.push_str(" -o smtpd_tls_security_level=none");
        }
        line.push_str(limits(tls));
        let _ = writeln!(master, "{line}");
        listen.push(crate::dns::addr(&format!("{ip}:25")));
        // The MX host's second address, with its own certificate and limits.
        if let Some(second) = c.second_mx {
            let ip2 = crate::dns::second_mx_ip(i + 1);
            let (tls, cert) = match second {
                Mx::Postfix(t, c) => (t, c),
                _ => (Tls::Default, crate::cases::Cert::Good),
            };
            let (leaf, _) = cert_for(pki, &format!("mx2-{}", c.name), &host, cert, tls)?;
            let mut line = format!(
                "{ip2}:25 inet n - n - - smtpd -o smtpd_tls_chain_files={},{}",
                leaf.key.display(),
                leaf.chain.display()
            );
            if second == Mx::NoStarttls {
                line.push_str(" -o smtpd_tls_security_level=none");
            }
            line.push_str(limits(tls));
            let _ = writeln!(master, "{line}");
            listen.push(crate::dns::addr(&format!("{ip2}:25")));
        }
    }
    master.push_str(SERVICES);
    std::fs::write(etc.join("master.cf"), master).map_err(|e| e.to_string())?;
    let log = p.join("maillog");
    // `postfix start` prints its reasons only to a terminal; they also reach `maillog`.
    let out = Command::new("postfix")
        .arg("-c")
        .arg(&etc)
        .arg("start")
        .output()
        .map_err(|e| format!("cannot run postfix: {e}"))?;
    let mut stop = Command::new("postfix");
    stop.arg("-c").arg(&etc).arg("stop");
    let mut daemon = Daemon::detached("postfix", stop, &log);
    if !out.status.success() {
        return Err(format!("postfix start failed:\n{}", daemon.tail()));
    }
    for at in listen {
        daemon.wait_tcp(at)?;
    }
    Ok(daemon)
}

/// What Postfix's own client says about one MX: `posttls-finger -l secure` against the
/// address, matching the certificate against the `matches` names (Postfix's `match=` list: a
/// name, or `.domain` for any name below it), trusting only the world's root.
pub fn posttls_finger(root: &Path, ip: &str, matches: &[&str]) -> (bool, String) {
    let out = Command::new("posttls-finger")
        .args(["-c", "-l", "secure", "-F"])
        .arg(root)
        .arg(format!("[{ip}]:25"))
        .args(matches)
        .output();
    match out {
        Ok(o) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let verified = text.contains("Verified TLS connection established");
            (verified, text.trim().to_string())
        }
        Err(e) => (false, format!("cannot run posttls-finger: {e}")),
    }
}

/// What Postfix's client says about a domain at the `dane` level (RFC 7672): it looks up the
/// MX, address and TLSA records itself, through the world's validating resolver (`nameserver`,
/// with `trust-ad` so the AD bit reaches it), in a mount namespace whose `/etc/resolv.conf`
/// names it. `dir` holds that file.
pub fn posttls_finger_dane(
    dir: &Path,
    nameserver: &str,
    ca_file: &Path,
    domain: &str,
) -> (bool, String) {
    let resolv = dir.join("dane-resolv.conf");
    if let Err(e) = std::fs::write(
        &resolv,
        format!("nameserver {nameserver}\noptions trust-ad edns0\n"),
    ) {
        return (false, format!("{}: {e}", resolv.display()));
    }
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(r#"mount --bind "$1" /etc/resolv.conf && shift && exec "$@""#)
        .arg("sh")
        .arg(&resolv)
        .arg("posttls-finger")
        .args([
            "-c",
            "-l",
            "dane",
            "-o",
            "smtp_dns_support_level=dnssec",
            "-F",
        ])
        .arg(ca_file)
        .arg(domain)
        .output();
    match out {
        Ok(o) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let verified = text.contains("Verified TLS connection established");
            (verified, text.trim().to_string())
        }
        Err(e) => (false, format!("cannot run posttls-finger: {e}")),
    }
}
