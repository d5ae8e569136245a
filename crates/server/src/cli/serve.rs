//! `mtasts serve`: the proxy and the built web app on one port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mtasts::api::ServeOptions;
use serde_json::json;

use super::net::NetArgs;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(
        long,
        value_name = "ADDR",
        env = "MTASTS_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// The built web app to serve
    #[arg(long, value_name = "DIR", env = "MTASTS_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Start the local test world inside the process and check its scenario domains (*.test),
    /// with no internet. DEMO DATA: nothing about real domains.
    #[arg(long)]
    pub demo: bool,
    /// Allowed CORS origin; repeatable [default: any origin]
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "MTASTS_CORS_ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// API requests per minute per client address
    #[arg(
        long,
        value_name = "N",
        env = "MTASTS_RATE_LIMIT",
        default_value_t = 30
    )]
    pub rate_limit: u32,
    /// Behind a reverse proxy that appends X-Forwarded-For: rate-limit by its last entry
    /// (do not use without such a proxy in front: clients could forge the header)
    #[arg(long, env = "MTASTS_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Checks of distinct domains running at once before new ones get 503 (requests for a
    /// domain already being checked wait on that check)
    #[arg(
        long,
        value_name = "N",
        env = "MTASTS_MAX_CONCURRENCY",
        default_value_t = 64
    )]
    pub max_concurrency: usize,
    /// API requests in flight at once from one client address before it gets 429 (its fair
    /// share, so one client cannot take every slot)
    #[arg(
        long,
        value_name = "N",
        env = "MTASTS_MAX_CONCURRENCY_PER_CLIENT",
        default_value_t = 8
    )]
    pub max_concurrency_per_client: usize,
    /// Seconds a result is reused for the same domain (0 disables the cache)
    #[arg(
        long,
        value_name = "SECONDS",
        env = "MTASTS_CACHE_TTL",
        default_value_t = 60
    )]
    pub cache_ttl: u64,
    /// The DoH resolver the web app uses unless its visitor picks another (`?resolver=`); the
    /// page names it in every report. In demo mode the demo world's resolver is used instead.
    #[arg(
        long = "doh",
        value_name = "URL",
        env = "MTASTS_DOH",
        default_value = "https://cloudflare-dns.com/dns-query"
    )]
    pub doh: String,
    /// Connections open at once (more are closed on arrival); lowered to fit the open-file limit
    #[arg(
        long,
        value_name = "N",
        env = "MTASTS_MAX_CONNECTIONS",
        default_value_t = 4096
    )]
    pub max_connections: usize,
    /// Connections open at once from one client address (not applied with
    /// --trust-forwarded-for, where every connection comes from the proxy in front)
    #[arg(
        long,
        value_name = "N",
        env = "MTASTS_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 64
    )]
    pub max_connections_per_client: usize,
    /// Seconds a client may take to send a request head, counted from when the connection
    /// opens or its previous response ends (so it also closes idle keep-alive connections)
    #[arg(
        long,
        value_name = "SECONDS",
        env = "MTASTS_HEADER_READ_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=600)
    )]
    pub header_read_timeout: u64,
    /// Log as JSON lines (structured logs) instead of text
    #[arg(long)]
    pub log_json: bool,
    #[command(flatten)]
    pub store: super::store_args::StoreArgs,
    /// A file holding an operator token (one line); repeatable. The console and every API
    /// that reads stored reports need one (Authorization: Bearer TOKEN); without any, they
    /// answer 401 to everyone
    #[arg(
        long = "admin-token-file",
        value_name = "FILE",
        env = "MTASTS_ADMIN_TOKEN_FILE",
        value_delimiter = ','
    )]
    pub admin_token_files: Vec<PathBuf>,
    /// Where senders POST TLS-RPT reports (the path of your rua=https://… address)
    #[arg(
        long,
        value_name = "PATH",
        env = "MTASTS_TLSRPT_PATH",
        default_value = "/tlsrpt"
    )]
    pub tlsrpt_path: String,
    /// The most bytes a posted report may have as sent
    #[arg(long, value_name = "BYTES", env = "MTASTS_TLSRPT_MAX_BODY", default_value_t = 1 << 20)]
    pub tlsrpt_max_body: usize,
    /// The most bytes a posted report may expand to once decompressed
    #[arg(long, value_name = "BYTES", env = "MTASTS_TLSRPT_MAX_SIZE", default_value_t = 16 << 20)]
    pub tlsrpt_max_size: u64,
    /// Keep only reports about this policy domain; repeatable [default: any domain]
    #[arg(
        long = "tlsrpt-domain",
        value_name = "DOMAIN",
        env = "MTASTS_TLSRPT_DOMAIN",
        value_delimiter = ','
    )]
    pub tlsrpt_domains: Vec<String>,
    /// Reports per minute accepted from one sending address
    #[arg(
        long,
        value_name = "N",
        env = "MTASTS_TLSRPT_RATE_LIMIT",
        default_value_t = 60
    )]
    pub tlsrpt_rate_limit: u32,
    #[command(flatten)]
    pub net: NetArgs,
}

