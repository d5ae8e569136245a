//! The operator console (`/console/`): TLS-RPT reports received by `mtasts serve`, per domain
//! and day, with the evidence for enforcing and each report's JSON and findings. Its own wasm
//! module (`src/bin/console.rs`): visitors of the checker never download it. It shares the
//! checker's components and styles; every API call carries the operator token.

pub mod api;
pub mod app;
pub mod report_detail;
pub mod token;
