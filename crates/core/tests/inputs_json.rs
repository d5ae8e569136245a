//! The inputs' JSON: written by serde's derive, read by the hand-written impls in
//! `src/tagged.rs`. Every fixture and every variant of every tagged enum must read back as
//! the value that was written, and damaged input must be refused with a reason.

use mtasts_core::inputs::{
    DnsAnswer, DnsResult, FetchOutcome, Inputs, Lookup, MxProbe, PolicyFetch, ProbeOutcome,
    RuaCheck, RuaOutcome, TlsError,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let text = serde_json::to_string(v).expect("serialize");
    let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&back, v, "{text}");
    // Through a `Value` too, as the browser reads the proxy's answers.
    let value = serde_json::to_value(v).expect("to_value");
    let back: T = serde_json::from_value(value).expect("from_value");
    assert_eq!(&back, v);
}

/// Every variant: the match has no wildcard, so a new variant fails to compile here until it
/// is added (and to `src/tagged.rs`).
fn all_tls_errors() -> Vec<TlsError> {
    let v = vec![
        TlsError::Expired,
        TlsError::NotYetValid,
        TlsError::NameMismatch,
        TlsError::Untrusted("self-signed".into()),
        TlsError::ProtocolVersion,
        TlsError::Handshake("alert 40".into()),
    ];
    for e in &v {
        match e {
            TlsError::Expired
            | TlsError::NotYetValid
            | TlsError::NameMismatch
            | TlsError::Untrusted(_)
            | TlsError::ProtocolVersion
            | TlsError::Handshake(_) => {}
        }
    }
    v
}

fn all_dns<T: Clone>(records: T) -> Vec<DnsResult<T>> {
    let v = vec![
        DnsResult::Records(records),
        DnsResult::NoRecords,
        DnsResult::NxDomain,
        DnsResult::ServFail,
        DnsResult::Timeout,
        DnsResult::Unreachable("no route".into()),
        DnsResult::Error("REFUSED".into()),
    ];
    for r in &v {
        match r {
            DnsResult::Records(_)
            | DnsResult::NoRecords
            | DnsResult::NxDomain
            | DnsResult::ServFail
            | DnsResult::Timeout
            | DnsResult::Unreachable(_)
            | DnsResult::Error(_) => {}
        }
    }
    v
}

fn all_fetch() -> Vec<FetchOutcome> {
    let mut v = vec![
        FetchOutcome::Response,
        FetchOutcome::Refused("private address".into()),
        FetchOutcome::ConnectFailed("reset".into()),
        FetchOutcome::Timeout,
        FetchOutcome::Protocol("not HTTP".into()),
    ];
    v.extend(all_dns(()).into_iter().map(FetchOutcome::Dns));
    v.extend(all_tls_errors().into_iter().map(FetchOutcome::Tls));
    for f in &v {
        match f {
            FetchOutcome::Response
            | FetchOutcome::Dns(_)
            | FetchOutcome::Refused(_)
            | FetchOutcome::ConnectFailed(_)
            | FetchOutcome::Timeout
            | FetchOutcome::Tls(_)
            | FetchOutcome::Protocol(_) => {}
        }
    }
    v
}

fn all_probe() -> Vec<ProbeOutcome> {
    let mut v = vec![
        ProbeOutcome::Completed,
        ProbeOutcome::Refused("private".into()),
        ProbeOutcome::ConnectFailed("reset".into()),
        ProbeOutcome::Timeout,
        ProbeOutcome::NoGreeting,
        ProbeOutcome::Closed("after EHLO".into()),
        ProbeOutcome::Protocol("554".into()),
        ProbeOutcome::NotProbed("limit".into()),
    ];
    v.extend(all_dns(()).into_iter().map(ProbeOutcome::Dns));
    for p in &v {
        match p {
            ProbeOutcome::Completed
            | ProbeOutcome::Dns(_)
            | ProbeOutcome::Refused(_)
            | ProbeOutcome::ConnectFailed(_)
            | ProbeOutcome::Timeout
            | ProbeOutcome::NoGreeting
            | ProbeOutcome::Closed(_)
            | ProbeOutcome::Protocol(_)
            | ProbeOutcome::NotProbed(_) => {}
        }
    }
    v
}

