//! The check model on arbitrary facts: every lookup pending, untested, failed or answered with
//! arbitrary records, bodies and probe outcomes. Never panics; the overall light is never
//! better than a deciding section; an incomplete check is never green.
#![no_main]
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mtasts_core::inputs::{
    CertFacts, DnsAnswer, DnsResult, Inputs, Lookup, MxProbe, PolicyFetch, ProbeOutcome, TlsError,
};
use mtasts_core::mx::MxRecord;
use mtasts_core::report::Light;

fn lookup<T>(u: &mut Unstructured, done: impl FnOnce(&mut Unstructured) -> Result<T>) -> Result<Lookup<T>> {
    Ok(match u.int_in_range(0..=5)? {
        0 => Lookup::Pending,
        1 => Lookup::NotTested("fuzz".into()),
        _ => Lookup::Done(done(u)?),
    })
}

fn dns<T>(u: &mut Unstructured, records: impl FnOnce(&mut Unstructured) -> Result<T>) -> Result<DnsAnswer<T>> {
    let result = match u.int_in_range(0..=7)? {
        0 => DnsResult::NoRecords,
        1 => DnsResult::NxDomain,
        2 => DnsResult::ServFail,
        3 => DnsResult::Timeout,
        4 => DnsResult::Unreachable("x".into()),
        _ => DnsResult::Records(records(u)?),
    };
    let mut a = DnsAnswer::new(result);
    a.authenticated = u.arbitrary()?;
    Ok(a)
}

fn txt(u: &mut Unstructured) -> Result<Vec<Vec<String>>> {
    let n = u.int_in_range(0..=3)?;
    (0..n).map(|_| Ok(vec![u.arbitrary::<String>()?])).collect()
}

fn inputs(u: &mut Unstructured) -> Result<Inputs> {
    let mut i = Inputs::new("example.com");
    i.now = Some(1_800_000_000);
    i.sts_txt = lookup(u, |u| dns(u, txt))?;
    i.tlsrpt_txt = lookup(u, |u| dns(u, txt))?;
    let hosts = ["mx1.example.com", "mx2.example.com", "."];
    i.mx = lookup(u, |u| {
        dns(u, |u| {
            let n = u.int_in_range(0..=3)?;
            (0..n)
                .map(|_| Ok(MxRecord::new(u.arbitrary()?, *u.choose(&hosts)?)))
                .collect()
        })
    })?;
    i.policy = lookup(u, |u| {
        let body: Vec<u8> = if u.arbitrary()? {
            b"version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.example.com\nmax_age: 86400\n".to_vec()
        } else {
            u.arbitrary()?
        };
        let mut f = PolicyFetch::ok(*u.choose(&["text/plain", "text/html"])?, body);
        f.status = Some(*u.choose(&[200u16, 301, 404])?);
        Ok(f)
    })?;
    i.mx_tls = lookup(u, |u| {
        let n = u.int_in_range(0..=3)?;
        (0..n)
            .map(|k| {
                let host = hosts[k % 2];
                let cert = CertFacts {
                    dns_names: vec![host.to_string()],
                    not_after: Some(u.int_in_range(1_700_000_000..=1_900_000_000)?),
                    ..CertFacts::default()
                };
                let mut p = MxProbe::good(host, cert);
                p.outcome = match u.int_in_range(0..=4)? {
                    0 => ProbeOutcome::Timeout,
                    1 => ProbeOutcome::NoGreeting,
                    2 => ProbeOutcome::Closed("x".into()),
                    _ => ProbeOutcome::Completed,
                };
                p.starttls = u.arbitrary()?;
                if u.arbitrary()? {
                    p.tls_error = Some(TlsError::Expired);
                }
                Ok(p)
            })
            .collect()
    })?;
    Ok(i)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(i) = inputs(&mut u) else {
        return;
    };
    let r = mtasts_core::check(&i);
    for s in &r.sections {
        if let Some(c) = s.counts_as {
            assert!(
                r.overall == Light::Pending || r.overall.concern() >= c.concern(),
                "overall {:?} better than {:?} ({:?})",
                r.overall,
                c,
                s.id
            );
        }
    }
    if !r.complete {
        assert_ne!(r.overall, Light::Green);
    }
});
