//! A local "world" for tests and `mtasts serve --demo`: DNS (UDP, TCP and DoH) from a
//! scenario catalogue, a test CA, HTTPS policy hosts and SMTP hosts, all on loopback.

pub mod ca;
pub mod dns;
pub mod doh;
pub mod https;
pub mod scenario;
pub mod smtp;
pub mod tlsrpt;
pub mod world;

pub use scenario::{catalogue, copies, hostile, Scenario};
pub use world::{Ports, World};
