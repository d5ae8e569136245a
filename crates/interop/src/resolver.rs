//! The reference MTA-STS resolvers: `postfix-mta-sts-resolver` (the policy source Postfix
//! senders use through `mta-sts-daemon`), asked for each domain of the world, twice:
//!
//! - [`Client::Debian`]: Debian's package (1.1.2) on Debian's `python3`, which Debian builds
//!   with `--with-ssl-default-suites=openssl`: OpenSSL's default cipher list, SHA-1 CBC included.
//! - [`Client::PyPi`]: the PyPI release (1.5.1, `crates/interop/reference-resolver.txt`) in a
//!   venv on a Python built with its own default list (3.10+: no SHA-1 MACs, no RSA key
//!   exchange), as a Python built from python.org's source with default options is.
//!
//! The two differ exactly where our findings say senders differ, and the test proves it.
//!
//! DNS goes through c-ares (`aiodns`), which reads `/etc/resolv.conf`; HTTPS through `aiohttp`
//! with Python's default TLS context, which trusts `SSL_CERT_FILE`. So each runs in a private
//! mount namespace (`unshare -m`) where `/etc/resolv.conf` names the world's validating
//! resolver, with `SSL_CERT_FILE` set to the world's root; nothing on the machine changes. The
//! driver calls the library's own `STSResolver.resolve` (what `mta-sts-query` and the daemon
//! call) and prints its answer as JSON instead of a Python repr.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Which build of the reference resolver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    Debian,
    PyPi,
}

impl Client {
    pub const ALL: [Client; 2] = [Client::Debian, Client::PyPi];

    /// The interpreter that runs it.
    pub fn python(self) -> PathBuf {
        match self {
            Client::Debian => "/usr/bin/python3".into(),
            Client::PyPi => std::env::var_os("MTASTS_PYRESOLVER")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/pyresolver")
                })
                .join("bin/python"),
        }
    }

    /// Whether this build's Python offers the SHA-1 CBC suites by default (what the world
    /// expects of it: Debian's does, a Python with its own default list does not).
    pub fn expects_sha1_cbc(self) -> bool {
        self == Client::Debian
    }

    pub fn name(self) -> &'static str {
        match self {
            Client::Debian => "postfix-mta-sts-resolver (Debian, python3 with OpenSSL's suites)",
            Client::PyPi => "postfix-mta-sts-resolver (PyPI, Python with its own default suites)",
        }
    }
}

/// What the resolver made of a domain (its `STSFetchResult`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `VALID`: the sender applies this policy.
    Valid {
        id: String,
        mode: String,
        max_age: u64,
        mx: Vec<String>,
    },
    /// `NONE`: the domain has no (usable) `_mta-sts` record, so no policy.
    NoPolicy,
    /// `FETCH_ERROR`: the record is there but the policy could not be fetched or is invalid;
    /// the sender has no policy to apply either.
    FetchError,
}

impl Answer {
    pub fn is_policy(&self) -> bool {
        matches!(self, Answer::Valid { .. })
    }
}

/// The answer, the build that gave it, and the resolver's own log (its reasons).
#[derive(Clone, Debug)]
pub struct Reference {
    pub answer: Answer,
    /// The library's version, as installed.
    pub version: String,
    /// Whether the interpreter's default TLS context offers `ECDHE-ECDSA-AES128-SHA`.
    pub sha1_cbc: bool,
    pub log: String,
}

const DRIVER: &str = r#"
import asyncio, importlib.metadata, json, logging, ssl, sys
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
from postfix_mta_sts_resolver.resolver import STSResolver
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
status, found = loop.run_until_complete(STSResolver(loop=loop).resolve(sys.argv[1]))
suites = [c["name"] for c in ssl.create_default_context().get_ciphers()]
out = {"result": status.name,
       "version": importlib.metadata.version("postfix_mta_sts_resolver"),
       "sha1_cbc": "ECDHE-ECDSA-AES128-SHA" in suites}
if found is not None:
    out["id"], out["policy"] = found
print(json.dumps(out))
"#;

/// The namespace's `resolv.conf` naming `nameserver`. Many queries run at once, so it is
/// written under a new name and renamed into place: a query never mounts a half-written file.
fn resolv_conf(dir: &Path, nameserver: &str) -> Result<PathBuf, String> {
    let path = dir.join(format!("reference-resolv-{nameserver}.conf"));
    let tmp = dir.join(format!(
        "reference-resolv-{nameserver}.{:?}.tmp",
        std::thread::current().id()
    ));
    std::fs::write(
        &tmp,
        format!("nameserver {nameserver}\noptions attempts:2\n"),
    )
    .and_then(|_| std::fs::rename(&tmp, &path))
    .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Asks `client` for `domain`'s policy, resolving through `nameserver` (an IP address, port
/// 53) and trusting only `ca_file`. `dir` holds the namespace's `resolv.conf`.
pub fn query(
    client: Client,
    dir: &Path,
    nameserver: &str,
    ca_file: &Path,
    domain: &str,
) -> Result<Reference, String> {
    let python = client.python();
    if !python.is_file() {
        return Err(format!(
            "{}: {} is missing (scripts/setup.sh installs it)",
            client.name(),
            python.display()
        ));
    }
    let resolv = resolv_conf(dir, nameserver)?;
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(r#"mount --bind "$1" /etc/resolv.conf && shift && exec "$@""#)
        .arg("sh")
        .arg(&resolv)
        .arg(&python)
        .args(["-c", DRIVER, domain])
        .env("SSL_CERT_FILE", ca_file)
        // The library honours proxy variables; none may send it elsewhere.
        .env_remove("https_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", client.name()))?;
    let log = String::from_utf8_lossy(&out.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).map_err(|e| {
        format!(
            "{} printed no answer for {domain} ({e}; exit {}): {stdout}\n{log}",
            client.name(),
            out.status
        )
    })?;
    let answer = match json["result"].as_str() {
        Some("VALID") => {
            let p = &json["policy"];
            Answer::Valid {
                id: json["id"].as_str().unwrap_or_default().to_string(),
                mode: p["mode"].as_str().unwrap_or_default().to_string(),
                max_age: p["max_age"].as_u64().unwrap_or_default(),
                mx: p["mx"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }
        Some("NONE") => Answer::NoPolicy,
        Some("FETCH_ERROR") => Answer::FetchError,
        other => {
            return Err(format!(
                "{}: unexpected result {other:?} for {domain}\n{log}",
                client.name()
            ))
        }
    };
    Ok(Reference {
        answer,
        version: json["version"].as_str().unwrap_or_default().to_string(),
        sha1_cbc: json["sha1_cbc"].as_bool().unwrap_or_default(),
        log,
    })
}
