//! `mtasts check DOMAIN`: the full live check from a terminal. Exit status: 0 green or grey,
//! 1 amber, 2 red, 3 when the check itself could not run or is incomplete (a deciding part
//! was not tested and nothing tested is broken: the same rule as the page's "incomplete").
//! With `--batch`, many domains (see [`super::batch`]).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use mtasts_core::domain;
use mtasts_core::report::{Light, Readiness, Report};

use super::batch;
use super::net::NetArgs;
use super::print_json;
use super::render::{self, safe, BOLD, DIM, GREEN, RED, YELLOW};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The mail domain (what follows @ in your addresses); URLs and addresses are accepted.
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub domain: Option<String>,
    /// Check every domain listed in FILE, one per line (- reads standard input; blank lines
    /// and # comments are skipped)
    #[arg(long, value_name = "FILE|-")]
    pub batch: Option<PathBuf>,
    /// With --batch: how many domains are checked at once [default: 8, lowered to fit the
    /// open-file limit]
    #[arg(long, value_name = "N", requires = "batch", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// With --batch: write CSV, one row per domain (lights per section, readiness, codes)
    #[arg(long, requires = "batch")]
    pub csv: bool,
    #[command(flatten)]
    pub net: NetArgs,
}

/// Exit status when the check could not run.
pub const CANNOT_RUN: u8 = 3;

pub fn run(args: &CheckArgs, json: bool) -> u8 {
    // clap's `requires` is skipped for an argument that conflicts with the one required
    // (clap-rs/clap#4520), so the batch-only options are checked here.
    if args.batch.is_none() && (args.csv || args.concurrency.is_some()) {
        eprintln!("mtasts: --csv and --concurrency go with --batch FILE (one domain per line); for one domain, use --json or neither");
        return CANNOT_RUN;
    }
    if args.csv && json {
        eprintln!("mtasts: --csv and --json each choose the output; give one of them");
        return CANNOT_RUN;
    }
    let d = match (&args.batch, &args.domain) {
        (Some(_), _) => None,
        (None, Some(input)) => match domain::normalize(input, domain::default_idna()) {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("mtasts: {}", render::safe(&e.to_string()));
                return CANNOT_RUN;
            }
        },
        (None, None) => {
            eprintln!("mtasts: give a DOMAIN, or --batch FILE");
            return CANNOT_RUN;
        }
    };
    let cfg = match args.net.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mtasts: {}", render::safe(&e.to_string()));
            return CANNOT_RUN;
        }
    };
    if args.net.allow_private_addresses {
        eprintln!("mtasts: WARNING: --allow-private-addresses is for tests and local demos only");
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mtasts: cannot start: {e}");
            return CANNOT_RUN;
        }
    };
    let Some(d) = d else {
        let format = match (json, args.csv) {
            (true, _) => batch::Format::JsonLines,
            (_, true) => batch::Format::Csv,
            _ => batch::Format::Human,
        };
        let list = args.batch.as_deref().unwrap_or(std::path::Path::new("-"));
        let concurrency = fit_concurrency(args.concurrency.map(usize::from));
        return batch::run(list, format, concurrency, cfg, &rt);
    };
    let now = mtasts::facts::unix_now();
    let gathered = rt.block_on(mtasts::gather::gather(&cfg, &d.ascii, now));
    let unreachable = |r: &mtasts_core::inputs::Lookup<mtasts_core::inputs::DnsAnswer<_>>| {
        matches!(
            r.done().map(|a| &a.result),
            Some(mtasts_core::inputs::DnsResult::<Vec<mtasts_core::TxtRecord>>::Unreachable(_))
        )
    };
    if unreachable(&gathered.inputs.sts_txt) && unreachable(&gathered.inputs.tlsrpt_txt) {
        eprintln!("mtasts: the DNS resolver could not be reached; nothing was checked (use --resolver IP)");
        return CANNOT_RUN;
    }
    let report = mtasts_core::check(&gathered.inputs);
    if json {
        if let Err(e) = print_json(&report) {
            eprintln!("mtasts: {}", render::safe(&e.to_string()));
            return CANNOT_RUN;
        }
    } else if let Err(e) = super::written(human(&report, &d.unicode)) {
        eprintln!("mtasts: {}", render::safe(&e.to_string()));
        return CANNOT_RUN;
    }
    exit_status(report.overall)
}

/// Checks at once for a batch: as asked (or the default), lowered so that their sockets take
/// at most half the open-file limit.
fn fit_concurrency(asked: Option<usize>) -> usize {
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let fits = (files / 2 / mtasts::config::SOCKETS_PER_CHECK).max(1) as usize;
    let want = asked.unwrap_or(batch::DEFAULT_CONCURRENCY);
    if want > fits {
        eprintln!("mtasts: note: the open-file limit is {files}: {fits} checks at once, not {want} (raise the limit to allow more)");
    }
    want.min(fits)
}

