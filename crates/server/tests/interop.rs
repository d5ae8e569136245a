//! The interop suite: the real `mtasts` binary against real, independently written servers
//! (Knot, Unbound, nginx, Apache, Postfix from Debian, a PKI from `openssl`), and Postfix's own
//! client as the reference sender. See `crates/interop`.
//!
//! One test starts the world once and checks every case, so the servers start once and are
//! stopped at the end whatever happens; every mismatch is collected and reported together.

use std::process::Command;

use mtasts_interop::cases::{Case, Mx};
use mtasts_interop::{mail, World};
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
        let (verified, text) = mail::posttls_finger(&world.ca_file, &world.mx_ip(c), &host);
        if verified != delivers {
            diffs.push(format!(
                "posttls-finger -l secure: verified={verified} (expected {delivers}):\n{text}"
            ));
        }
        // Only the TLS verdict is compared: posttls-finger knows nothing of the policy's
        // `mx` patterns.
        let ours_fails = findings(&report).any(|f| {
            f["severity"] == "error"
                && f["code"].as_str().is_some_and(|c| c.starts_with("mx_tls."))
                && f["subject"] == host.as_str()
        });
        if ours_fails == verified && matches!(c.mx, Mx::Postfix(..) | Mx::NoStarttls) {
            diffs.push(format!(
                "we say the TLS of {host} {} but posttls-finger {}",
                if ours_fails { "fails" } else { "passes" },
                if verified { "verifies it" } else { "does not" }
            ));
        }
    }
    if !diffs.is_empty() {
        diffs.push(format!("findings:\n{}", messages(&report)));
    }
    diffs
}

#[test]
fn verdicts_agree_with_real_servers_and_postfix() {
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