pub fn run(args: &ServeArgs) -> u8 {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mtasts: cannot start: {e}");
            return 1;
        }
    };
    match rt.block_on(serve(args)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mtasts: {}", super::render::safe(&e.to_string()));
            1
        }
    }
}

async fn serve(args: &ServeArgs) -> Result<(), String> {
    let mut net = args.net.clone();
    let mut demo = None;
    let mut world = None;
    if args.demo {
        let scenarios = mtasts_testkit::catalogue();
        let w = mtasts_testkit::World::start(&scenarios)
            .await
            .map_err(|e| format!("cannot start the demo world: {e}"))?;
        net.resolvers = vec![w.dns];
        net.allow_private_addresses = true;
        net.policy_port = Some(w.https_port);
        net.smtp_port = Some(w.smtp_port);
        demo = Some(json!({
            "doh": format!("http://{}/dns-query", w.doh),
            "domains": scenarios.iter().map(|s| json!({"domain": s.domain(), "description": s.description})).collect::<Vec<_>>(),
        }));
        world = Some((w, scenarios));
    }
    let mut cfg = net.config()?;
    if let Some((w, _)) = &world {
        cfg.trust.add_pem(w.ca_pem())?;
    }
    let budget = file_budget(args);
    let opts = ServeOptions {
        cors_origins: args.cors_origins.clone(),
        rate_per_minute: args.rate_limit,
        trust_forwarded_for: args.trust_forwarded_for,
        max_concurrency: budget.max_checks,
        max_concurrency_per_client: args.max_concurrency_per_client,
        cache_ttl: Duration::from_secs(args.cache_ttl),
        resolver: demo
            .as_ref()
            .and_then(|d| d["doh"].as_str().map(String::from))
            .unwrap_or_else(|| args.doh.clone()),
        demo,
        ..ServeOptions::default()
    };
    // The operator side's store: in demo mode a throwaway file unless one is named.
    let demo_db = if args.demo && args.store.database.is_none() {
        Some(tempfile_dir()?)
    } else {
        None
    };
    let store_args = match &demo_db {
        Some(d) => super::store_args::StoreArgs {
            database: Some(format!("sqlite://{}", d.join("demo.db").display())),
        },
        None => args.store.clone(),
    };
    let store = store_args.open().await?;
    let mut tokens = mtasts::operator::Tokens::from_files(&args.admin_token_files)?;
    // Demo mode: a token made up for this run, printed in the console's link below, so the
    // demo's reports can be looked at without setting anything up.
    let demo_token = (args.demo && tokens.is_empty()).then(demo_token);
    if let Some(t) = &demo_token {
        tokens.add(t)?;
    }
    if args.demo {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let n = mtasts::demo_reports::fill(&store, now).await?;
        tracing::info!(reports = n, "demo reports stored");
    }
    if tokens.is_empty() {
        eprintln!("note: no --admin-token-file: stored reports can be received but not read");
    }
    let ingest = mtasts::ingest::IngestOptions {
        path: if args.tlsrpt_path.starts_with('/') {
            args.tlsrpt_path.clone()
        } else {
            format!("/{}", args.tlsrpt_path)
        },
        max_body: args.tlsrpt_max_body,
        max_decompressed: args.tlsrpt_max_size,
        domains: args
            .tlsrpt_domains
            .iter()
            .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
            .collect(),
        rate_per_minute: args.tlsrpt_rate_limit,
        trust_forwarded_for: args.trust_forwarded_for,
    };
    let app = mtasts::serve::router(cfg, &opts, &args.dist).merge(mtasts::ingest::router(
        store.clone(),
        tokens,
        ingest,
    ));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {}: {e} (choose another with --listen)",
                args.listen
            )
        })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if net.allow_private_addresses {
        eprintln!("╔══════════════════════════════════════════════════════════════════════╗");
        eprintln!("║ WARNING: private and loopback addresses are ALLOWED.                 ║");
        eprintln!("║ This server can reach your internal network: tests and demos only.   ║");
        eprintln!("╚══════════════════════════════════════════════════════════════════════╝");
    }
    if let Some((w, scenarios)) = &world {
        eprintln!(
            "DEMO MODE: a simulated world of {} domains on loopback (demo data, not the internet):",
            scenarios.len()
        );
        for s in scenarios.iter().take(8) {
            eprintln!("  {:<28} {}", s.domain(), s.description);
        }
        eprintln!(
            "  … and {} more (GET /api/v1/config lists them). DoH: http://{}/dns-query",
            scenarios.len().saturating_sub(8),
            w.doh
        );
    }
    if !args.dist.join("index.html").is_file() {
        eprintln!(
            "note: no web app in {} yet; serving a page that says how to build it",
            args.dist.display()
        );
    } else {
        // Brotli/gzip siblings for the build, once, without delaying the first request (the
        // files are served uncompressed until their siblings exist).
        let dist = args.dist.clone();
        tokio::task::spawn_blocking(move || match mtasts::precompress::dir(&dist) {
            Ok(s) if s.files > 0 => tracing::info!(
                files = s.files,
                raw = s.raw,
                brotli = s.brotli,
                "precompressed the web app"
            ),
            Ok(_) => {}
            Err(e) => eprintln!(
                "note: could not precompress {} ({e}); serving it uncompressed",
                dist.display()
            ),
        });
    }
    eprintln!("mtasts serve: listening on http://{addr}/  (Ctrl-C to stop)");
    eprintln!(
        "  try: curl 'http://{addr}/api/v1/policy?domain={}'",
        if world.is_some() {
            "enforce-good.test"
        } else {
            "example.com"
        }
    );
    if world.is_none() {
        eprintln!("  no internet here? run with --demo to check a simulated world of test domains");
    }
    eprintln!(
        "  TLS-RPT reports: POST http://{addr}{} (stored in {})",
        args.tlsrpt_path,
        super::store_args::redact(&store_args.url()?)
    );
    match &demo_token {
        Some(t) => eprintln!(
            "  operator console (demo reports of 30 days): http://{addr}/console/#token={t}"
        ),
        None if !args.admin_token_files.is_empty() => {
            eprintln!("  operator console: http://{addr}/console/ (asks for the operator token)")
        }
        None => {}
    }
    mtasts::serve::run(listener, app, connection_limits(args, &budget))
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    drop(world);
    if let Some(d) = demo_db {
        let _ = std::fs::remove_dir_all(d);
    }
    Ok(())
}

