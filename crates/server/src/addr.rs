//! Which addresses the proxy may connect to. It must never become an SSRF tool: every address a
//! name resolves to is classified before any connection, and the proxy connects only to the
//! address it vetted (no second lookup).
//!
//! Classes follow the IANA special-purpose registries (RFC 6890 and successors). IPv6 forms
//! that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by the
//! address they embed; IPv4-mapped and -compatible forms are refused outright, as no real
//! AAAA record has them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused: its class, in words for the error message.
pub type Class = &'static str;

/// The proxy's rule for addresses.
#[derive(Clone, Copy, Debug, Default)]
pub struct AddressPolicy {
    /// Tests and demos only: allow loopback and private addresses. Unspecified, multicast and
    /// broadcast stay refused.
    pub allow_private: bool,
}

impl AddressPolicy {
    /// `Err(class)` when the proxy must not connect to `ip`.
    pub fn check(&self, ip: IpAddr) -> Result<(), Class> {
        match classify(ip) {
            None => Ok(()),
            Some(c)
                if self.allow_private
                    && !matches!(c, "unspecified" | "multicast" | "broadcast") =>
            {
                Ok(())
            }
            Some(c) => Err(c),
        }
    }

    /// The refusal message for `ip`, e.g. "refused: 10.1.2.3 is a private address".
    pub fn refusal(ip: IpAddr, class: Class) -> String {
        let article = if class.starts_with(['a', 'e', 'i', 'o', 'u', 'I']) {
            "an"
        } else {
            "a"
        };
        format!("refused: {ip} is {article} {class} address, not a public one")
    }
}

/// The special-purpose class of an address, or `None` for a public unicast address.
pub fn classify(ip: IpAddr) -> Option<Class> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn classify_v4(ip: Ipv4Addr) -> Option<Class> {
    const TABLE: &[([u8; 4], u32, Class)] = &[
        ([0, 0, 0, 0], 32, "unspecified"),
        ([0, 0, 0, 0], 8, "\"this network\""),
        ([10, 0, 0, 0], 8, "private"),
        ([100, 64, 0, 0], 10, "shared (carrier-grade NAT)"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([169, 254, 169, 254], 32, "cloud metadata (link-local)"),
        ([169, 254, 0, 0], 16, "link-local"),
        ([172, 16, 0, 0], 12, "private"),
        ([192, 0, 0, 0], 24, "IETF protocol assignment"),
        ([192, 0, 2, 0], 24, "documentation"),
        ([192, 88, 99, 0], 24, "deprecated 6to4 relay"),
        ([192, 168, 0, 0], 16, "private"),
        ([198, 18, 0, 0], 15, "benchmarking"),
        ([198, 51, 100, 0], 24, "documentation"),
        ([203, 0, 113, 0], 24, "documentation"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([255, 255, 255, 255], 32, "broadcast"),
        ([240, 0, 0, 0], 4, "reserved"),
    ];
    TABLE
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, c)| *c)
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    u128::from(ip) & mask == u128::from(net) & mask
}

fn embedded_v4(ip: Ipv6Addr) -> Ipv4Addr {
    let b = ip.octets();
    Ipv4Addr::new(b[12], b[13], b[14], b[15])
}

fn classify_v6(ip: Ipv6Addr) -> Option<Class> {
    let v6 = |s: &str| s.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::UNSPECIFIED);
    if ip == Ipv6Addr::UNSPECIFIED {
        return Some("unspecified");
    }
    if ip == Ipv6Addr::LOCALHOST {
        return Some("loopback");
    }
    if in_v6(ip, v6("::ffff:0:0"), 96) {
        return Some(match classify_v4(embedded_v4(ip)) {
            Some("loopback") => "IPv4-mapped loopback",
            Some("private") => "IPv4-mapped private",
            Some("cloud metadata (link-local)") => "IPv4-mapped cloud metadata",
            Some(_) => "IPv4-mapped special-purpose",
            None => "IPv4-mapped",
        });
    }
    if in_v6(ip, v6("::"), 96) {
        return Some("IPv4-compatible (deprecated)");
    }
    if in_v6(ip, v6("64:ff9b::"), 96) {
        return classify_v4(embedded_v4(ip)).map(|c| match c {
            "loopback" => "NAT64 form of a loopback",
            "private" => "NAT64 form of a private",
            "cloud metadata (link-local)" => "NAT64 form of the cloud metadata",
            _ => "NAT64 form of a special-purpose",
        });
    }
    if in_v6(ip, v6("2002::"), 16) {
        let o = ip.octets();
        let inner = Ipv4Addr::new(o[2], o[3], o[4], o[5]);
        return classify_v4(inner).map(|_| "6to4 form of a special-purpose");
    }
    const TABLE: &[(&str, u32, Class)] = &[
        ("64:ff9b:1::", 48, "local-use NAT64"),
        ("100::", 64, "discard-only"),
        ("2001:db8::", 32, "documentation"),
        ("3fff::", 20, "documentation"),
        ("2001::", 23, "IETF protocol assignment"),
        ("fc00::", 7, "unique local (ULA)"),
        ("fe80::", 10, "link-local"),
        ("fec0::", 10, "site-local (deprecated)"),
        ("ff00::", 8, "multicast"),
    ];
    if let Some((_, _, c)) = TABLE
        .iter()
        .find(|(net, prefix, _)| in_v6(ip, v6(net), *prefix))
    {
        return Some(c);
    }
    if !in_v6(ip, v6("2000::"), 3) {
        return Some("non-global (reserved)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_refused() {
        let refused = [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "169.254.1.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:a00:1::1",
            "100::1",
            "2001:db8::1",
            "3fff::1",
            "2001::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "4000::1",
        ];
        let policy = AddressPolicy::default();
        for a in refused {
            let ip: IpAddr = a.parse().unwrap();
            assert!(policy.check(ip).is_err(), "{a} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "2a00:1450::1",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(classify(a.parse().unwrap()), None, "{a}");
        }
        // Just outside the private and shared ranges.
        for a in [
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "11.0.0.0",
        ] {
            assert_eq!(classify(a.parse().unwrap()), None, "{a}");
        }
    }

    #[test]
    fn messages_name_the_class() {
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        let c = AddressPolicy::default().check(ip).unwrap_err();
        assert_eq!(
            AddressPolicy::refusal(ip, c),
            "refused: 10.1.2.3 is a private address, not a public one"
        );
        let ip: IpAddr = "169.254.169.254".parse().unwrap();
        assert!(AddressPolicy::refusal(ip, classify(ip).unwrap()).contains("cloud metadata"));
        let ip: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert!(AddressPolicy::refusal(ip, classify(ip).unwrap())
            .contains("is an IPv4-mapped private address"));
    }

    #[test]
    fn test_mode_allows_loopback_but_not_multicast() {
        let p = AddressPolicy {
            allow_private: true,
        };
        assert!(p.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(p.check("10.0.0.1".parse().unwrap()).is_ok());
        assert!(p.check("224.0.0.1".parse().unwrap()).is_err());
        assert!(p.check("0.0.0.0".parse().unwrap()).is_err());
        assert!(p.check("255.255.255.255".parse().unwrap()).is_err());
    }
}