fn all_rua() -> Vec<RuaOutcome> {
    let mx: DnsAnswer<Vec<mtasts_core::mx::MxRecord>> = serde_json::from_value(
        json!({ "result": { "kind": "records", "detail": [{ "preference": 10, "exchange": "mx.example.net" }] } }),
    )
    .expect("mx answer");
    let v = vec![
        RuaOutcome::Https(Box::new(PolicyFetch::ok("application/json", "{}"))),
        RuaOutcome::Mailto {
            domain: "example.net".into(),
            mx: mx.clone(),
            addresses: None,
        },
        RuaOutcome::Mailto {
            domain: "example.net".into(),
            mx: DnsAnswer::new(DnsResult::NoRecords),
            addresses: Some(DnsAnswer::new(DnsResult::Records(vec!["192.0.2.1"
                .parse()
                .expect("ip")]))),
        },
        RuaOutcome::NotChecked("port 8443".into()),
    ];
    for r in &v {
        match r {
            RuaOutcome::Https(_) | RuaOutcome::Mailto { .. } | RuaOutcome::NotChecked(_) => {}
        }
    }
    v
}

#[test]
fn every_variant_reads_back_as_written() {
    for e in all_tls_errors() {
        round_trip(&e);
    }
    for r in all_dns(vec!["v=STSv1; id=1".to_string()]) {
        round_trip(&r);
        round_trip(&DnsAnswer {
            result: r,
            authenticated: Some(true),
            cname_chain: vec!["a.example".into()],
        });
    }
    for f in all_fetch() {
        round_trip(&f);
        round_trip(&PolicyFetch::failed(f));
    }
    for p in all_probe() {
        round_trip(&p);
        let mut probe = MxProbe::good("mx.example.com", Default::default());
        probe.outcome = p;
        probe.tls_error = Some(TlsError::Handshake("x".into()));
        probe.chain = vec![vec![0x30, 0x82, 1, 2]];
        round_trip(&probe);
    }
    for r in all_rua() {
        round_trip(&RuaCheck {
            uri: "mailto:tls@example.net".into(),
            outcome: r,
        });
    }
    for l in [
        Lookup::Pending,
        Lookup::NotTested("proxy said 429".into()),
        Lookup::Done(vec![1u16, 2]),
    ] {
        round_trip(&l);
    }
}

/// Every check fixture (written by hand over the project's life, some before fields existed)
/// reads, and what it reads writes back to the same value.
#[test]
fn every_fixture_reads_back_as_written() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("fixture dir") {
        let p = e.expect("entry").path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !name.ends_with(".json") || name.ends_with(".expect.json") {
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        let inputs: Inputs =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        round_trip(&inputs);
        n += 1;
    }
    assert!(n >= 40, "only {n} fixtures");
}

#[test]
fn damaged_json_is_refused_with_a_reason() {
    let err = |v: serde_json::Value| -> String {
        serde_json::from_value::<Lookup<DnsAnswer<Vec<String>>>>(v)
            .expect_err("must be refused")
            .to_string()
    };
    assert!(err(json!({ "state": "finished" })).contains("unknown variant `finished`"));
    assert!(err(json!({ "value": 1 })).contains("missing field `state`"));
    assert!(err(json!({ "state": "done" })).contains("missing field `value`"));
    assert!(err(json!({ "state": 3 })).contains("must be a string"));
    assert!(err(json!(["done"])).contains("expected an object"));
    assert!(err(json!({ "state": "not_tested", "value": 5 })).contains("invalid type"));
    let e = err(json!({ "state": "done", "value": { "result": { "kind": "records" } } }));
    assert!(e.contains("missing field `detail`"), "{e}");
    let e = serde_json::from_value::<ProbeOutcome>(json!({ "kind": "exploded" }))
        .expect_err("unknown")
        .to_string();
    assert!(e.contains("expected one of"), "{e}");
    // Keys the reader does not know are ignored, as the derive does.
    let ok: TlsError =
        serde_json::from_value(json!({ "kind": "expired", "note": "x" })).expect("extra key");
    assert_eq!(ok, TlsError::Expired);
}
