//! Settings shared by the proxy and the native check: where DNS goes, what TLS trusts, which
//! addresses may be reached, on which ports, and how long anything may take.

use std::time::Duration;

use crate::addr::AddressPolicy;
use crate::resolve::Resolver;
use crate::tls::Trust;

/// RFC 8461 §3.3: the policy is fetched from port 443 …
pub const HTTPS_PORT: u16 = 443;
/// … and MX hosts are reached on port 25 (RFC 5321 §4.5.4).
pub const SMTP_PORT: u16 = 25;
/// §3.3 suggests senders limit the policy body to 64 KiB.
pub const MAX_BODY: usize = 64 * 1024;
/// At most this many MX hosts are probed for one domain.
pub const MAX_MX_PROBES: usize = 10;

/// Sockets one check of a domain opens at most: the policy fetch, every probed address of
/// every MX host (each twice when the second TLS client retries), each checked TLS-RPT
/// destination, and DNS sockets for the lookups. What `serve` and `check --batch` fit to the
/// open-file limit.
pub const SOCKETS_PER_CHECK: u64 = {
    let addresses = (MAX_MX_PROBES * crate::probe::MAX_ADDRESSES_PER_HOST) as u64;
    (1 + addresses) * 2 + 2 * MAX_MX_PROBES as u64 + 8 + 2 * crate::rua::MAX_RUA as u64
};

#[derive(Clone)]
pub struct FetchConfig {
    pub resolver: Resolver,
    pub trust: Trust,
    pub addresses: AddressPolicy,
    /// Fixed in production; the test-only port options change them.
    pub https_port: u16,
    pub smtp_port: u16,
    pub connect_timeout: Duration,
    /// The whole fetch or probe of one host.
    pub total_timeout: Duration,
    /// The name this checker gives in EHLO.
    pub ehlo_name: String,
}

impl FetchConfig {
    pub fn new(
        resolver: Resolver,
        trust: Trust,
        addresses: AddressPolicy,
        timeout: Duration,
    ) -> Self {
        FetchConfig {
            resolver,
            trust,
            addresses,
            https_port: HTTPS_PORT,
            smtp_port: SMTP_PORT,
            connect_timeout: timeout.min(Duration::from_secs(10)),
            total_timeout: timeout,
            ehlo_name: "mtasts-checker.localhost".into(),
        }
    }
}