/// What senders meet at each MX address (`Report.mx`), one line per address.
fn mx_rows(w: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let width = report
        .mx
        .iter()
        .flat_map(|h| &h.addresses)
        .filter_map(|a| a.ip.map(|ip| ip.to_string().len()))
        .max()
        .unwrap_or(0)
        .max(12);
    for h in &report.mx {
        let pref = h
            .preference
            .map(|p| format!(" (preference {p})"))
            .unwrap_or_default();
        let dane = h
            .dane
            .map(|c| format!(" · DANE: {}", c.info().title))
            .unwrap_or_default();
        writeln!(w, "    {}{pref}{dane}", safe(&h.host))?;
        for a in &h.addresses {
            let s = style(a.light);
            let ip =
                a.ip.map_or_else(|| "(no address)".into(), |ip| ip.to_string());
            let mut facts: Vec<String> = Vec::new();
            if let Some(v) = &a.tls_version {
                facts.push(safe(v).into_owned());
            }
            if let Some(c) = &a.tls_cipher {
                facts.push(safe(c).into_owned());
            }
            match a.cert_days_left {
                Some(d) if d < 0 => facts.push(format!("certificate expired {} days ago", -d)),
                Some(d) => facts.push(format!("certificate valid {d} more days")),
                None => {}
            }
            if a.starttls == Some(false) {
                facts.push("no STARTTLS".into());
            }
            writeln!(
                w,
                "      {:<width$} {s}{} {:<14}{s:#} {DIM}{}{DIM:#}",
                ip,
                a.light.icon(),
                a.light.word(),
                facts.join(" · ")
            )?;
        }
    }
    Ok(())
}

/// The exit status for an overall light (the CLI contract in DESIGN.md).
pub fn exit_status(overall: Light) -> u8 {
    match overall {
        Light::Green | Light::Grey => 0,
        Light::Amber => 1,
        Light::Red => 2,
        Light::Untested | Light::Incomplete | Light::Pending => CANNOT_RUN,
    }
}

pub(super) fn style(l: Light) -> anstyle::Style {
    match l {
        Light::Green => GREEN,
        Light::Amber => YELLOW,
        Light::Red => RED,
        Light::Untested | Light::Incomplete => YELLOW,
        Light::Grey | Light::Pending => DIM,
    }
}

fn human(report: &Report, shown: &str) -> std::io::Result<()> {
    let mut w = anstream::stdout().lock();
    let s = style(report.overall);
    writeln!(
        w,
        "{BOLD}{}{BOLD:#}: {s}{} {}{s:#} — {}",
        safe(shown),
        report.overall.icon(),
        report.overall.word(),
        safe(&report.verdict)
    )?;
    writeln!(w)?;
    for sec in &report.sections {
        let s = style(sec.light);
        writeln!(
            w,
            "{s}{} {:<14}{s:#} {BOLD}{:<20}{BOLD:#} {}",
            sec.light.icon(),
            sec.light.word(),
            sec.title,
            safe(&sec.summary)
        )?;
        if let Some(note) = sec.counts_as_note() {
            writeln!(w, "  {DIM}{note}{DIM:#}")?;
        }
        for f in &sec.findings {
            render::finding(&mut w, f, None)?;
        }
        if sec.id == mtasts_core::report::SectionId::MxTls {
            mx_rows(&mut w, report)?;
        }
    }
    writeln!(w)?;
    let e = &report.enforce;
    let s = match e.readiness {
        Readiness::Enforced | Readiness::Ready => GREEN,
        Readiness::NotReady | Readiness::EnforcedFailing => RED,
        Readiness::Unknown => YELLOW,
        _ => DIM,
    };
    writeln!(
        w,
        "{BOLD}Ready to enforce?{BOLD:#} {s}{}{s:#}",
        safe(&e.message)
    )?;
    for m in &e.failing_mx {
        writeln!(
            w,
            "  {RED}✖{RED:#} {}: {}",
            safe(&m.host),
            safe(&m.reasons.join("; "))
        )?;
    }
    for m in &e.unconfirmed_mx {
        writeln!(
            w,
            "  {YELLOW}?{YELLOW:#} {}: {}",
            safe(&m.host),
            safe(&m.reasons.join("; "))
        )?;
    }
    if !report.complete {
        writeln!(
            w,
            "{YELLOW}Not every check could run, so this is not a result: run the check again.{YELLOW:#}"
        )?;
    }
    if let Some(ad) = report.dnssec {
        writeln!(
            w,
            "{DIM}DNSSEC: the _mta-sts answer was {}authenticated (AD bit){DIM:#}",
            if ad { "" } else { "not " }
        )?;
    }
    Ok(())
}
