//! Everything outside the views: the network (doh, proxy), local files and storage.

pub mod dns_json;
pub mod dns_wire;
pub mod doh;
pub mod export;
pub mod file;
pub mod gather;
pub mod http;
pub mod operator_token;
pub mod proxy;
pub mod snapshot;
pub mod storage;
pub mod tools_module;
