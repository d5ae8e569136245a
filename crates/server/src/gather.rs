//! Gathers every fact of a live check at once: both TXT lookups, the policy fetch and the MX
//! lookup with its STARTTLS probes all start together (the probes wait only for the MX
//! answer they need), and the core turns the facts into a report.

use mtasts_core::dane::HostTlsa;
use mtasts_core::inputs::{Inputs, Lookup};

use crate::config::FetchConfig;
use crate::facts::{MxTlsFacts, PolicyFacts};
use crate::{fetch, probe, rua};

/// Everything one check learnt.
pub struct Gathered {
    pub inputs: Inputs,
    pub policy: PolicyFacts,
    pub mx_tls: MxTlsFacts,
}

pub async fn gather(cfg: &FetchConfig, domain: &str, now: i64) -> Gathered {
    let (sts_name, draft_name) = (
        format!("_mta-sts.{domain}"),
        format!("_smtp-tlsrpt.{domain}"),
    );
    let (sts, draft, policy, mx_tls, rua) = tokio::join!(
        cfg.resolver.txt(&sts_name),
        cfg.resolver.txt(&draft_name),
        fetch::fetch_policy(cfg, domain),
        probe::probe_domain(cfg, domain),
        rua::check_domain(cfg, domain),
    );
    // DANE: the TLSA records of every MX host (they depend only on the MX answer).
    let mut hosts: Vec<&str> = Vec::new();
    for p in &mx_tls.probes {
        if !hosts.contains(&p.probe.host.as_str()) {
            hosts.push(&p.probe.host);
        }
    }
    let tlsa = futures_util::future::join_all(hosts.iter().map(|h| async move {
        HostTlsa {
            host: h.to_string(),
            answer: cfg.resolver.tlsa(h).await,
        }
    }))
    .await;
    let inputs = Inputs {
        domain: domain.to_string(),
        now: Some(now),
        sts_txt: Lookup::Done(sts),
        tlsrpt_txt: Lookup::Done(rua.record.clone()),
        mx: Lookup::Done(mx_tls.mx.clone()),
        policy: Lookup::Done(policy.fetch.clone()),
        mx_tls: Lookup::Done(mx_tls.probes.iter().map(|p| p.probe.clone()).collect()),
        tlsa: Lookup::Done(tlsa),
        rua: Lookup::Done(rua.checks.clone()),
        tlsrpt_draft_txt: Lookup::Done(draft),
    };
    Gathered {
        inputs,
        policy,
        mx_tls,
    }
}
