//! One live check: every independent request starts at once (DoH for the TXT records and
//! the MX set, the proxy's policy fetch, MX probe and check of the TLS-RPT destinations); the
//! TLSA lookups (DANE) follow the MX answer, the only thing they depend on, and leave before
//! it is drawn. Each answer goes to `sink` the moment it lands. The future ends when every
//! answer is in, so the embed's `check()` can await it.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use mtasts_core::dane::HostTlsa;
use mtasts_core::inputs::{DnsAnswer, DnsResult};
use mtasts_core::mx::MxRecord;

use super::doh::{self, Resolver};
use super::proxy;
use crate::state::Action;

/// Where a check gets its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sources {
    /// The proxy's base URL.
    pub proxy: String,
    /// The DoH resolver the visitor chose (`?resolver=`, the `resolver` attribute); else the
    /// one the checker's server names. Never a built-in fallback.
    pub resolver: Option<String>,
    pub doh_json: bool,
    /// Skip the proxy's cache ("Re-check"): still bounded by its rate limit.
    pub fresh: bool,
}

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The MX host names of an MX answer (null MX left out, no trailing dot): what the TLSA
/// lookups ask about and what the generator is offered.
pub fn mx_hosts(answer: &DnsAnswer<Vec<MxRecord>>) -> Vec<String> {
    match &answer.result {
        DnsResult::Records(r) => r
            .iter()
            .filter(|m| !m.is_null())
            .map(|m| m.exchange.trim_end_matches('.').to_string())
            .collect(),
        _ => Vec::new(),
    }
}

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Runs futures concurrently until all are done (a tiny `join_all`, to keep the `futures`
/// crate out of the bundle).
async fn join_all(tasks: Vec<Task>) {
    let mut slots: Vec<Option<Task>> = tasks.into_iter().map(Some).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for slot in slots.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    pending = true;
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await
}

/// The resolver to ask: the one chosen, else the one the checker's server names; or why there
/// is none (nothing is then sent to any resolver).
async fn resolver(src: &Sources) -> Result<Resolver, String> {
    let url = match &src.resolver {
        Some(r) => r.clone(),
        None if proxy::is_passthrough(&src.proxy) => {
            return Err("no DNS resolver was chosen, and a pass-through proxy cannot name one: add ?resolver=URL (a DoH endpoint that sends CORS headers)".into())
        }
        None => proxy::resolver(&src.proxy).await.map_err(|why| {
            format!("no DNS resolver was chosen, and the proxy could not name one ({why}). Nothing was sent to any resolver: check the proxy address (?proxy=) or choose a DoH resolver with ?resolver=URL")
        })?,
    };
    Ok(Resolver {
        url,
        json: src.doh_json,
    })
}

/// Gathers everything for `domain` (A-label form) as run number `run`.
pub async fn gather(src: Sources, run: u32, domain: String, sink: Rc<dyn Fn(Action)>) {
    let fresh = src.fresh;
    let policy: Task = {
        let (sink, base, d) = (sink.clone(), src.proxy.clone(), domain.clone());
        Box::pin(async move {
            let r = if proxy::is_passthrough(&base) {
                proxy::policy_passthrough(&base, &d).await
            } else {
                proxy::policy(&base, &d, fresh).await
            };
            sink(Action::Policy(run, now_ms(), Box::new(r)));
        })
    };
    let probes: Task = {
        let (sink, base, d) = (sink.clone(), src.proxy.clone(), domain.clone());
        Box::pin(async move {
            let r = if proxy::is_passthrough(&base) {
                Err(proxy::Unavailable {
                    why: "a pass-through proxy cannot speak SMTP; use the checker's own proxy (mtasts serve) for the STARTTLS probes".into(),
                    retry_after: None,
                })
            } else {
                proxy::mx_tls(&base, &d, fresh).await
            };
            sink(Action::MxTls(run, now_ms(), r));
        })
    };
    let rua: Task = {
        let (sink, base, d) = (sink.clone(), src.proxy.clone(), domain.clone());
        Box::pin(async move {
            let r = if proxy::is_passthrough(&base) {
                Err(proxy::Unavailable {
                    why: "a pass-through proxy cannot check where reports go; use the checker's own proxy (mtasts serve)".into(),
                    retry_after: None,
                })
            } else {
                proxy::tlsrpt(&base, &d, fresh)
                    .await
                    .map(|(checks, _)| checks)
            };
            sink(Action::Rua(run, now_ms(), r));
        })
    };
    let dns: Task = Box::pin(async move {
        let doh = match resolver(&src).await {
            Ok(doh) => doh,
            Err(why) => return sink(Action::NoResolver(run, now_ms(), why)),
        };
        sink(Action::Resolver(run, doh.url.clone()));
        let sts: Task = {
            let (sink, doh, name) = (sink.clone(), doh.clone(), format!("_mta-sts.{domain}"));
            Box::pin(
                async move { sink(Action::StsTxt(run, now_ms(), doh::txt(&doh, &name).await)) },
            )
        };
        let rpt: Task = {
            let (sink, doh, name) = (sink.clone(), doh.clone(), format!("_smtp._tls.{domain}"));
            Box::pin(async move {
                sink(Action::TlsrptTxt(
                    run,
                    now_ms(),
                    doh::txt(&doh, &name).await,
                ))
            })
        };
        let draft: Task = {
            let (sink, doh, name) = (sink.clone(), doh.clone(), format!("_smtp-tlsrpt.{domain}"));
            Box::pin(async move {
                sink(Action::TlsrptDraftTxt(
                    run,
                    now_ms(),
                    doh::txt(&doh, &name).await,
                ))
            })
        };
        let mx: Task = Box::pin(async move {
            let mx = doh::mx(&doh, &domain).await;
            let hosts = mx_hosts(&mx);
            let tlsa: Vec<Task> = hosts
                .into_iter()
                .map(|host| {
                    let (sink, doh) = (sink.clone(), doh.clone());
                    Box::pin(async move {
                        let answer = doh::tlsa(&doh, &host).await;
                        sink(Action::Tlsa(run, HostTlsa { host, answer }));
                    }) as Task
                })
                .collect();
            // The TLSA queries leave before the MX answer is drawn: the first poll sends them
            // (each future runs to its `fetch` call), then the page takes its time.
            let mut tlsa = Box::pin(join_all(tlsa));
            let done = std::future::poll_fn(|cx| {
                std::task::Poll::Ready(tlsa.as_mut().poll(cx).is_ready())
            })
            .await;
            sink(Action::Mx(run, now_ms(), mx));
            if !done {
                tlsa.await;
            }
        });
        join_all(vec![sts, rpt, draft, mx]).await;
    });
    join_all(vec![policy, probes, rua, dns]).await;
}
