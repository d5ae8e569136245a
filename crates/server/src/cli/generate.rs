//! `mtasts generate`: the policy file and both TXT records for a domain.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use mtasts_core::domain;
use mtasts_core::generate::{self, Request};
use mtasts_core::policy::Mode;

use super::render::{self, BOLD, DIM};
use super::{print_json, ModeArg, OK};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The mail domain (the part after @ in your addresses).
    #[arg(long)]
    pub domain: String,
    /// An MX host name (or *.domain pattern) to allow; repeat for each MX.
    #[arg(long = "mx", value_name = "HOST")]
    pub mx: Vec<String>,
    /// Policy mode. Start with testing; enforce once TLS-RPT reports are clean.
    #[arg(long, value_enum, default_value = "testing")]
    pub mode: ModeArg,
    /// Seconds senders may cache the policy [default: 86400 for testing/none, 604800 for enforce].
    #[arg(long = "max-age", value_name = "SECONDS")]
    pub max_age: Option<u64>,
    /// Where TLS-RPT reports go (mailto: or https:); repeatable [default: mailto:tlsrpt@DOMAIN].
    #[arg(long = "rua", value_name = "URI")]
    pub rua: Vec<String>,
    /// The policy id [default: the current UTC time as YYYYMMDDhhmmss].
    #[arg(long)]
    pub id: Option<String>,
}

pub fn run(args: &GenerateArgs, json: bool) -> Result<u8, String> {
    let d = domain::normalize(&args.domain, domain::default_idna()).map_err(|e| e.to_string())?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let req = Request {
        domain: d.ascii.clone(),
        mx: args.mx.clone(),
        mode: match args.mode {
            ModeArg::Enforce => Mode::Enforce,
            ModeArg::Testing => Mode::Testing,
            ModeArg::None => Mode::None,
        },
        max_age: args.max_age,
        rua: args.rua.clone(),
        id: args
            .id
            .clone()
            .unwrap_or_else(|| generate::id_from_unix_time(now)),
    };
    let g = match generate::generate(&req) {
        Ok(g) => g,
        Err(errors) => {
            let list: Vec<String> = errors
                .iter()
                .map(|f| format!("  {}: {}", f.code, f.message))
                .collect();
            return Err(format!("cannot generate:\n{}", list.join("\n")));
        }
    };
    if json {
        print_json(&g)?;
        return Ok(OK);
    }
    let quoted = |strings: &[String]| {
        strings
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut w = anstream::stdout().lock();
    let r = (|| -> std::io::Result<()> {
        writeln!(
            w,
            "{BOLD}1. Policy file{BOLD:#}, served as text/plain at {}",
            g.policy_url
        )?;
        writeln!(
            w,
            "{DIM}   (needs a certificate valid for {}; no redirects){DIM:#}",
            g.policy_host
        )?;
        for line in g.policy.lines() {
            writeln!(w, "   {line}")?;
        }
        writeln!(w)?;
        writeln!(w, "{BOLD}2. MTA-STS TXT record{BOLD:#}")?;
        writeln!(w, "   {}. IN TXT {}", g.sts_name, quoted(&g.sts_record))?;
        writeln!(w)?;
        writeln!(w, "{BOLD}3. TLS-RPT TXT record{BOLD:#}")?;
        writeln!(
            w,
            "   {}. IN TXT {}",
            g.tlsrpt_name,
            quoted(&g.tlsrpt_record)
        )?;
        writeln!(w)?;
        for note in &g.notes {
            writeln!(w, "{DIM}note:{DIM:#} {}", render::visible(note))?;
        }
        Ok(())
    })();
    super::written(r)?;
    Ok(OK)
}