/// A token for one demo run (not secret beyond the run: it guards demo data).
fn demo_token() -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
        ^ u128::from(std::process::id()) << 64;
    format!("demo-{seed:032x}")
}

/// A new private directory under the system's temporary one.
fn tempfile_dir() -> Result<PathBuf, String> {
    let d = std::env::temp_dir().join(format!(
        "mtasts-demo-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    Ok(d)
}

/// What the open-file limit allows, once raised to its hard maximum: outbound sockets (a
/// check of a domain opens at most one per MX host probed and one for the policy, each twice
/// when the second TLS client retries) get at most half of the descriptors, lowering the checks
/// that may run at once to fit; connections get the rest, less a margin for files.
struct FileBudget {
    max_checks: usize,
    max_connections: usize,
}

fn file_budget(args: &ServeArgs) -> FileBudget {
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let per_check = mtasts::config::SOCKETS_PER_CHECK;
    let max_checks = (args.max_concurrency as u64)
        .min((files / 2 / per_check).max(1))
        .max(1);
    let outbound = max_checks * per_check;
    let max_connections =
        (args.max_connections as u64).min(files.saturating_sub(outbound + 64).max(16));
    if max_checks < args.max_concurrency as u64 || max_connections < args.max_connections as u64 {
        eprintln!(
            "note: the open-file limit is {files}: at most {max_checks} checks at once and {max_connections} connections (raise the limit to allow more)"
        );
    }
    FileBudget {
        max_checks: max_checks as usize,
        max_connections: max_connections as usize,
    }
}

/// The connection limits.
fn connection_limits(args: &ServeArgs, budget: &FileBudget) -> mtasts::connections::Limits {
    mtasts::connections::Limits {
        max_connections: budget.max_connections,
        per_client: (!args.trust_forwarded_for).then_some(args.max_connections_per_client),
        header_read_timeout: Duration::from_secs(args.header_read_timeout),
        ..mtasts::connections::Limits::default()
    }
}
