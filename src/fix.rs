//! What the fix-it panel asks the generator for, from what a check found: keep what is right
//! in the published deployment, correct what is wrong. Pure, so it is tested natively.

use mtasts_core::generate::{self, Request};
use mtasts_core::inputs::{DnsResult, Inputs};
use mtasts_core::policy::{Mode, ENFORCE_MIN_MAX_AGE, MAX_AGE_LIMIT};
use mtasts_core::report::Readiness;
use mtasts_core::Report;

/// The generator request for this report, or why there is nothing to generate yet.
pub fn request(report: &Report, inputs: &Inputs, id: String) -> Result<Request, &'static str> {
    let mx_records = match inputs.mx.done().map(|a| &a.result) {
        None => return Err("waiting for the MX records"),
        Some(DnsResult::Records(r)) => r.clone(),
        Some(DnsResult::NoRecords | DnsResult::NxDomain) => Vec::new(),
        Some(_) => return Err("the MX records could not be looked up"),
    };
    if mx_records.iter().any(|r| r.is_null()) {
        return Err("the domain publishes a null MX: it accepts no mail, so it needs no policy");
    }
    if inputs.policy.is_pending() {
        return Err("waiting for the policy");
    }
    // Every MX must be covered: keep the published patterns that cover one, add the rest by name.
    let mut mx: Vec<String> = Vec::new();
    match &report.coverage {
        Some(c) => {
            for h in &c.hosts {
                let want = h.pattern.clone().unwrap_or_else(|| h.host.clone());
                if !mx.contains(&want) {
                    mx.push(want);
                }
            }
        }
        None if mx_records.is_empty() => mx.push(report.domain.clone()),
        None => {
            let mut sorted = mx_records;
            sorted.sort_by_key(|r| r.preference);
            for r in sorted {
                let h = r.exchange.trim_end_matches('.').to_ascii_lowercase();
                if !mx.contains(&h) {
                    mx.push(h);
                }
            }
        }
    }
    let current = report.policy.as_ref();
    let mode = match report.enforce.readiness {
        Readiness::Enforced | Readiness::EnforcedFailing | Readiness::Ready => Mode::Enforce,
        _ if current.and_then(|p| p.mode) == Some(Mode::Enforce) => Mode::Enforce,
        _ => Mode::Testing,
    };
    let max_age = current
        .and_then(|p| p.max_age)
        .filter(|a| *a <= MAX_AGE_LIMIT && (mode != Mode::Enforce || *a >= ENFORCE_MIN_MAX_AGE));
    let rua = report
        .tlsrpt_record
        .as_ref()
        .map(|r| r.rua.clone())
        .unwrap_or_default();
    Ok(Request {
        domain: report.domain.clone(),
        mx,
        mode,
        max_age: max_age.or(Some(generate::default_max_age(mode))),
        rua,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mtasts_core::inputs::{DnsAnswer, Lookup, PolicyFetch};
    use mtasts_core::mx::MxRecord;

    fn inputs(policy: &str, mx: &[&str]) -> Inputs {
        let mut i = Inputs::new("example.com");
        i.sts_txt = Lookup::Done(DnsAnswer::new(DnsResult::Records(vec![vec![
            "v=STSv1; id=1".into(),
        ]])));
        i.mx = Lookup::Done(DnsAnswer::new(DnsResult::Records(
            mx.iter()
                .enumerate()
                .map(|(n, h)| MxRecord::new(n as u16 * 10, *h))
                .collect(),
        )));
        i.policy = Lookup::Done(PolicyFetch::ok("text/plain", policy.as_bytes().to_vec()));
        i
    }

    #[test]
    fn an_uncovered_mx_is_added_and_the_covering_pattern_kept() {
        let i = inputs(
            "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n",
            &["mx1.example.com.", "mx.other.net."],
        );
        let r = mtasts_core::check(&i);
        let req = request(&r, &i, "2".into()).expect("a request");
        assert_eq!(req.mx, ["*.example.com", "mx.other.net"]);
        assert_eq!(req.mode, Mode::Enforce);
        // One day is too short for an enforced policy: the default (a week) replaces it.
        assert_eq!(req.max_age, Some(604_800));
        let g = generate::generate(&req).expect("generates");
        assert!(g.policy.contains("mx: mx.other.net\r\n"), "{}", g.policy);
    }

    #[test]
    fn no_policy_yet_gives_a_testing_policy_for_the_mx_hosts() {
        let mut i = inputs("", &["b.example.com.", "a.example.com."]);
        i.policy = Lookup::Done(PolicyFetch {
            status: Some(404),
            ..PolicyFetch::ok("text/plain", Vec::new())
        });
        let r = mtasts_core::check(&i);
        let req = request(&r, &i, "2".into()).expect("a request");
        assert_eq!(req.mode, Mode::Testing);
        assert_eq!(req.mx, ["b.example.com", "a.example.com"]);
    }

    #[test]
    fn null_mx_and_pending_answers_generate_nothing() {
        let i = inputs(
            "version: STSv1\nmode: testing\nmx: a\nmax_age: 86400\n",
            &["."],
        );
        assert!(request(&mtasts_core::check(&i), &i, "2".into()).is_err());
        let pending = Inputs::new("example.com");
        assert_eq!(
            request(&mtasts_core::check(&pending), &pending, "2".into()),
            Err("waiting for the MX records")
        );
    }
}
