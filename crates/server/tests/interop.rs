//! The interop suite: the real `mtasts` binary against real, independently written servers
//! (Knot, Unbound, nginx, Apache, Postfix from Debian, a PKI from `openssl`), with Postfix's own
//! client as the reference sender for the MX hosts and Debian's `postfix-mta-sts-resolver` as
//! the reference for the policy. See `crates/interop`.
//!
//! One test starts the world once and checks every case, so the servers start once and are
//! stopped at the end whatever happens; every mismatch is collected and reported together.

use std::process::Command;

use mtasts_interop::cases::{Case, Mx, Reference, Tlsa};
use mtasts_interop::resolver::{self, Answer, Client};
use mtasts_interop::{dns, mail, World};
use serde_json::Value;

fn check(world: &World, resolver: &str, domain: &str) -> Result<Value, String> {
    // MTASTS_INTEROP_BIN runs the suite against another build (e.g. an older one, to show
    // which verdicts it got wrong).
    let bin = std::env::var("MTASTS_INTEROP_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_mtasts").to_string());
    let out = Command::new(bin)
        .args([
            "check",
            "--json",
            "--allow-private-addresses",
            "--timeout",
            "5",
        ])
        .args(["--resolver", resolver])
        .arg("--ca-file")
        .arg(&world.ca_file)
        .arg(domain)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run mtasts: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{domain}: check printed no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Every finding of every section.
