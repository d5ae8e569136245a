//! Shared by the browser tests and the web bench: `mtasts serve --demo` with the built app,
//! and a headless Chromium session through chromedriver.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn artifacts() -> PathBuf {
    let dir = repo().join("test-artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// `mtasts serve --demo` on a free port, serving the built app.
pub async fn serve() -> (Child, String) {
    serve_with(repo().join("target/debug/mtasts")).await
}

/// `mtasts serve --demo` from this binary.
pub async fn serve_with(bin: PathBuf) -> (Child, String) {
    let dist = repo().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "no built app in {}: run scripts/test.sh",
        dist.display()
    );
    let mut child = Command::new(&bin)
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--timeout",
            "3",
            "--rate-limit",
            "100000",
        ])
        .arg("--dist")
        .arg(&dist)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e} (run scripts/test.sh)", bin.display()));
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if let Some(rest) = l.split("listening on ").nth(1) {
                return rest
                    .split_whitespace()
                    .next()
                    .map(|u| u.trim_end_matches('/').to_string());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("mtasts serve started");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

/// chromedriver on a free port and a headless Chromium session.
pub async fn browser() -> (Child, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver on PATH (scripts/setup.sh installs it)");
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update", "--disable-extensions",
                     "--no-first-run", "--window-size=1000,1400"]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let start = Instant::now();
    loop {
        let mut b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        b.capabilities(caps.clone());
        match b.connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(c) => return (driver, c),
            Err(e) if start.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no browser session: {e}"),
        }
    }
}

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
pub struct Cdp(pub &'static str, pub Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.0, "params": self.1 }).to_string()),
        )
    }
}

pub async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Value {
    c.issue_cmd(Cdp(cmd, params))
        .await
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
}

pub async fn wait_ready(c: &Client) {
    let start = Instant::now();
    while c.find(Locator::Css("html[data-ready]")).await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the app never became interactive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
