//! Everything that talks to the network, apart from the views.

pub mod dns_wire;
pub mod doh;
pub mod http;
pub mod proxy;
