//! The `mtasts` binary's library: the proxy (`serve`), the native check (`check`), and the
//! pieces both use to gather facts (DNS, the policy fetch, the MX STARTTLS probe). The core
//! decides every verdict; this crate only fetches.

#![forbid(unsafe_code)]

pub mod addr;
pub mod api;
pub mod coalesce;
pub mod config;
pub mod connections;
pub mod demo_reports;
pub mod facts;
pub mod fetch;
pub mod gather;
pub mod imap;
pub mod import;
pub mod ingest;
pub mod limits;
pub mod operator;
pub mod precompress;
pub mod probe;
pub mod resolve;
pub mod rua;
pub mod serve;
pub mod smtp_reply;
pub mod static_files;
pub mod tls;
pub mod web;
