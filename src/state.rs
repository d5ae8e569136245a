//! The app's one state and its reducer. Every answer carries the run it belongs to, so a late
//! answer from an earlier check never lands in the current one.

use std::rc::Rc;

use mtasts_core::dane::HostTlsa;
use mtasts_core::domain::Domain;
use mtasts_core::inputs::{DnsAnswer, Inputs, Lookup, MxProbe, PolicyFetch, RuaCheck};
use mtasts_core::mx::MxRecord;
use mtasts_core::{Report, TxtRecord};
use yew::Reducible;

use crate::history::{Recent, Tone};
use crate::services::proxy::{Freshness, Unavailable};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub run: u32,
    pub domain: Option<Domain>,
    pub inputs: Inputs,
    pub report: Option<Report>,
    /// `performance.now()` at the start of the run, and at its last answer.
    pub started_ms: f64,
    pub last_ms: f64,
    /// TLSA answers that arrived so far (`_25._tcp.<host>`); `inputs.tlsa` is done once every
    /// MX host has one.
    pub tlsa: Vec<HostTlsa>,
    /// What changed since this browser last checked the domain.
    pub changes: Vec<(Tone, String)>,
    /// Recent checks, newest first.
    pub recent: Vec<Recent>,
    /// The DoH resolver this run asks.
    pub resolver: Option<String>,
    /// When the proxy gathered the policy fetch and the MX probes.
    pub policy_fresh: Option<Freshness>,
    pub mx_fresh: Option<Freshness>,
    /// The longest `Retry-After` the proxy asked for in this run, and when (`performance.now()`)
    /// it said so: the Retry button counts down from there.
    pub retry_after: Option<(u32, f64)>,
    /// A snapshot reopened read-only (from a link or a saved report): the inputs were gathered
    /// at `inputs.now`, nothing runs again.
    pub snapshot: bool,
}

pub enum Action {
    Start {
        domain: Domain,
        now_ms: f64,
        epoch_s: i64,
    },
    StsTxt(u32, f64, DnsAnswer<Vec<TxtRecord>>),
    TlsrptTxt(u32, f64, DnsAnswer<Vec<TxtRecord>>),
    /// The TXT records at the draft-era name `_smtp-tlsrpt.<domain>`.
    TlsrptDraftTxt(u32, f64, DnsAnswer<Vec<TxtRecord>>),
    /// The proxy's check of the TLS-RPT destinations.
    Rua(u32, f64, Result<Vec<RuaCheck>, Unavailable>),
    Mx(u32, f64, DnsAnswer<Vec<MxRecord>>),
    Policy(u32, f64, Box<Result<(PolicyFetch, Freshness), Unavailable>>),
    MxTls(u32, f64, Result<(Vec<MxProbe>, Freshness), Unavailable>),
    /// The DoH resolver this run asks.
    Resolver(u32, String),
    /// No resolver could be chosen: the DNS lookups are not tested, and say why.
    NoResolver(u32, f64, String),
    Tlsa(u32, HostTlsa),
    /// The finished run was stored; what changed since the last check of the domain.
    Remembered(u32, Vec<(Tone, String)>, Vec<Recent>),
    /// The recent list changed outside a run (loaded or cleared).
    Recent(Vec<Recent>),
    /// A snapshot's inputs, shown read-only as they were.
    Snapshot(Domain, Box<Inputs>),
}

impl State {
    /// A new run (a live check, or a snapshot shown as it was): the inputs it starts from, and
    /// nothing left of the run before.
    fn begin(&mut self, run: u32, domain: Domain, inputs: Inputs, at_ms: f64, snapshot: bool) {
        self.run = run;
        self.inputs = inputs;
        self.domain = Some(domain);
        self.started_ms = at_ms;
        self.last_ms = at_ms;
        self.tlsa.clear();
        self.changes.clear();
        self.resolver = None;
        self.policy_fresh = None;
        self.mx_fresh = None;
        self.retry_after = None;
        self.snapshot = snapshot;
    }

