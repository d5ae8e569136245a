//! The app's one state and its reducer. Every answer carries the run it belongs to, so a late
//! answer from an earlier check never lands in the current one.

use std::rc::Rc;

use mtasts_core::domain::Domain;
use mtasts_core::inputs::{DnsAnswer, Inputs, Lookup, MxProbe, PolicyFetch};
use mtasts_core::mx::MxRecord;
use mtasts_core::{Report, TxtRecord};
use yew::Reducible;

use crate::history::{Recent, Tone};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub run: u32,
    pub domain: Option<Domain>,
    pub inputs: Inputs,
    pub report: Option<Report>,
    /// `performance.now()` at the start of the run, and at its last answer.
    pub started_ms: f64,
    pub last_ms: f64,
    /// A fresh policy id for the fix-it records of this run.
    pub fresh_id: String,
    /// TLSA answers for each MX host (`_25._tcp.<host>`), for the informational DANE note.
    pub dane: Vec<(String, DnsAnswer<usize>)>,
    /// What changed since this browser last checked the domain.
    pub changes: Vec<(Tone, String)>,
    /// Recent checks, newest first.
    pub recent: Vec<Recent>,
}

pub enum Action {
    Start {
        domain: Domain,
        now_ms: f64,
        epoch_s: i64,
    },
    StsTxt(u32, f64, DnsAnswer<Vec<TxtRecord>>),
    TlsrptTxt(u32, f64, DnsAnswer<Vec<TxtRecord>>),
    Mx(u32, f64, DnsAnswer<Vec<MxRecord>>),
    Policy(u32, f64, Result<PolicyFetch, String>),
    MxTls(u32, f64, Result<Vec<MxProbe>, String>),
    Dane(u32, String, DnsAnswer<usize>),
    /// The finished run was stored; what changed since the last check of the domain.
    Remembered(u32, Vec<(Tone, String)>, Vec<Recent>),
    /// The recent list changed outside a run (loaded or cleared).
    Recent(Vec<Recent>),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let (run, at) = match &action {
            Action::Start { .. } => (s.run + 1, 0.0),
            Action::StsTxt(r, t, _) | Action::TlsrptTxt(r, t, _) | Action::Mx(r, t, _) => (*r, *t),
            Action::Policy(r, t, _) | Action::MxTls(r, t, _) => (*r, *t),
            Action::Dane(r, _, _) | Action::Remembered(r, _, _) => (*r, 0.0),
            Action::Recent(_) => (s.run, 0.0),
        };
        if run != s.run && !matches!(action, Action::Start { .. }) {
            return self;
        }
        match action {
            Action::Start {
                domain,
                now_ms,
                epoch_s,
            } => {
                s.run = run;
                s.inputs = Inputs::new(&domain.ascii);
                s.inputs.now = Some(epoch_s);
                s.domain = Some(domain);
                s.started_ms = now_ms;
                s.last_ms = now_ms;
                s.fresh_id =
                    mtasts_core::generate::id_from_unix_time(u64::try_from(epoch_s).unwrap_or(0));
                s.dane.clear();
                s.changes.clear();
            }
            Action::Dane(_, host, a) => {
                s.dane.push((host, a));
                return Rc::new(s);
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
            Action::Mx(_, _, a) => s.inputs.mx = Lookup::Done(a),
            Action::Policy(_, _, r) => {
                s.inputs.policy = match r {
                    Ok(f) => Lookup::Done(f),
                    Err(why) => Lookup::NotTested(why),
                }
            }
            Action::MxTls(_, _, r) => {
                s.inputs.mx_tls = match r {
                    Ok(p) => Lookup::Done(p),
                    Err(why) => Lookup::NotTested(why),
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
