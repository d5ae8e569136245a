//! Walks the fixture corpus in `tests/fixtures/<kind>/`: each case is an input file and a
//! `<name>.expect.json` with the expected validity, the exact set of finding codes, and
//! parsed values (every key given must equal the parsed value; keys not given are not checked).
//!
//! Kinds: `policy` (raw bytes), `sts-txt` and `tlsrpt-txt` (a JSON list of records, each a
//! string or a list of character-strings), `tlsrpt-report` (JSON or gzip), `domain` (what a
//! person typed), `match` (host on the first line, patterns below), `check` (an `Inputs` JSON).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use mtasts_core::domain::{self, Idna};
use mtasts_core::lint::{self, LintOutput};
use mtasts_core::{check, mx, Inputs, TxtRecord};
use serde_json::Value;

#[path = "support/light_rules.rs"]
mod light_rules;

/// UTS #46 through the `idna` crate, so the domain cases run whatever features the core was
/// built with.
struct TestIdna;

impl Idna for TestIdna {
    fn to_ascii(&self, name: &str) -> Result<String, String> {
        idna::domain_to_ascii(name).map_err(|e| e.to_string())
    }

    fn to_unicode(&self, name: &str) -> String {
        idna::domain_to_unicode(name).0
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every case of one kind: (name, input path, expectation).
fn cases(kind: &str) -> Vec<(String, PathBuf, Value)> {
    let dir = fixtures().join(kind);
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(name) = file.strip_suffix(".expect.json") else {
            continue;
        };
        let input = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let f = p.file_name().unwrap().to_string_lossy();
                f.starts_with(&format!("{name}.")) && !f.ends_with(".expect.json")
            })
            .unwrap_or_else(|| panic!("{kind}/{name}: no input file"));
        let expect: Value = serde_json::from_slice(&fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{kind}/{name}.expect.json: {e}"));
        out.push((name.to_string(), input, expect));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no cases in {}", dir.display());
    out
}

fn records(path: &Path) -> Vec<TxtRecord> {
    let v: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| match r {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
            other => panic!("record must be a string or list: {other}"),
        })
        .collect()
}

