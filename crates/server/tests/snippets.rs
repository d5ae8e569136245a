//! The Fix-it server snippets (`mtasts_core::snippets`) work in the real servers they are for:
//! Debian's nginx and Apache start with the snippet as written (only the certificate paths, the
//! document root and the port changed for a temp dir), serve the policy file as `text/plain`
//! byte for byte, and answer the path without a redirect. Each server runs from a temp dir and
//! is stopped at the end, also on failure.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use mtasts_core::snippets::policy_host;

const DOMAIN: &str = "example.test";
const POLICY: &str =
    "version: STSv1\r\nmode: testing\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n";

/// Kills the server when the test ends, however it ends.
struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its workers (SIGKILL would orphan them).
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The snippet with the temp dir's certificate, root and port in place of the real ones.
fn adapt(text: &str, dir: &Path, port: u16) -> String {
    let host = format!("mta-sts.{DOMAIN}");
    text.replace(
        &format!("/etc/letsencrypt/live/{host}/fullchain.pem"),
        &dir.join("cert.pem").display().to_string(),
    )
    .replace(
        &format!("/etc/letsencrypt/live/{host}/privkey.pem"),
        &dir.join("key.pem").display().to_string(),
    )
    .replace("/var/www/mta-sts", &dir.join("www").display().to_string())
    .replace("listen [::]:443 ssl;\n", "")
    .replace("443", &port.to_string())
}

fn prepare(dir: &Path) {
    let host = format!("mta-sts.{DOMAIN}");
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
        ])
        .arg(format!("/CN={host}"))
        .args(["-addext"])
        .arg(format!("subjectAltName=DNS:{host}"))
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("openssl")
        .status
        .success();
    assert!(ok, "openssl could not make a certificate");
    std::fs::create_dir_all(dir.join("www/.well-known")).unwrap();
    std::fs::write(dir.join("www/.well-known/mta-sts.txt"), POLICY).unwrap();
}

/// Fetches a path from the server as a sender would (HTTPS, SNI the policy host, no redirect
/// followed) and returns the status line's code, the content type and the body.
fn fetch(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let host = format!("mta-sts.{DOMAIN}");
    let out = Command::new("curl")
        .args([
            "-sk",
            "--max-time",
            "5",
            "-o",
            "-",
            "-w",
            "\n%{http_code} %{content_type}",
        ])
        .arg("--resolve")
        .arg(format!("{host}:{port}:127.0.0.1"))
        .arg(format!("https://{host}:{port}{path}"))
        .output()
        .expect("curl");
    let mut body = out.stdout;
    let split = body.iter().rposition(|b| *b == b'\n').unwrap_or(0);
    let tail = String::from_utf8_lossy(&body[split + 1..]).to_string();
    body.truncate(split);
    let (code, ctype) = tail.split_once(' ').unwrap_or((&tail, ""));
    (code.parse().unwrap_or(0), ctype.to_string(), body)
}

fn wait_until_serving(port: u16, server: &mut Running, log: &Path) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!(
                "the server exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the server never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_serves_the_policy(server: &str, port: u16) {
    let (code, ctype, body) = fetch(port, "/.well-known/mta-sts.txt");
    assert_eq!(code, 200, "{server}");
    assert!(ctype.starts_with("text/plain"), "{server}: {ctype}");
    assert_eq!(body, POLICY.as_bytes(), "{server}: byte for byte");
}

#[test]
fn the_nginx_snippet_serves_the_policy_as_senders_need() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    prepare(d);
    let port = free_port();
    let snippet = policy_host(DOMAIN)
        .into_iter()
        .find(|s| s.server == "nginx")
        .unwrap();
    let conf = format!(
        "user root;\nworker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log warn;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {p}/tmp;\n  proxy_temp_path {p}/tmp;\n  fastcgi_temp_path {p}/tmp;\n  uwsgi_temp_path {p}/tmp;\n  scgi_temp_path {p}/tmp;\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n{}}}\n",
        adapt(&snippet.text, d, port),
        p = d.display()
    );
    std::fs::create_dir_all(d.join("tmp")).unwrap();
    std::fs::write(d.join("nginx.conf"), conf).unwrap();
    let mut server = Running(
        Command::new("nginx")
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .spawn()
            .expect("nginx (scripts/setup.sh installs nginx-light)"),
    );
    wait_until_serving(port, &mut server, &d.join("error.log"));
    // `types` in Debian's mime.types maps .txt to text/plain anyway; the snippet's
    // default_type must hold even where it does not: the location has no extension rule.
    assert_serves_the_policy("nginx", port);
    assert_eq!(fetch(port, "/").0, 404, "nothing else is served");
}

#[test]
fn the_apache_snippet_serves_the_policy_as_senders_need() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    prepare(d);
    let port = free_port();
    let snippet = policy_host(DOMAIN)
        .into_iter()
        .find(|s| s.server == "Apache")
        .unwrap();
    let m = "/usr/lib/apache2/modules";
    let conf = format!(
        "ServerRoot {a}\nPidFile {a}/apache.pid\nErrorLog {a}/error.log\nLogLevel warn\nServerName snippets.test\nUser nobody\nGroup nogroup\nMutex file:{a}\nListen 127.0.0.1:{port}\nLoadModule mpm_event_module {m}/mod_mpm_event.so\nLoadModule authz_core_module {m}/mod_authz_core.so\nLoadModule mime_module {m}/mod_mime.so\nTypesConfig /etc/mime.types\nLoadModule socache_shmcb_module {m}/mod_socache_shmcb.so\nLoadModule ssl_module {m}/mod_ssl.so\nSSLSessionCache shmcb:{a}/ssl_scache(512000)\n<Directory {a}/www>\n  Require all granted\n</Directory>\n{}",
        adapt(&snippet.text, d, port).replace(&format!("*:{port}"), &format!("127.0.0.1:{port}")),
        a = d.display()
    );
    std::fs::write(d.join("apache.conf"), conf).unwrap();
    // The files must be readable by the worker user.
    let _ = Command::new("chmod").args(["-R", "a+rX"]).arg(d).status();
    let mut server = Running(
        Command::new("apache2")
            .arg("-d")
            .arg(d)
            .arg("-f")
            .arg(d.join("apache.conf"))
            .arg("-DFOREGROUND")
            .spawn()
            .expect("apache2 (scripts/setup.sh installs it)"),
    );
    wait_until_serving(port, &mut server, &d.join("error.log"));
    assert_serves_the_policy("Apache", port);
}
