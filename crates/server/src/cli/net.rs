//! Options shared by `check` and `serve` (each also settable by an environment variable).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mtasts::addr::AddressPolicy;
use mtasts::config::FetchConfig;
use mtasts::resolve::Resolver;
use mtasts::tls::Trust;

/// `--ca-file`: shared by every command that makes TLS connections of its own.
#[derive(Debug, Clone, Args)]
pub struct TrustArgs {
    /// Extra trust anchors (PEM) added to the public roots; repeatable
    #[arg(
        long = "ca-file",
        value_name = "PEM",
        env = "MTASTS_CA_FILE",
        value_delimiter = ','
    )]
    pub ca_files: Vec<PathBuf>,
}

impl TrustArgs {
    /// The public roots plus the given files.
    pub fn trust(&self) -> Result<Trust, String> {
        Trust::new(&self.ca_files)
    }
}

#[derive(Debug, Clone, Args)]
pub struct NetArgs {
    /// DNS server for the native lookups, IP or IP:PORT; repeatable [default: the system's]
    #[arg(long = "resolver", value_name = "IP:PORT", env = "MTASTS_RESOLVER", value_delimiter = ',', value_parser = parse_resolver)]
    pub resolvers: Vec<SocketAddr>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// TESTS AND LOCAL DEMOS ONLY: let the proxy reach loopback and private addresses
    #[arg(long, env = "MTASTS_ALLOW_PRIVATE_ADDRESSES")]
    pub allow_private_addresses: bool,
    /// Seconds one policy fetch or one MX probe may take in all (1 to 3600)
    #[arg(
        long,
        value_name = "SECONDS",
        env = "MTASTS_TIMEOUT",
        default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub timeout: u64,
    /// TESTS ONLY: connect to policy hosts on this port instead of 443 (the test world's hosts
    /// share one unprivileged port). Fixed for the process; requests cannot change it.
    #[arg(long, value_name = "PORT", hide_short_help = true)]
    pub policy_port: Option<u16>,
    /// TESTS ONLY: connect to MX hosts on this port instead of 25
    #[arg(long, value_name = "PORT", hide_short_help = true)]
    pub smtp_port: Option<u16>,
}

fn parse_resolver(s: &str) -> Result<SocketAddr, String> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    s.trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("\"{s}\" is not an IP address or IP:PORT"))
}

impl NetArgs {
    pub fn config(&self) -> Result<FetchConfig, String> {
        if self.timeout == 0 {
            return Err("--timeout must be at least 1 second".into());
        }
        let timeout = Duration::from_secs(self.timeout);
        let resolver = if self.resolvers.is_empty() {
            let r = Resolver::system(timeout.min(Duration::from_secs(5)));
            if r.servers().is_empty() {
                return Err(
                    "no DNS resolver found in /etc/resolv.conf; give one with --resolver IP".into(),
                );
            }
            r
        } else {
            Resolver::new(self.resolvers.clone(), timeout.min(Duration::from_secs(5)))
        };
        let trust = self.trust.trust()?;
        let mut cfg = FetchConfig::new(
            resolver,
            trust,
            AddressPolicy {
                allow_private: self.allow_private_addresses,
            },
            timeout,
        );
        if let Some(p) = self.policy_port {
            cfg.https_port = p;
        }
        if let Some(p) = self.smtp_port {
            cfg.smtp_port = p;
        }
        Ok(cfg)
    }
}