    /// A proxy answer that brought no facts: not tested, and the wait it asked for.
    fn unavailable<T>(&mut self, u: Unavailable, at: f64) -> Lookup<T> {
        if let Some(secs) = u.retry_after {
            if self.retry_after.is_none_or(|(s, _)| secs > s) {
                self.retry_after = Some((secs, at));
            }
        }
        Lookup::NotTested(u.why)
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let (run, at) = match &action {
            Action::Start { .. } | Action::Snapshot(..) => (s.run + 1, 0.0),
            Action::StsTxt(r, t, _) | Action::TlsrptTxt(r, t, _) | Action::Mx(r, t, _) => (*r, *t),
            Action::TlsrptDraftTxt(r, t, _) | Action::Rua(r, t, _) => (*r, *t),
            Action::Policy(r, t, _) | Action::MxTls(r, t, _) => (*r, *t),
            Action::NoResolver(r, t, _) => (*r, *t),
            Action::Tlsa(r, _) | Action::Remembered(r, _, _) => (*r, 0.0),
            Action::Resolver(r, _) => (*r, 0.0),
            Action::Recent(_) => (s.run, 0.0),
        };
        if run != s.run && !matches!(action, Action::Start { .. } | Action::Snapshot(..)) {
            return self;
        }
        match action {
            Action::Start {
                domain,
                now_ms,
                epoch_s,
            } => {
                let mut inputs = Inputs::new(&domain.ascii);
                inputs.now = Some(epoch_s);
                s.begin(run, domain, inputs, now_ms, false);
            }
            Action::Snapshot(domain, inputs) => s.begin(run, domain, *inputs, 0.0, true),
            Action::Resolver(_, url) => {
                s.resolver = Some(url);
                return Rc::new(s);
            }
            Action::NoResolver(_, _, why) => {
                s.inputs.sts_txt = Lookup::NotTested(why.clone());
                s.inputs.tlsrpt_txt = Lookup::NotTested(why.clone());
                s.inputs.tlsrpt_draft_txt = Lookup::NotTested(why.clone());
                s.inputs.mx = Lookup::NotTested(why.clone());
                s.inputs.tlsa = Lookup::NotTested(why);
            }
            Action::Tlsa(_, answer) => {
                s.tlsa.push(answer);
                let expected = s
                    .inputs
                    .mx
                    .done()
                    .map_or(usize::MAX, |a| crate::services::gather::mx_hosts(a).len());
                if s.tlsa.len() < expected {
                    return Rc::new(s);
                }
                s.inputs.tlsa = Lookup::Done(s.tlsa.clone());
            }
            Action::Remembered(_, changes, recent) => {
                s.changes = changes;
                s.recent = recent;
                return Rc::new(s);
            }
            Action::Recent(list) => {
                s.recent = list;
                return Rc::new(s);
            }
            Action::StsTxt(_, _, a) => s.inputs.sts_txt = Lookup::Done(a),
            Action::TlsrptTxt(_, _, a) => s.inputs.tlsrpt_txt = Lookup::Done(a),
            Action::TlsrptDraftTxt(_, _, a) => s.inputs.tlsrpt_draft_txt = Lookup::Done(a),
            Action::Rua(_, _, r) => {
                s.inputs.rua = match r {
                    Ok(checks) => Lookup::Done(checks),
                    Err(u) => s.unavailable(u, at),
                }
            }
            Action::Mx(_, _, a) => {
                // No MX host, or an MX lookup that failed: no TLSA lookup follows.
                let hosts = crate::services::gather::mx_hosts(&a);
                if hosts.is_empty() {
                    s.inputs.tlsa = match &a.result {
                        mtasts_core::inputs::DnsResult::Records(_)
                        | mtasts_core::inputs::DnsResult::NoRecords
                        | mtasts_core::inputs::DnsResult::NxDomain => Lookup::Done(Vec::new()),
                        _ => {
                            Lookup::NotTested("the MX lookup failed, so no MX host is known".into())
                        }
                    };
                }
                s.inputs.mx = Lookup::Done(a);
            }
            Action::Policy(_, _, r) => {
                s.inputs.policy = match *r {
                    Ok((f, fresh)) => {
                        s.policy_fresh = Some(fresh);
                        Lookup::Done(f)
                    }
                    Err(u) => s.unavailable(u, at),
                }
            }
            Action::MxTls(_, _, r) => {
                s.inputs.mx_tls = match r {
                    Ok((p, fresh)) => {
                        s.mx_fresh = Some(fresh);
                        Lookup::Done(p)
                    }
                    Err(u) => s.unavailable(u, at),
                }
            }
        }
        if at > 0.0 {
            s.last_ms = at;
        }
        s.report = Some(mtasts_core::check(&s.inputs));
        Rc::new(s)
    }
}
