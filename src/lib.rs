//! The MTA-STS checker in the browser. Verdicts come from `mtasts-core` compiled to wasm; DNS
//! comes from a DoH resolver, the policy fetch and MX probes from the proxy (`mtasts serve`).
//! Two entry points share this library: the standalone page (`src/main.rs`) and the embed
//! (`src/bin/embed.rs`, the `<mta-sts-check>` element and the `MtaSts` JS API).

pub mod app;
pub mod components;
pub mod config;
pub mod console;
pub mod history;
pub mod idna;
pub mod services;
pub mod state;
pub mod text;
