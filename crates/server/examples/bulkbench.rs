//! Bulk bench for `mtasts check --batch`: starts a test world of N distinct domains (copies of
//! the enforce-good scenario: a DNSSEC-signed TXT record, a policy host, two MX hosts with
//! STARTTLS and a TLSA record, a TLS-RPT record whose mailto: domain is looked up), runs the
//! release binary over the list at several concurrencies and prints domains per second; then
//! a peer on the same hosts: Postfix's `posttls-finger` (one STARTTLS handshake per run,
//! serially), when it is installed.
//!
//! ```text
//! scripts/bench.sh            # builds in release and runs this
//! MTASTS_BULK_DOMAINS=500 target/release/examples/bulkbench
//! ```
//!
//! Numbers, never assertions: this is a command, not a test.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use mtasts_testkit::{copies, World};

fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("mtasts"))
        .expect("target dir")
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("MTASTS_BULK_DOMAINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let scenarios = copies("enforce-good", "bulk", n).expect("template scenario");
    let world = World::start(&scenarios).await.expect("world");
    let dir = std::env::temp_dir().join(format!("mtasts-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ca = world.write_ca(&dir).expect("ca");
    let list = dir.join("domains.txt");
    let mut f = std::fs::File::create(&list).expect("list");
    for s in &scenarios {
        writeln!(f, "{}", s.domain()).expect("write list");
    }
    drop(f);
    println!(
        "mtasts check --batch over {n} distinct domains of the test world (each: TXT, policy over HTTPS, 2 MX with STARTTLS, TLSA, TLS-RPT destination; on loopback)\n"
    );
    for concurrency in [1usize, 8, 32] {
        let started = Instant::now();
        let out = Command::new(binary())
            .args([
                "check",
                "--json",
                "--allow-private-addresses",
                "--timeout",
                "10",
            ])
            .arg("--batch")
            .arg(&list)
            .args(["--concurrency", &concurrency.to_string()])
            .args(["--resolver", &world.dns.to_string()])
            .arg("--ca-file")
            .arg(&ca)
            .args(["--policy-port", &world.https_port.to_string()])
            .args(["--smtp-port", &world.smtp_port.to_string()])
            .stderr(Stdio::null())
            .output();
        let secs = started.elapsed().as_secs_f64();
        let (lines, green) = match &out {
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stdout);
                (
                    text.lines().count(),
                    text.lines()
                        .filter(|l| l.contains("\"overall\":\"green\""))
                        .count(),
                )
            }
            Err(e) => {
                println!("cannot run {}: {e}", binary().display());
                return;
            }
        };
        println!(
            "  mtasts check --batch, {concurrency:>2} at once   {:>7.1} domains/s   ({lines} reports, {green} green, {secs:.2} s)",
            lines as f64 / secs
        );
    }
    // The peer: Postfix's own TLS client, one process and one STARTTLS handshake per MX host.
    let hosts: Vec<(String, String)> = scenarios
        .iter()
        .take(50)
        .filter_map(|s| {
            let host = format!("mx1.{}", s.domain());
            world.host_ip(&host).map(|ip| (host, ip.to_string()))
        })
        .collect();
    let started = Instant::now();
    let mut verified = 0;
    for (host, ip) in &hosts {
        let out = Command::new("posttls-finger")
            .args(["-c", "-l", "secure", "-F"])
            .arg(&ca)
            .arg(format!("[{ip}]:{}", world.smtp_port))
            .arg(host)
            .output();
        match out {
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stdout).into_owned()
                    + &String::from_utf8_lossy(&o.stderr);
                verified += usize::from(text.contains("Verified TLS connection established"));
            }
            Err(_) => {
                println!("  posttls-finger not installed (scripts/setup.sh installs postfix): no peer figure");
                let _ = std::fs::remove_dir_all(&dir);
                return;
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  peer: posttls-finger, serially      {:>7.1} MX hosts/s  ({} handshakes, {verified} verified; one STARTTLS each, no DNS, no policy)",
        hosts.len() as f64 / secs,
        hosts.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