/// Compares one lint output with its expectation; returns the differences.
fn compare(out: &LintOutput, expect: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    if Some(out.valid) != expect["valid"].as_bool() {
        diffs.push(format!(
            "valid: got {}, expected {}",
            out.valid, expect["valid"]
        ));
    }
    let got: BTreeSet<&str> = out.findings.iter().map(|f| f.code.as_str()).collect();
    let want: BTreeSet<&str> = expect["codes"]
        .as_array()
        .expect("codes list")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    if got != want {
        diffs.push(format!("codes: got {got:?}, expected {want:?}"));
    }
    let parsed = serde_json::to_value(&out.parsed).unwrap();
    if let Some(map) = expect.get("parsed").and_then(Value::as_object) {
        for (k, v) in map {
            if parsed.get(k) != Some(v) {
                diffs.push(format!(
                    "parsed.{k}: got {}, expected {v}",
                    parsed.get(k).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    // The output contract: every finding names a known code and severity; located findings
    // have 1-based positions.
    for f in &out.findings {
        if let Some(l) = f.location {
            if l.line == 0 || l.column == 0 {
                diffs.push(format!("{}: location {l:?} is not 1-based", f.code));
            }
        }
    }
    diffs
}

/// Runs `diff` on every case of `kind`; fails listing every case that differs.
fn walk(kind: &str, diff: impl Fn(&Path, &Value) -> Vec<String>) {
    let all = cases(kind);
    let failures: Vec<String> = all
        .iter()
        .filter_map(|(name, input, expect)| {
            let diffs = diff(input, expect);
            (!diffs.is_empty()).then(|| format!("{kind}/{name}:\n  {}", diffs.join("\n  ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

fn run_kind(kind: &str, lint_one: impl Fn(&Path) -> LintOutput) {
    walk(kind, |input, expect| compare(&lint_one(input), expect));
}

#[test]
fn corpus_policy() {
    run_kind("policy", |p| lint::policy(&fs::read(p).unwrap()));
}

#[test]
fn corpus_sts_txt() {
    run_kind("sts-txt", |p| lint::sts_txt(&records(p)));
}

#[test]
fn corpus_tlsrpt_txt() {
    run_kind("tlsrpt-txt", |p| lint::tlsrpt_txt(&records(p)));
}

#[test]
fn corpus_tlsrpt_report() {
    run_kind("tlsrpt-report", |p| {
        lint::tlsrpt_report(&fs::read(p).unwrap())
    });
}

#[test]
fn corpus_domain() {
    walk("domain", domain_case);
}

#[test]
fn corpus_match() {
    walk("match", match_case);
}

#[test]
fn corpus_check() {
    walk("check", check_case);
}

/// The corpus is the acceptance floor: at least 150 cases over all kinds.
#[test]
fn corpus_size() {
    let kinds = [
        "policy",
        "sts-txt",
        "tlsrpt-txt",
        "tlsrpt-report",
        "domain",
        "match",
        "check",
    ];
    let total: usize = kinds.iter().map(|k| cases(k).len()).sum();
    assert!(
        total >= 150,
        "the corpus has {total} cases; it should have at least 150"
    );
}

fn domain_case(input: &Path, expect: &Value) -> Vec<String> {
    let text = fs::read_to_string(input).unwrap();
    let got = match domain::normalize(&text, &TestIdna) {
        Ok(d) => serde_json::json!({ "ascii": d.ascii }),
        Err(e) => serde_json::json!({ "error": e.code().as_str() }),
    };
    if &got == expect {
        vec![]
    } else {
        vec![format!("got {got}, expected {expect}")]
    }
}

fn match_case(input: &Path, expect: &Value) -> Vec<String> {
    let text = fs::read_to_string(input).unwrap();
    let mut lines = text.lines();
    let host = lines.next().unwrap();
    let patterns: Vec<(String, mx::MxPattern)> = lines
        .map(|l| {
            (
                l.to_string(),
                mx::parse_pattern(l).unwrap_or_else(|e| panic!("{l}: {e:?}")),
            )
        })
        .collect();
    let hit = patterns.iter().find(|(_, p)| p.matches(host));
    let got = serde_json::json!({ "matched": hit.is_some(), "pattern": hit.map(|(raw, _)| raw) });
    if &got == expect {
        vec![]
    } else {
        vec![format!("got {got}, expected {expect}")]
    }
}

/// `check` cases: an `Inputs` JSON; the expectation gives the overall light, readiness, the
/// light of each section named, and the exact set of finding codes over all sections.
fn check_case(input: &Path, expect: &Value) -> Vec<String> {
    let inputs: Inputs = serde_json::from_slice(&fs::read(input).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let report = check(&inputs);
    let v = serde_json::to_value(&report).unwrap();
    let mut diffs = Vec::new();
    if v["overall"] != expect["overall"] {
        diffs.push(format!(
            "overall: got {}, expected {}",
            v["overall"], expect["overall"]
        ));
    }
    if let Some(r) = expect.get("readiness") {
        if &v["enforce"]["readiness"] != r {
            diffs.push(format!(
                "readiness: got {}, expected {r} ({})",
                v["enforce"]["readiness"], v["enforce"]["message"]
            ));
        }
    }
    if let Some(sections) = expect.get("sections").and_then(Value::as_object) {
        for (id, light) in sections {
            let got = v["sections"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == id.as_str());
            let got = got.map(|s| s["light"].clone()).unwrap_or(Value::Null);
            if &got != light {
                diffs.push(format!("section {id}: got {got}, expected {light}"));
            }
        }
    }
    let got: BTreeSet<&str> = report.findings().map(|f| f.code.as_str()).collect();
    let want: BTreeSet<&str> = expect["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    if got != want {
        diffs.push(format!("codes: got {got:?}, expected {want:?}"));
    }
    for (key, got) in [
        ("failing_mx", &report.enforce.failing_mx),
        ("unconfirmed_mx", &report.enforce.unconfirmed_mx),
    ] {
        if let Some(hosts) = expect.get(key).and_then(Value::as_array) {
            let got: Vec<&str> = got.iter().map(|f| f.host.as_str()).collect();
            let want: Vec<&str> = hosts.iter().map(|h| h.as_str().unwrap()).collect();
            if got != want {
                diffs.push(format!("{key}: got {got:?}, expected {want:?}"));
            }
        }
    }
    // "says": {code: words its message must contain}, for findings whose words depend on the
    // domain's state.
    if let Some(says) = expect.get("says").and_then(Value::as_object) {
        for (code, words) in says {
            let words = words.as_str().unwrap();
            let said: Vec<&str> = report
                .findings()
                .filter(|f| f.code.as_str() == code)
                .map(|f| f.message.as_str())
                .collect();
            if !said.iter().any(|m| m.contains(words)) {
                diffs.push(format!(
                    "{code}: expected a message with {words:?}, got {said:?}"
                ));
            }
        }
    }
    diffs.extend(light_rules::violations(&report, &inputs));
    diffs
}
