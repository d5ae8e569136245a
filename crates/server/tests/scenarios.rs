//! Every scenario of the testkit catalogue, end to end through the real `mtasts` binary:
//!
//! 1. `mtasts check --json DOMAIN` prints the expected overall light, section lights, finding
//!    codes, readiness and failing MX hosts;
//! 2. `mtasts serve`'s `/api/v1/policy` and `/api/v1/mx-tls` return the expected facts, and
//!    those facts, handed to the core the way the browser will (with TXT answers from DNS),
//!    reach the same verdict.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use common::{get, serve, subset, world_args};
use mtasts::resolve::Resolver;
use mtasts_core::dane::HostTlsa;
use mtasts_core::inputs::{Inputs, Lookup, MxProbe};
use mtasts_testkit::{catalogue, Scenario, World};
use serde_json::Value;

/// The fetch and probe timeout given to the binary: the slow scenarios must hit it.
const TIMEOUT: u64 = 3;

fn compare_report(report: &Value, expect: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    if report["overall"] != expect["overall"] {
        diffs.push(format!(
            "overall: got {} ({}), expected {}",
            report["overall"], report["verdict"], expect["overall"]
        ));
    }
    if let Some(r) = expect.get("readiness") {
        if &report["enforce"]["readiness"] != r {
            diffs.push(format!(
                "readiness: got {} ({}), expected {r}",
                report["enforce"]["readiness"], report["enforce"]["message"]
            ));
        }
    }
    if let Some(sections) = expect.get("sections").and_then(Value::as_object) {
        for (id, light) in sections {
            let got = report["sections"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["id"] == id.as_str()));
            let got = got.map(|s| s["light"].clone()).unwrap_or(Value::Null);
            if &got != light {
                diffs.push(format!("section {id}: got {got}, expected {light}"));
            }
        }
    }
    let got: BTreeSet<String> = report["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["findings"].as_array().into_iter().flatten())
        .filter_map(|f| f["code"].as_str().map(String::from))
        .collect();
    let want: BTreeSet<String> = expect["codes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(String::from))
        .collect();
    if got != want {
        diffs.push(format!("codes: got {got:?}, expected {want:?}"));
    }
    if let Some(rows) = expect.get("report_mx") {
        diffs.extend(subset(rows, &report["mx"], "mx"));
    }
    if let Some(h) = expect.get("policy_sha256") {
        if &report["policy_sha256"] != h {
            diffs.push(format!(
                "policy_sha256: got {}, expected {h}",
                report["policy_sha256"]
            ));
        }
    }
    for key in ["failing_mx", "unconfirmed_mx"] {
        if let Some(hosts) = expect.get(key) {
            let got: Vec<Value> = report["enforce"][key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| f["host"].clone())
                .collect();
            if &Value::Array(got.clone()) != hosts {
                diffs.push(format!("{key}: got {got:?}, expected {hosts}"));
            }
        }
    }
    diffs
}

async fn check_with_binary(args: Arc<Vec<String>>, s: &Scenario) -> Vec<String> {
    let out = tokio::process::Command::new(common::bin())
        .arg("check")
        .arg("--json")
        .args(args.iter())
        .arg(s.domain())
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("run mtasts check");
    let report: Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => {
            return vec![format!(
                "check printed no JSON ({e}); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )]
        }
    };
    let mut diffs = compare_report(&report, &s.expect);
    let want_exit = match report["overall"].as_str() {
        Some("green" | "grey") => 0,
        Some("amber") => 1,
        Some("red") => 2,
        _ => 3,
    };
    if out.status.code() != Some(want_exit) {
        diffs.push(format!(
            "exit status {:?}, expected {want_exit} for {}",
            out.status.code(),
            report["overall"]
        ));
    }
    diffs.into_iter().map(|d| format!("check: {d}")).collect()
}

async fn check_with_api(
    server: std::net::SocketAddr,
    resolver: &Resolver,
    s: &Scenario,
) -> Vec<String> {
    let domain = s.domain();
    let policy = get(server, &format!("/api/v1/policy?domain={domain}"), &[]).await;
    let mx = get(server, &format!("/api/v1/mx-tls?domain={domain}"), &[]).await;
    let rua = get(server, &format!("/api/v1/tlsrpt?domain={domain}"), &[]).await;
    if rua.status != 200 {
        return vec![format!("api: tlsrpt status {}", rua.status)];
    }
    let rua = rua.json();
    let mut diffs = Vec::new();
    if policy.status != 200 || mx.status != 200 {
        return vec![format!("api: status {} / {}", policy.status, mx.status)];
    }
    let (policy, mx) = (policy.json(), mx.json());
    if let Some(mut e) = s.expect.get("api_policy").cloned() {
        if let Some(n) = e.as_object_mut().and_then(|o| o.remove("addresses_count")) {
            let got = policy["addresses"].as_array().map_or(0, Vec::len);
            if Some(got as u64) != n.as_u64() {
                diffs.push(format!("api policy: {got} addresses, expected {n}"));
            }
        }
        if let Some(n) = e.as_object_mut().and_then(|o| o.remove("body_len")) {
            let got = policy["body_text"].as_str().map_or(0, str::len);
            if Some(got as u64) != n.as_u64() {
                diffs.push(format!("api policy: body of {got} bytes, expected {n}"));
            }
        }
        diffs.extend(
            subset(&e, &policy, "policy")
                .into_iter()
                .map(|d| format!("api {d}")),
        );
    }
    if let Some(e) = s.expect.get("api_mx") {
        diffs.extend(subset(e, &mx, "mx").into_iter().map(|d| format!("api {d}")));
    }
    // The browser's path: TXT from DNS, everything else from the proxy's facts.
    let probes: Vec<MxProbe> = serde_json::from_value(mx["probes"].clone())
        .expect("probes deserialize into the core's MxProbe");
    let mut hosts: Vec<String> = Vec::new();
    for p in &probes {
        if !hosts.contains(&p.host) {
            hosts.push(p.host.clone());
        }
    }
    let mut tlsa = Vec::new();
    for h in hosts {
        tlsa.push(HostTlsa {
            answer: resolver.tlsa(&h).await,
            host: h,
        });
    }
    let inputs = Inputs {
        domain: domain.clone(),
        now: Some(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64,
        ),
        sts_txt: Lookup::Done(resolver.txt(&format!("_mta-sts.{domain}")).await),
        tlsrpt_txt: Lookup::Done(resolver.txt(&format!("_smtp._tls.{domain}")).await),
        mx: Lookup::Done(serde_json::from_value(mx["mx"].clone()).expect("mx answer deserializes")),
        policy: Lookup::Done({
            let fetch: mtasts_core::inputs::PolicyFetch =
                serde_json::from_value(policy["fetch"].clone())
                    .expect("fetch deserializes into the core's PolicyFetch");
            // The proxy measures every fetch: the core judges its duration against the
            // sender that waits least (policy_fetch.slow).
            if fetch.elapsed_ms.is_none() {
                diffs.push(format!(
                    "api: the policy fetch carries no elapsed_ms: {}",
                    policy["fetch"]
                ));
            }
            fetch
        }),
        mx_tls: Lookup::Done(probes),
        tlsa: Lookup::Done(tlsa),
        rua: Lookup::Done(
            serde_json::from_value(rua["checks"].clone())
                .expect("rua checks deserialize into the core's RuaCheck"),
        ),
        tlsrpt_draft_txt: Lookup::Done(resolver.txt(&format!("_smtp-tlsrpt.{domain}")).await),
    };
    let report = serde_json::to_value(mtasts_core::check(&inputs)).unwrap();
    diffs.extend(
        compare_report(&report, &s.expect)
            .into_iter()
            .map(|d| format!("api→core: {d}")),
    );
    diffs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_end_to_end() {
    let scenarios = catalogue();
    assert!(
        scenarios.len() >= 30,
        "the catalogue has {} scenarios",
        scenarios.len()
    );
    let world = World::start(&scenarios)
        .await
        .expect("start the test world");
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let mut args = world_args(&world, &ca, TIMEOUT);
    args.push("--allow-private-addresses".into());
    let args = Arc::new(args);
    let mut serve_args = (*args).clone();
    serve_args.extend([
        "--rate-limit".into(),
        "100000".into(),
        "--cache-ttl".into(),
        "0".into(),
    ]);
    let server = serve(&serve_args).await;
    let resolver = Resolver::new(vec![world.dns], Duration::from_secs(2));

    // A few at a time: the slow scenarios each take the full timeout.
    let mut failures = Vec::new();
    for chunk in scenarios.chunks(8) {
        let runs = chunk.iter().map(|s| {
            let args = args.clone();
            let resolver = resolver.clone();
            let addr = server.addr;
            async move {
                let (a, b) = tokio::join!(
                    check_with_binary(args, s),
                    check_with_api(addr, &resolver, s)
                );
                (s.name.clone(), a.into_iter().chain(b).collect::<Vec<_>>())
            }
        });
        for (name, diffs) in futures_util::future::join_all(runs).await {
            if !diffs.is_empty() {
                failures.push(format!("{name}:\n  {}", diffs.join("\n  ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
    assert_eq!(world.mail_transactions(), 0, "a probe went past STARTTLS");
    // The green TLS-RPT endpoint was really asked, by the binary and by the proxy.
    assert!(
        world.connections("reports.tlsrpt-destinations-good.test") >= 2,
        "the https: report endpoint was not contacted"
    );
}
