//! `mtasts match HOST PATTERN...`: RFC 8461 §4.1 matching of one MX host.

use mtasts_core::{hostname, mx};
use serde_json::json;

use super::render::{safe, BOLD, GREEN, RED};
use super::{print_json, FAIL, OK};

pub fn run(host: &str, patterns: &[String], json: bool) -> Result<u8, String> {
    let host_name = host.strip_suffix('.').unwrap_or(host);
    hostname::check_ldh(host_name).map_err(|e| format!("\"{host}\" is not a host name: {e}"))?;
    let mut parsed = Vec::new();
    for p in patterns {
        let pattern = mx::parse_pattern(p).map_err(|e| format!("pattern {}", e.message(p)))?;
        parsed.push((p.as_str(), pattern));
    }
    let matched = parsed.iter().find(|(_, p)| p.matches(host));
    if json {
        print_json(&json!({
            "host": host,
            "matched": matched.is_some(),
            "pattern": matched.map(|(raw, _)| *raw),
        }))?;
    } else {
        use std::io::Write;
        let mut w = anstream::stdout().lock();
        let r = match matched {
            Some((raw, _)) => writeln!(
                w,
                "{GREEN}match{GREEN:#}: {BOLD}{}{BOLD:#} is covered by {}",
                safe(host),
                safe(raw)
            ),
            None => writeln!(
                w,
                "{RED}no match{RED:#}: {BOLD}{}{BOLD:#} is covered by none of {} (a * matches exactly one whole left-most label)",
                safe(host),
                safe(&patterns.join(", "))
            ),
        };
        super::written(r)?;
    }
    Ok(if matched.is_some() { OK } else { FAIL })
}
