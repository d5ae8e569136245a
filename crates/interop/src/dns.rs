//! DNS of the interop world: Knot (authoritative for `test.`, DNSSEC-signed by Knot itself with
//! a key made before it starts), Unbound (a validating recursive resolver whose only trust
//! anchor is that key, refusing every other name so nothing leaves loopback), and dnsdist in
//! front of Unbound as the DoH server a browser uses (RFC 8484, with CORS headers).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use crate::cases::{Case, Mx, StsTxt, WebServer};
use crate::daemon::{run, Daemon};

pub const KNOT: &str = "127.0.53.1:53";
pub const UNBOUND: &str = "127.0.53.2:53";
pub const DNSDIST: &str = "127.0.53.3:53";
pub const DOH: &str = "127.0.53.3:80";
/// The TXT `id` every case publishes.
pub const POLICY_ID: &str = "20261124000000";

/// The `test.` zone file for these cases; `tlsa` holds each DANE case's TLSA record data
/// ("3 1 1 <hex>"), by case name.
pub fn zone(cases: &[Case], tlsa: &HashMap<String, String>) -> String {
    let mut z = String::from(
        "$TTL 300\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ NS ns.test.\nns A 127.0.53.1\n",
    );
    for (i, c) in cases.iter().enumerate() {
        let n = i + 1;
        let d = c.name;
        if c.bogus {
            // Delegated to the same server, unsigned, with a DS no key matches: a validating
            // resolver answers SERVFAIL for everything below it (RFC 4035 §5.5).
            let _ = writeln!(z, "{d} NS ns.test.");
            let _ = writeln!(
                z,
                "{d} DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            );
            continue;
        }
        let _ = write!(z, "{}", records(c, n, d));
        if let Some(data) = tlsa.get(c.name) {
            let mx = c.mx_name.replace("{d}", d);
            let _ = writeln!(z, "_25._tcp.{mx} TLSA {data}");
        }
    }
    z
}

/// The records of one case, relative to its zone origin's `d` label.
pub fn records(c: &Case, n: usize, d: &str) -> String {
    let mut z = String::new();
    match c.sts {
        None => {}
        Some(StsTxt::Plain) => {
            let _ = writeln!(z, "_mta-sts.{d} TXT \"v=STSv1; id={POLICY_ID}\"");
        }
        Some(StsTxt::RepeatedId) => {
            let _ = writeln!(z, "_mta-sts.{d} TXT \"v=STSv1; id={POLICY_ID}; id=2\"");
        }
        Some(StsTxt::Split) => {
            let _ = writeln!(z, "_mta-sts.{d} TXT \"v=STSv1; \" \"id={POLICY_ID}\"");
        }
        Some(StsTxt::Cname) => {
            // Into a zone Knot does not serve (see `provider_zone`).
            let _ = writeln!(z, "_mta-sts.{d} CNAME _mta-sts.{PROVIDER}.");
            let _ = writeln!(z, "mta-sts.{d} CNAME mta-sts-{d}.{PROVIDER}.");
        }
        Some(StsTxt::Oversized) => {
            let _ = writeln!(z, "_mta-sts.{d} TXT \"v=STSv1; id={POLICY_ID}\"");
            for k in 0..6 {
                let _ = writeln!(z, "_mta-sts.{d} TXT \"unrelated-{k}-{}\"", "x".repeat(240));
            }
        }
    }
    if c.sts.is_some() {
        let _ = writeln!(
            z,
            "_smtp._tls.{d} TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@{d}.test\""
        );
    }
    if c.sts != Some(StsTxt::Cname) && c.sts.is_some() {
        let _ = writeln!(z, "mta-sts.{d} A {}", web_ip(c, n));
    }
    if c.null_mx {
        let _ = writeln!(z, "{d} MX 0 .");
    } else {
        let mx = c.mx_name.replace("{d}", &format!("{d}.test"));
        let _ = writeln!(z, "{d} MX 10 {mx}.");
        let _ = writeln!(z, "{} A {}", mx.trim_end_matches(".test"), mx_ip(c, n));
        if c.second_mx.is_some() {
            let _ = writeln!(z, "{} A {}", mx.trim_end_matches(".test"), second_mx_ip(n));
        }
    }
    z
}

pub fn web_ip(c: &Case, n: usize) -> String {
    match c.web {
        WebServer::Nginx => format!("127.0.44.{n}"),
        WebServer::Apache => format!("127.0.45.{n}"),
    }
}

pub fn mx_ip(c: &Case, n: usize) -> String {
    match c.mx {
        // Nothing listens on 127.0.26.0/24.
        Mx::Refused => format!("127.0.26.{n}"),
        _ => format!("127.0.25.{n}"),
    }
}

/// The second MX address of a case that has one.
pub fn second_mx_ip(n: usize) -> String {
    format!("127.0.27.{n}")
}

/// The zone a CNAME-delegated domain points into (RFC 8461 §8.2): a hosting provider's,
/// served (unsigned) by a second Knot, so the first cannot follow the CNAME, as no
/// authoritative server can for a zone it does not serve.
pub const PROVIDER: &str = "provider.example";
pub const PROVIDER_NS: &str = "127.0.53.4:53";

fn provider_zone(cases: &[Case]) -> String {
    let mut z = String::from(
        "$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.53.4\n",
    );
    let _ = writeln!(z, "_mta-sts TXT \"v=STSv1; id={POLICY_ID}\"");
    for (i, c) in cases.iter().enumerate() {
        if c.sts == Some(StsTxt::Cname) {
            let _ = writeln!(z, "mta-sts-{} A {}", c.name, web_ip(c, i + 1));
        }
    }
    z
}

/// Starts one knotd for `zones` (name, text, signed with a key made now) and returns the
/// daemon and the DNSKEY records of the signed zones.
fn knot(
    dir: &Path,
    listen: &str,
    zones: &[(String, String, bool)],
) -> Result<(Daemon, String), String> {
    for sub in ["db", "kasp", "run"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
    }
    let mut conf = format!(
        "server:\n    listen: {at}\n    rundir: {k}/run\n    user: root:root\nlog:\n  - target: stderr\n    any: notice\ndatabase:\n    storage: {k}/db\n    kasp-db: {k}/kasp\npolicy:\n  - id: made-before\n    manual: on\n    algorithm: ecdsap256sha256\n    single-type-signing: on\ntemplate:\n  - id: default\n    storage: {k}\n    file: \"%s.zone\"\nzone:\n",
        at = listen.replace(':', "@"),
        k = dir.display()
    );
    for (name, text, signed) in zones {
        let _ = writeln!(conf, "  - domain: {name}.");
        if *signed {
            let _ = writeln!(
                conf,
                "    dnssec-signing: on\n    dnssec-policy: made-before"
            );
        }
        std::fs::write(dir.join(format!("{name}.zone")), text).map_err(|e| e.to_string())?;
    }
    let conf_path = dir.join("knot.conf");
    std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
    let mut anchors = String::new();
    for (name, _, _) in zones.iter().filter(|z| z.2) {
        // The key exists before Knot starts, so the resolver's trust anchor is known up front.
        let zone = format!("{name}.");
        run(Command::new("keymgr").arg("-c").arg(&conf_path).args([
            &zone,
            "generate",
            "algorithm=ecdsap256sha256",
            "ksk=yes",
            "zsk=yes",
        ]))?;
        anchors.push_str(&run(Command::new("keymgr")
            .arg("-c")
            .arg(&conf_path)
            .args([&zone, "dnskey"]))?);
    }
    let mut cmd = Command::new("knotd");
    cmd.arg("-c").arg(&conf_path);
    let mut d = Daemon::spawn("knotd", cmd, &dir.join("knot.log"))?;
    d.wait_tcp(addr(listen))?;
    Ok((d, anchors))
}

/// The bogus cases' own zone (served unsigned).
pub fn bogus_zone() -> String {
    format!(
        "$TTL 300\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ NS ns.test.\n_mta-sts TXT \"v=STSv1; id={POLICY_ID}\"\n@ MX 10 mx\nmx A 127.0.25.250\n"
    )
}

/// Starts Knot, then Unbound trusting Knot's key, then dnsdist.
pub fn start(
    dir: &Path,
    cases: &[Case],
    tlsa: &HashMap<String, String>,
) -> Result<Vec<Daemon>, String> {
    let mut zones = vec![("test".to_string(), zone(cases, tlsa), true)];
    for c in cases.iter().filter(|c| c.bogus) {
        zones.push((c.domain(), bogus_zone(), false));
    }
    let mut daemons = Vec::new();
    let (d, anchor) = knot(&dir.join("knot"), KNOT, &zones)?;
    daemons.push(d);
    let provider = vec![(PROVIDER.to_string(), provider_zone(cases), false)];
    let (d, _) = knot(&dir.join("knot-provider"), PROVIDER_NS, &provider)?;
    daemons.push(d);

    let ub = dir.join("unbound");
    std::fs::create_dir_all(&ub).map_err(|e| e.to_string())?;
    std::fs::write(ub.join("ta.key"), anchor).map_err(|e| e.to_string())?;
    let (ub_ip, ub_port) = UNBOUND.split_once(':').unwrap_or((UNBOUND, "53"));
    let conf = format!(
        "server:\n    interface: {ub_ip}\n    port: {ub_port}\n    do-daemonize: no\n    username: \"\"\n    chroot: \"\"\n    directory: \"{u}\"\n    pidfile: \"{u}/unbound.pid\"\n    use-syslog: no\n    logfile: \"\"\n    verbosity: 1\n    access-control: 127.0.0.0/8 allow\n    do-not-query-localhost: no\n    trust-anchor-file: \"{u}/ta.key\"\n    local-zone: \".\" refuse\n    local-zone: \"test.\" transparent\n    qname-minimisation: no\n    cache-max-ttl: 0\n    cache-max-negative-ttl: 0\n    local-zone: \"{PROVIDER}.\" transparent\nstub-zone:\n    name: \"test.\"\n    stub-addr: {knot}\nstub-zone:\n    name: \"{PROVIDER}.\"\n    stub-addr: {provider}\n",
        u = ub.display(),
        knot = KNOT.replace(':', "@"),
        provider = PROVIDER_NS.replace(':', "@"),
    );
    std::fs::write(ub.join("unbound.conf"), conf).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("unbound");
    cmd.arg("-d").arg("-c").arg(ub.join("unbound.conf"));
    let mut d = Daemon::spawn("unbound", cmd, &ub.join("unbound.log"))?;
    d.wait_tcp(addr(UNBOUND))?;
    daemons.push(d);

    let dd = dir.join("dnsdist");
    std::fs::create_dir_all(&dd).map_err(|e| e.to_string())?;
    let conf = format!(
        "setSecurityPollSuffix(\"\")\nsetLocal(\"{DNSDIST}\")\nnewServer({{address=\"{UNBOUND}\"}})\naddAction(AllRule(), LogAction(\"{log}\", false, true, false))\naddDOHLocal(\"{DOH}\", nil, nil, \"/dns-query\", {{customResponseHeaders={{[\"access-control-allow-origin\"]=\"*\", [\"access-control-allow-headers\"]=\"content-type\"}}}})\n",
        log = dd.join("queries.log").display()
    );
    std::fs::write(dd.join("dnsdist.conf"), conf).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("dnsdist");
    cmd.arg("-C")
        .arg(dd.join("dnsdist.conf"))
        .args(["--supervised", "--disable-syslog"]);
    let mut d = Daemon::spawn("dnsdist", cmd, &dd.join("dnsdist.log"))?;
    d.wait_tcp(addr(DOH))?;
    daemons.push(d);
    Ok(daemons)
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|_| panic!("bad address {s}"))
}
