//! Property tests: what the generator produces always validates, the displayed (canonical)
//! form of a parsed policy parses back to the same thing, matching follows RFC 8461 §4.1 for
//! arbitrary names, and no parser panics or points outside its input on arbitrary bytes.

use mtasts_core::generate::{self, Request};
use mtasts_core::inputs::Lookup;
use mtasts_core::lint;
use mtasts_core::mx::{self, MxPattern};
use mtasts_core::policy::{self, Mode};
use mtasts_core::{domain, record, report_json, tlsrpt, Inputs};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?"
}

fn domain_name() -> impl Strategy<Value = String> {
    (prop::collection::vec(label(), 1..3), "[a-z]{2,6}").prop_map(|(mut labels, tld)| {
        labels.push(tld);
        labels.join(".")
    })
}

fn mx_host() -> impl Strategy<Value = String> {
    (any::<bool>(), domain_name()).prop_map(|(wild, d)| if wild { format!("*.{d}") } else { d })
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Enforce), Just(Mode::Testing), Just(Mode::None)]
}

fn rua() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-z0-9._-]{1,12}", domain_name()).prop_map(|(l, d)| format!("mailto:{l}@{d}")),
        (domain_name(), "[a-z0-9/_-]{0,20}").prop_map(|(d, p)| format!("https://{d}/{p}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Generate, then lint: every generated artefact is valid and says what was asked.
    #[test]
    fn generated_deployments_validate(
        d in domain_name(),
        mx in prop::collection::vec(mx_host(), 1..6),
        mode in mode(),
        max_age in prop::option::of(0u64..=policy::MAX_AGE_LIMIT),
        rua in prop::collection::vec(rua(), 0..4),
        id in "[A-Za-z0-9]{1,32}",
    ) {
        let g = generate::generate(&Request { domain: d.clone(), mx: mx.clone(), mode, max_age, rua: rua.clone(), id: id.clone() })
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let p = policy::lint(g.policy.as_bytes());
        prop_assert!(p.valid, "{:?}\n{}", p.findings, g.policy);
        prop_assert_eq!(p.policy.mode, Some(mode));
        prop_assert_eq!(p.policy.max_age, Some(max_age.unwrap_or_else(|| generate::default_max_age(mode))));
        for host in &mx {
            prop_assert!(p.policy.mx.contains(host), "{} missing from {:?}", host, p.policy.mx);
        }
        let s = record::lint(std::slice::from_ref(&g.sts_record));
        prop_assert!(s.valid, "{:?}", s.findings);
        prop_assert_eq!(s.record.map(|r| r.id), Some(id));
        let t = tlsrpt::lint(std::slice::from_ref(&g.tlsrpt_record));
        prop_assert!(t.valid, "{:?}", t.findings);
        if !rua.is_empty() {
            prop_assert_eq!(t.record.map(|r| r.rua), Some(rua));
        }
        prop_assert!(g.sts_record.iter().chain(&g.tlsrpt_record).all(|s| s.len() <= 255));
    }

    /// A policy, however it was written (case, spacing, line ends, field order), displays to a
    /// canonical text that parses to the same policy and displays the same. Trailing dots on
    /// `mx` make it invalid (strict senders reject it), and the canonical text drops them.
    #[test]
    fn displayed_policy_is_stable(
        mx in prop::collection::vec(mx_host(), 1..5),
        mode in mode(),
        max_age in 0u64..=policy::MAX_AGE_LIMIT,
        upper in any::<bool>(),
        dots in any::<bool>(),
        crlf in any::<bool>(),
        spaces in 0usize..3,
        reverse in any::<bool>(),
    ) {
        let sp = " ".repeat(spaces);
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut lines = vec![format!("version:{sp}STSv1"), format!("mode:{sp}{}", mode.as_str()), format!("max_age:{sp}{max_age}")];
        for m in &mx {
            let m = if upper { m.to_uppercase() } else { m.clone() };
            lines.push(format!("mx:{sp}{m}{}", if dots { "." } else { "" }));
        }
        if reverse { lines.reverse(); }
        let body = lines.join(nl) + nl;
        let first = policy::lint(body.as_bytes());
        if dots {
            prop_assert!(!first.valid, "{body}");
            prop_assert!(
                first.findings.iter().all(|f| f.severity() != mtasts_core::Severity::Error
                    || f.code == mtasts_core::Code::PolicyMxTrailingDot),
                "{:?}\n{body}", first.findings
            );
        } else {
            prop_assert!(first.valid, "{:?}\n{body}", first.findings);
        }
        let shown = first.policy.to_text();
        let second = policy::lint(shown.as_bytes());
        prop_assert!(second.valid, "{:?}\n{shown}", second.findings);
        prop_assert_eq!(&second.policy, &first.policy);
        prop_assert_eq!(second.policy.to_text(), shown);
    }

    /// Patterns display to a form that parses back to the same pattern.
    #[test]
    fn pattern_display_round_trips(p in mx_host(), upper in any::<bool>()) {
        let written = if upper { p.to_uppercase() } else { p };
        let parsed = mx::parse_pattern(&written).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(mx::parse_pattern(&parsed.display()), Ok(parsed));
    }

    /// RFC 8461 §4.1: "*" matches exactly one whole left-most label, case-insensitively.
    #[test]
    fn wildcard_matches_exactly_one_label(base in domain_name(), l in label(), extra in label()) {
        let w = MxPattern { wildcard: true, base: base.clone() };
        let one = format!("{l}.{base}");
        prop_assert!(w.matches(&one));
        prop_assert!(w.matches(&one.to_uppercase()));
        let dotted = format!("{one}.");
        let two = format!("{extra}.{one}");
        prop_assert!(w.matches(&dotted));
        prop_assert!(!w.matches(&base));
        prop_assert!(!w.matches(&two));
        let exact = MxPattern { wildcard: false, base: base.clone() };
        prop_assert!(exact.matches(&base.to_uppercase()));
        prop_assert!(!exact.matches(&one));
    }

    /// Arbitrary bytes never panic a parser, and every location is inside the input.
    #[test]
    fn parsers_survive_arbitrary_input(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let p = policy::lint(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.split(['\n', '\r']).collect();
        for f in &p.findings {
            if let Some(l) = f.location {
                prop_assert!(l.line >= 1 && (l.line as usize) <= lines.len().max(1), "{f:?}");
                prop_assert!(l.column >= 1, "{f:?}");
            }
        }
        let _ = report_json::lint(&bytes);
        let _ = lint::text(lint::Kind::StsTxt, &bytes);
        let _ = lint::text(lint::Kind::TlsrptTxt, &bytes);
        let _ = domain::normalize(&text, &domain::AsciiOnly);
    }

    /// Arbitrary printable records: never a panic, and `valid` agrees with "no error findings".
    #[test]
    fn txt_validity_is_the_absence_of_errors(recs in prop::collection::vec("v=(STSv1|TLSRPTv1)[ ;]{0,2}[ -~]{0,60}", 0..3)) {
        let set: Vec<Vec<String>> = recs.iter().map(|r| vec![r.clone()]).collect();
        for out in [lint::sts_txt(&set), lint::tlsrpt_txt(&set)] {
            let errors = out.findings.iter().any(|f| f.severity() == mtasts_core::Severity::Error);
            prop_assert_eq!(out.valid, !errors, "{:?}", out.findings);
        }
    }
}

#[path = "support/light_rules.rs"]
mod light_rules;

/// Every check fixture's inputs, so the property below can mix the facts of different cases.
fn corpus_inputs() -> Vec<Inputs> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let mut out: Vec<Inputs> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_name()?.to_str()?.to_string();
            (name.ends_with(".json") && !name.ends_with(".expect.json")).then(|| {
                let bytes = std::fs::read(&p).expect("read fixture");
                serde_json::from_slice(&bytes).expect("inputs")
            })
        })
        .collect();
    out.sort_by(|a: &Inputs, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert!(out.len() >= 40, "only {} check fixtures", out.len());
    out
}

