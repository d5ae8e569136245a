//! Command-line definition and dispatch.
//!
//! Exit statuses (stable, scripts rely on them): `lint` 0 valid (warnings allowed) / 1 invalid;
//! `match` 0 matched / 1 not matched; every command 2 for a usage error or unreadable input,
//! with a message on stderr.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod batch;
pub mod check;
pub mod explain;
pub mod generate;
pub mod lint;
pub mod matching;
pub mod net;
pub mod render;
pub mod reports;
pub mod serve;
pub mod store_args;

/// Exit status: valid / matched / done.
pub const OK: u8 = 0;
/// Exit status: invalid / not matched.
pub const FAIL: u8 = 1;
/// Exit status: usage error or unreadable input.
pub const USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "mtasts",
    version,
    about = "Check, lint and generate MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) deployments",
    long_about = None,
    after_help = "Examples:\n  mtasts lint policy mta-sts.txt\n  curl -s https://mta-sts.example.com/.well-known/mta-sts.txt | mtasts lint policy -\n  mtasts lint sts-txt 'v=STSv1; id=20260101'\n  mtasts lint tlsrpt-report report.json.gz\n  mtasts match mx1.example.com '*.example.com'\n  mtasts generate --domain example.com --mx mx1.example.com --mode testing\n  mtasts explain policy.max_age.out_of_range"
)]
pub struct Cli {
    /// Print machine-readable JSON instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a policy file, TXT record set, TLS-RPT record or TLS-RPT report, offline.
    #[command(subcommand)]
    Lint(LintCommand),
    /// Does any policy mx PATTERN cover this MX HOST? (RFC 8461 §4.1)
    Match {
        /// The MX host name, as in the MX record.
        host: String,
        /// Policy mx patterns, e.g. mail.example.com or *.example.com.
        #[arg(required = true)]
        patterns: Vec<String>,
    },
    /// Generate the policy file and both TXT records for a domain.
    Generate(generate::GenerateArgs),
    /// Explain a finding code: what it means, why it matters, how to fix it.
    Explain(ExplainArgs),
    /// The full live check of a domain: DNS, the policy over HTTPS, STARTTLS on every MX.
    #[command(
        after_help = "Exit status: 0 green or not applicable, 1 amber, 2 red, 3 when the check could not run (a command line that cannot run, an unreadable list, an incomplete check). With --batch: the worst of all domains, where 2 comes before 3 and 3 before 1.\n\nExamples:\n  mtasts check example.com\n  mtasts check --json example.com\n  mtasts check --batch domains.txt --csv > results.csv"
    )]
    Check(check::CheckArgs),
    /// Run the proxy and the web app on one port (see --demo to try it with no internet).
    Serve(Box<serve::ServeArgs>),
    /// TLS-RPT reports in the store: import them from files, messages and mailboxes.
    #[command(subcommand)]
    Reports(reports::ReportsCommand),
}

#[derive(Debug, Subcommand)]
pub enum LintCommand {
    /// A policy file body (reads standard input with - or without FILE).
    Policy(InputArgs),
    /// The TXT record set at _mta-sts.DOMAIN: one argument per record (zero allowed).
    StsTxt(RecordArgs),
    /// The TXT record set at _smtp._tls.DOMAIN: one argument per record (zero allowed).
    TlsrptTxt(RecordArgs),
    /// A TLS-RPT aggregate report, JSON or gzip (reads standard input with - or without FILE).
    TlsrptReport(InputArgs),
}

#[derive(Debug, Args)]
pub struct InputArgs {
    pub file: Option<PathBuf>,
    /// Refuse input larger than this (and a report that decompresses to more); bytes, or with
    /// a K, M or G suffix (binary units)
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub max_input_size: u64,
}

/// "16M" → 16 MiB; "65536" → 65536 bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => {
            return Err(format!(
                "\"{s}\" is not a size: give bytes, or a number with K, M or G"
            ))
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("\"{s}\" is not a size: give bytes, or a number with K, M or G"))
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Each record as one argument. A record written in zone-file form with quoted strings
    /// ("v=STSv1; " "id=1", as dig prints it) is split into its strings.
    #[arg(allow_hyphen_values = true)]
    pub records: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code such as policy.max_age.out_of_range.
    #[arg(required_unless_present = "all")]
    pub code: Option<String>,
    /// Explain every code.
    #[arg(long)]
    pub all: bool,
    /// Print Markdown (the content of docs/findings.md).
    #[arg(long, requires = "all")]
    pub markdown: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModeArg {
    Enforce,
    Testing,
    None,
}

/// Runs a parsed command line and returns the exit status.
pub fn run(cli: Cli) -> u8 {
    let json = cli.json;
    let result = match cli.command {
        Command::Lint(cmd) => lint::run(cmd, json),
        Command::Match { host, patterns } => matching::run(&host, &patterns, json),
        Command::Generate(args) => generate::run(&args, json),
        Command::Explain(args) => explain::run(&args, json),
        Command::Check(args) => return check::run(&args, json),
        Command::Serve(args) => return serve::run(&args),
        Command::Reports(cmd) => return reports::run(cmd, json),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mtasts: {}", render::safe(&e.to_string()));
            USAGE
        }
    }
}

/// Reads a whole file, or standard input for `-` or no file, refusing more than `limit`
/// bytes while reading (`/dev/zero` is refused at the limit, not when memory runs out).
pub fn read_input(file: Option<&PathBuf>, limit: u64) -> Result<(String, Vec<u8>), String> {
    use std::io::IsTerminal;
    let (name, reader): (String, Box<dyn Read>) = match file {
        // Without a FILE on an interactive terminal, waiting for input looks like a hang.
        None if std::io::stdin().is_terminal() => {
            return Err(
                "no input: give a FILE, or - to type or paste the input (end with Ctrl-D)".into(),
            )
        }
        None => ("<stdin>".into(), Box::new(std::io::stdin())),
        Some(p) if p.as_os_str() == "-" => ("<stdin>".into(), Box::new(std::io::stdin())),
        Some(p) => (
            p.display().to_string(),
            Box::new(
                std::fs::File::open(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
            ),
        ),
    };
    let mut buf = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(format!(
            "{name} is larger than {} ({limit} bytes); this is no policy or report a sender would send; if it is, raise the limit with --max-input-size",
            size_words(limit)
        ));
    }
    Ok((name, buf))
}

/// "16 MiB", "64 KiB", "100 bytes".
pub fn size_words(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), String> {
    use std::io::Write;
    let s = serde_json::to_string_pretty(value).map_err(|e| format!("cannot encode JSON: {e}"))?;
    written(writeln!(std::io::stdout().lock(), "{s}"))
}

/// The outcome of writing output: a reader that went away (`| head`, a closed pipe) ends the
/// output quietly, as it does for other command-line tools; any other failure is reported.
pub fn written(r: std::io::Result<()>) -> Result<(), String> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write output: {e}"))
        }
        _ => Ok(()),
    }
}