fn findings(report: &Value) -> impl Iterator<Item = &Value> {
    report["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["findings"].as_array().into_iter().flatten())
}

fn codes(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = findings(report)
        .filter(|f| f["severity"] != "info")
        .filter_map(|f| f["code"].as_str().map(String::from))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn messages(report: &Value) -> String {
    findings(report)
        .map(|f| format!("    {} {}: {}", f["severity"], f["code"], f["message"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Our verdict for one case, against its expectation and against Postfix's client.
fn judge(world: &World, c: &Case) -> Vec<String> {
    let domain = c.domain();
    let report = match check(world, &world.resolver, &domain) {
        Ok(r) => r,
        Err(e) => return vec![e],
    };
    let mut diffs = Vec::new();
    let e = &c.expect;
    if report["overall"] != e.overall {
        diffs.push(format!(
            "overall {} (expected {})",
            report["overall"], e.overall
        ));
    }
    if report["enforce"]["readiness"] != e.readiness {
        diffs.push(format!(
            "readiness {} (expected {})",
            report["enforce"]["readiness"], e.readiness
        ));
    }
    let mut want: Vec<String> = e.codes.iter().map(|s| s.to_string()).collect();
    want.sort();
    let got = codes(&report);
    if got != want {
        diffs.push(format!("codes {got:?} (expected {want:?})"));
    }
    // The reference sender: does Postfix, at the level MTA-STS enforcement maps to, deliver to
    // the first MX? Our MX verdict must agree.
    if let Some(delivers) = e.sender_delivers {
        let host = c.mx_name.replace("{d}", &domain);
        let (verified, text) = mail::posttls_finger(&world.ca_file, &world.mx_ip(c), &[&host]);
        if verified != delivers {
            diffs.push(format!(
                "posttls-finger -l secure: verified={verified} (expected {delivers}):\n{text}"
            ));
        }
        // Only the TLS verdict is compared: posttls-finger knows nothing of the policy's
        // `mx` patterns.
        // With a second address, only the findings about the first (they name it) count.
        let first = format!("[{}]", world.mx_ip(c));
        let ours_fails = findings(&report).any(|f| {
            f["severity"] == "error"
                && f["code"].as_str().is_some_and(|c| c.starts_with("mx_tls."))
                && f["subject"] == host.as_str()
                && (c.second_mx.is_none()
                    || f["message"].as_str().is_some_and(|m| m.contains(&first)))
        });
        if ours_fails == verified && matches!(c.mx, Mx::Postfix(..) | Mx::Exim(..) | Mx::NoStarttls)
        {
            diffs.push(format!(
                "we say the TLS of {host} {} but posttls-finger {}",
                if ours_fails { "fails" } else { "passes" },
                if verified { "verifies it" } else { "does not" }
            ));
        }
    }
    diffs.extend(dane_reference(world, c, &report));
    diffs.extend(every_address(world, c, &report));
    diffs.extend(against_reference(world, c, &report));
    if !diffs.is_empty() {
        diffs.push(format!("findings:\n{}", messages(&report)));
    }
    diffs
}

/// DANE: Postfix's client at the `dane` level (it looks up the TLSA records itself, through
/// the validating resolver) must verify the MX exactly when we find no DANE error for it, and
/// our DANE verdict for the host must be the one the case expects.
fn dane_reference(world: &World, c: &Case, report: &Value) -> Vec<String> {
    let Some(tlsa) = c.tlsa else {
        return vec![];
    };
    let host = c.mx_name.replace("{d}", &c.domain());
    let ns = dns::UNBOUND.split(':').next().unwrap_or(dns::UNBOUND);
    let (verified, text) = mail::posttls_finger_dane(world.dir(), ns, &world.ca_file, &c.domain());
    let dane_error = findings(report).any(|f| {
        f["severity"] == "error"
            && f["code"].as_str().is_some_and(|c| c.starts_with("dane."))
            && f["subject"] == host.as_str()
    });
    let mut diffs = Vec::new();
    if verified == dane_error {
        diffs.push(format!(
            "posttls-finger -l dane {} {host}, but we {} a DANE error:\n{text}",
            if verified {
                "verifies"
            } else {
                "does not verify"
            },
            if dane_error { "report" } else { "report no" }
        ));
    }
    let want = match tlsa {
        Tlsa::EeMatch | Tlsa::TaMatch => "dane.match",
        Tlsa::EeMismatch => "dane.mismatch",
    };
    let row = report["mx"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["host"] == host.as_str());
    if row.map(|m| &m["dane"]) != Some(&Value::from(want)) {
        diffs.push(format!(
            "the MX row of {host} says DANE {:?}, expected {want}",
            row.map(|m| &m["dane"])
        ));
    }
    diffs
}

/// Every address of the MX host: Postfix's client (`-l secure`) against each must verify
/// exactly the addresses our per-address rows do not mark red.
fn every_address(world: &World, c: &Case, report: &Value) -> Vec<String> {
    if c.second_mx.is_none() {
        return vec![];
    }
    let host = c.mx_name.replace("{d}", &c.domain());
    let n = world
        .cases
        .iter()
        .position(|x| x.name == c.name)
        .unwrap_or(0)
        + 1;
    let rows: Vec<&Value> = report["mx"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["host"] == host.as_str())
        .flat_map(|m| m["addresses"].as_array().into_iter().flatten())
        .collect();
    let mut diffs = Vec::new();
    if rows.len() != 2 {
        diffs.push(format!(
            "{} address rows for {host}, expected 2",
            rows.len()
        ));
    }
    for ip in [world.mx_ip(c), dns::second_mx_ip(n)] {
        let (verified, text) = mail::posttls_finger(&world.ca_file, &ip, &[&host]);
        let ours = rows.iter().find(|r| r["ip"] == ip.as_str());
        let red = ours.is_some_and(|r| r["light"] == "red");
        if ours.is_none() {
            diffs.push(format!("no row for {host} [{ip}]"));
        } else if verified == red {
            diffs.push(format!(
                "posttls-finger -l secure {} {host} [{ip}], but its row is {}:\n{text}",
                if verified { "verifies" } else { "refuses" },
                ours.map(|r| r["light"].to_string()).unwrap_or_default()
            ));
        }
    }
    diffs
}

/// The policy we say strict senders apply: none when anything blocks it (no valid TXT record,
/// a failed fetch, an invalid policy), else the `id` and the parsed policy.
fn applied_policy(report: &Value) -> Option<Answer> {
    let blocked = report["enforce"]["blockers"]
        .as_array()
        .is_none_or(|b| !b.is_empty());
    let p = &report["policy"];
    if blocked || p.is_null() {
        return None;
    }
    Some(Answer::Valid {
        id: report["sts_record"]["id"].as_str()?.to_string(),
        mode: p["mode"].as_str()?.to_string(),
        max_age: p["max_age"].as_u64()?,
        mx: strings(&p["mx"])?,
    })
}

/// The policy we say postfix-mta-sts-resolver applies (`lenient` in the report).
fn lenient_policy(report: &Value) -> Option<Answer> {
    let p = &report["lenient"];
    Some(Answer::Valid {
        id: p["id"].as_str()?.to_string(),
        mode: p["mode"].as_str()?.to_string(),
        max_age: p["max_age"].as_u64()?,
        mx: strings(&p["mx"])?,
    })
}

fn strings(v: &Value) -> Option<Vec<String>> {
    Some(
        v.as_array()?
            .iter()
            .filter_map(|m| m.as_str().map(String::from))
            .collect(),
    )
}

/// The reference resolvers (`postfix-mta-sts-resolver`, what Postfix senders with MTA-STS
/// use) must apply exactly what our lenient reading says, except for a known divergence of TLS
/// clients that our own finding names; the strict and lenient readings differ exactly where the
/// case says, with `policy.read_differently`; and Postfix, handed what the resolver hands it,
/// must deliver to the first MX exactly when we do not list that host as failing.
fn against_reference(world: &World, c: &Case, report: &Value) -> Vec<String> {
    let strict = applied_policy(report);
    let lenient = lenient_policy(report);
    let says_so = codes(report).iter().any(|x| x == "policy.read_differently");
    let mut diffs = Vec::new();
    match c.expect.reference {
        Reference::Agrees | Reference::GetsNone { .. } if strict != lenient || says_so => {
            diffs.push(format!(
                "strict senders apply {strict:?} and lenient ones {lenient:?}; expected the same{}",
                if says_so { " (and policy.read_differently says otherwise)" } else { "" }
            ))
        }
        Reference::ReadsDifferently if strict == lenient || !says_so => diffs.push(format!(
            "expected the readings to differ, with policy.read_differently: strict {strict:?}, lenient {lenient:?}"
        )),
        _ => {}
    }
    for client in Client::ALL {
        let (theirs, log) = match ask(world, client, &c.domain()) {
            Ok(r) => (r.answer, r.log),
            Err(e) => {
                diffs.push(e);
                continue;
            }
        };
        let name = client.name();
        match c.expect.reference {
            Reference::GetsNone {
                client: diverging,
                code,
                because,
            } if diverging == client => {
                if strict.is_none() {
                    diffs.push(format!(
                        "we say senders get no policy; the known divergence ({because}) expects one"
                    ));
                }
                if theirs.is_policy() {
                    diffs.push(format!(
                        "{name} applies {theirs:?}: the known divergence ({because}) is gone, \
                         and {code} says otherwise"
                    ));
                }
                if !codes(report).iter().any(|x| x == code) {
                    diffs.push(format!(
                        "{name} gets no policy ({because}) but no {code} finding tells the user"
                    ));
                }
            }
            _ => match (&lenient, &theirs) {
                (Some(a), b) if a == b => {}
                (None, b) if !b.is_policy() => {}
                (ours, b) => diffs.push(format!(
                    "our lenient reading is {ours:?} but {name} applies {b:?}:\n{log}"
                )),
            },
        }
        if client == Client::Debian {
            diffs.extend(postfix_enforcing(world, c, report, &theirs));
        }
    }
    diffs
}

/// When the resolver hands Postfix an enforced policy (`secure match=` its mx values, `*.`
/// turned into `.`), Postfix's own client must verify the first MX exactly when we do not say
/// mail to it bounces.
fn postfix_enforcing(world: &World, c: &Case, report: &Value, theirs: &Answer) -> Vec<String> {
    let Answer::Valid { mode, mx, .. } = theirs else {
        return vec![];
    };
    if mode != "enforce" || !matches!(c.mx, Mx::Postfix(..) | Mx::Exim(..) | Mx::NoStarttls) {
        return vec![];
    }
    let host = c.mx_name.replace("{d}", &c.domain());
    let matches: Vec<&str> = mx.iter().map(|m| m.trim_start_matches('*')).collect();
    let (verified, text) = mail::posttls_finger(&world.ca_file, &world.mx_ip(c), &matches);
    // A host that fails only for DANE senders is not refused by Postfix enforcing MTA-STS
    // alone (dane_reference judges that part).
    let only_dane = findings(report)
        .filter(|f| f["severity"] == "error" && f["subject"] == host.as_str())
        .all(|f| f["code"].as_str().is_some_and(|c| c.starts_with("dane.")));
    let listed = report["enforce"]["failing_mx"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["host"] == host.as_str());
    // With a second address, posttls-finger tries the first: its own row decides.
    let first_red = report["mx"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["addresses"].as_array().into_iter().flatten())
        .any(|a| a["ip"] == world.mx_ip(c).as_str() && a["light"] == "red");
    let failing = if c.second_mx.is_some() {
        first_red
    } else {
        !only_dane && listed
    };
    if verified == failing {
        return vec![format!(
            "Postfix enforcing match={} {} {host}, but we {} it as failing:\n{text}",
            matches.join(":"),
            if verified { "verifies" } else { "refuses" },
            if failing { "list" } else { "do not list" }
        )];
    }
    vec![]
}

fn ask(world: &World, client: Client, domain: &str) -> Result<resolver::Reference, String> {
    let ns = dns::UNBOUND.split(':').next().unwrap_or(dns::UNBOUND);
    resolver::query(client, world.dir(), ns, &world.ca_file, domain)
}

/// The expectations assume what each reference's Python offers by default; a machine where
/// that differs must say so instead of reporting wrong divergences.
fn reference_clients_are_as_expected(world: &World) -> Vec<String> {
    let mut out = Vec::new();
    for client in Client::ALL {
        match ask(world, client, "good.test") {
            Ok(r) if r.sha1_cbc != client.expects_sha1_cbc() => out.push(format!(
                "{} ({} {}) {} the SHA-1 CBC suites by default; the cases expect the opposite",
                client.name(),
                client.python().display(),
                r.version,
                if r.sha1_cbc {
                    "offers"
                } else {
                    "does not offer"
                }
            )),
            Ok(_) => {}
            Err(e) => out.push(e),
        }
    }
    out
}

#[test]
fn verdicts_agree_with_real_servers_postfix_and_an_mta_sts_resolver() {
    let world = World::start().unwrap_or_else(|e| panic!("interop world: {e}"));
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = world
            .cases
            .iter()
            .map(|c| (c, s.spawn(|| judge(&world, c))))
            .collect();
        handles
            .into_iter()
            .filter_map(|(c, h)| {
                let diffs = h
                    .join()
                    .unwrap_or_else(|_| vec!["the check panicked".into()]);
                (!diffs.is_empty()).then(|| format!("{}:\n  {}", c.domain(), diffs.join("\n  ")))
            })
            .collect()
    });
    let mut failures = failures;
    failures.extend(reference_clients_are_as_expected(&world));
    failures.extend(non_recursive_resolver_is_named(&world));
    assert!(
        failures.is_empty(),
        "{} of {} interop cases disagree:\n{}",
        failures.len(),
        world.cases.len(),
        failures.join("\n")
    );
}

/// RFC 8461 §8.2 lets `_mta-sts` be a CNAME into another zone. An authoritative-only server
/// given as `--resolver` (Knot here, RA=0) answers the CNAME and nothing else, which once made
/// the domain look "not deployed". It must be named as the cause, and nothing called absent.
fn non_recursive_resolver_is_named(world: &World) -> Vec<String> {
    let report = match check(world, &world.authoritative, "cname.test") {
        Ok(r) => r,
        Err(e) => return vec![e],
    };
    let mut diffs = Vec::new();
    let text = messages(&report);
    if !text.contains("RA=0") {
        diffs.push("no finding names the non-recursive resolver (RA=0)".to_string());
    }
    for wrong in ["not_deployed", "no_mail", "no_such_domain"] {
        if report["enforce"]["readiness"] == wrong {
            diffs.push(format!(
                "readiness {wrong} from an authoritative-only resolver"
            ));
        }
    }
    if ["green", "grey"].contains(&report["overall"].as_str().unwrap_or("")) {
        diffs.push(format!(
            "overall {} from an authoritative-only resolver",
            report["overall"]
        ));
    }
    if diffs.is_empty() {
        return diffs;
    }
    vec![format!(
        "cname.test via {} (Knot, RA=0): overall {}, readiness {}:\n  {}\n{text}",
        world.authoritative,
        report["overall"],
        report["enforce"]["readiness"],
        diffs.join("\n  ")
    )]
}