/// One fact taken from fixture `pick`, or replaced by pending / not tested.
fn one<T: Clone>(
    all: &[Inputs],
    pick: (usize, u8),
    get: impl Fn(&Inputs) -> &Lookup<T>,
) -> Lookup<T> {
    match pick.1 {
        0 => Lookup::Pending,
        1 => Lookup::NotTested("the proxy answered HTTP 429".into()),
        _ => get(&all[pick.0 % all.len()]).clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The light rules hold for any combination of facts the corpus knows: each of the eight
    /// lookups is taken from a different fixture, or left pending, or not tested.
    #[test]
    fn lights_never_reassure_more_than_their_findings(
        picks in prop::array::uniform8((0usize..1000, 0u8..8)),
    ) {
        thread_local!(static ALL: Vec<Inputs> = corpus_inputs());
        let inputs = ALL.with(|all| Inputs {
            domain: "example.com".into(),
            now: Some(1_795_000_000),
            sts_txt: one(all, picks[0], |i| &i.sts_txt),
            tlsrpt_txt: one(all, picks[1], |i| &i.tlsrpt_txt),
            mx: one(all, picks[2], |i| &i.mx),
            policy: one(all, picks[3], |i| &i.policy),
            mx_tls: one(all, picks[4], |i| &i.mx_tls),
            tlsa: one(all, picks[5], |i| &i.tlsa),
            rua: one(all, picks[6], |i| &i.rua),
            tlsrpt_draft_txt: one(all, picks[7], |i| &i.tlsrpt_draft_txt),
        });
        let report = mtasts_core::check(&inputs);
        let mut v = light_rules::violations(&report, &inputs);
        let waiting = [
            inputs.sts_txt.is_pending(),
            inputs.tlsrpt_txt.is_pending(),
            inputs.mx.is_pending(),
            inputs.policy.is_pending(),
            inputs.mx_tls.is_pending(),
            inputs.tlsa.is_pending(),
            inputs.rua.is_pending(),
            inputs.tlsrpt_draft_txt.is_pending(),
        ];
        if !waiting.contains(&true) && report.overall == mtasts_core::Light::Pending {
            v.push("every answer is in, but the report is still pending".into());
        }
        prop_assert!(v.is_empty(), "{v:?}\n{}", serde_json::to_string_pretty(&report).unwrap());
    }
}
