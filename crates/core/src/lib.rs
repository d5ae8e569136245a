//! `mtasts-core`: validation of MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) deployments.
//!
//! No I/O, no async, no platform dependencies: callers hand in what they fetched (TXT strings,
//! the HTTP status, headers and body of the policy fetch, certificate facts, the MX list, probe
//! results) and get back findings and a [`Report`]. The browser (wasm) and the native `mtasts`
//! binary are two ways of fetching the same inputs.
//!
//! Every validator keeps going after the first problem and returns every [`Finding`] it sees,
//! each with a stable [`Code`] documented in the [`catalog`].

#![forbid(unsafe_code)]

pub mod action;
pub mod catalog;
pub mod chain;
pub mod check;
pub mod content_encoding;
pub mod daily;
pub mod dane;
pub mod der;
pub mod divergence;
pub mod domain;
pub mod finding;
pub mod fix;
pub mod generate;
pub mod hostname;
#[cfg(feature = "gzip")]
mod inflate;
pub mod inputs;
pub mod json;
pub mod lenient;
pub mod lint;
#[cfg(feature = "mail")]
pub mod mail;
pub mod mx;
pub mod mx_hosts;
pub mod mx_list;
pub mod order;
pub mod policy;
pub mod readiness;
pub mod record;
pub mod report;
pub mod report_json;
pub mod rua;
pub mod snippets;
mod tagged;
pub mod tls;
pub mod tlsrpt;
mod txt;
pub mod verdict;

pub use catalog::Code;
pub use check::check;
pub use finding::{Finding, Location, Severity, Verdict};
pub use inputs::Inputs;
pub use report::{Light, Report};
pub use txt::{SetLint, TxtRecord};
