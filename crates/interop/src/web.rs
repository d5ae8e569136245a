//! Policy hosts: one nginx and one Apache, each with a virtual host per case on the case's own
//! loopback address, port 443, serving `/.well-known/mta-sts.txt` the way the case says.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use crate::cases::{Case, Cert, Serve, Text, Tls, WebServer};
use crate::daemon::Daemon;
use crate::dns::web_ip;
use crate::pki::{Key, Leaf, Pki, Validity};

/// The policy a case serves (CRLF line ends, as RFC 8461 §3.2 writes them).
pub fn policy(c: &Case) -> String {
    let d = c.domain();
    let mut p = String::from(match c.text {
        Text::Standard | Text::CrOnly | Text::MisspeltMaxAge => {
            "version: STSv1\r\nmode: enforce\r\n"
        }
        Text::BlankLine => "version: STSv1\r\n\r\nmode: enforce\r\n",
        Text::DuplicateMode => "version: STSv1\r\nmode: testing\r\nmode: enforce\r\n",
    });
    for mx in c.policy_mx {
        let _ = write!(p, "mx: {}\r\n", mx.replace("{d}", &d));
    }
    match c.text {
        Text::MisspeltMaxAge => p.push_str("max-age: 604800\r\n"),
        _ => p.push_str("max_age: 604800\r\n"),
    }
    if c.text == Text::CrOnly {
        p = p.replace("\r\n", "\r");
    }
    p
}

/// The certificate files for a host name, as the case asks (an RSA key for a server limited
/// to RSA key exchange).
pub fn cert_for(
    pki: &Pki,
    file: &str,
    host: &str,
    cert: Cert,
    tls: Tls,
) -> Result<(Leaf, bool), String> {
    let key = if tls == Tls::RsaCbc12 {
        Key::Rsa
    } else {
        Key::Ec
    };
    let (names, validity) = match cert {
        Cert::WrongName => (vec!["other.test".to_string()], Validity::Current),
        Cert::Expired => (vec![host.to_string()], Validity::Expired),
        Cert::Good | Cert::LeafOnly => (vec![host.to_string()], Validity::Current),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok((
        pki.leaf(file, &names, validity, key)?,
        cert == Cert::LeafOnly,
    ))
}

fn nginx_tls(tls: Tls) -> &'static str {
    match tls {
        Tls::Default => "ssl_protocols TLSv1.2 TLSv1.3;",
        Tls::Only12 => "ssl_protocols TLSv1.2;",
        Tls::Only13 => "ssl_protocols TLSv1.3;",
        Tls::Cbc12 => "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES128-SHA;",
        Tls::RsaCbc12 => "ssl_protocols TLSv1.2; ssl_ciphers AES256-SHA;",
        Tls::Only10 => "ssl_protocols TLSv1; ssl_ciphers DEFAULT@SECLEVEL=0;",
    }
}

/// Starts nginx and Apache for the cases that use them.
pub fn start(dir: &Path, pki: &Pki, cases: &[Case]) -> Result<Vec<Daemon>, String> {
    let docs = dir.join("www");
    std::fs::create_dir_all(&docs).map_err(|e| e.to_string())?;
    let mut nginx = String::new();
    let mut apache = String::new();
    let mut waits = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        if c.sts.is_none() || c.bogus {
            continue;
        }
        let d = c.domain();
        let host = format!("mta-sts.{d}");
        let ip = web_ip(c, i + 1);
        let (leaf, leaf_only) = cert_for(
            pki,
            &format!("web-{}", c.name),
            &host,
            c.web_cert,
            c.web_tls,
        )?;
        let chain = if leaf_only { &leaf.leaf } else { &leaf.chain };
        let body = policy(c);
        let file = docs.join(format!("{}.txt", c.name));
        std::fs::write(&file, &body).map_err(|e| e.to_string())?;
        let gz = docs.join(format!("{}.txt.gz", c.name));
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(body.as_bytes()).map_err(|e| e.to_string())?;
        std::fs::write(&gz, enc.finish().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        waits.push((c.web, crate::dns::addr(&format!("{ip}:443"))));
        match c.web {
            WebServer::Nginx => {
                let location = match c.serve {
                    Serve::Plain => format!("default_type text/plain; alias {};", file.display()),
                    Serve::Redirect => format!("return 301 https://www.{d}/.well-known/mta-sts.txt;"),
                    Serve::Html => format!("default_type text/html; alias {};", file.display()),
                    Serve::Charset => format!(
                        "default_type text/plain; charset utf-8; charset_types text/plain; alias {};",
                        file.display()
                    ),
                    Serve::Gzip => format!(
                        "default_type text/plain; add_header Content-Encoding gzip; alias {};",
                        gz.display()
                    ),
                    // A body filter makes the length unknown, so HTTP/1.1 answers are chunked.
                    Serve::Chunked => format!(
                        "default_type text/plain; sub_filter_types text/plain; sub_filter 'STSv1' 'STSv1'; alias {};",
                        file.display()
                    ),
                };
                let _ = writeln!(
                    nginx,
                    "  server {{\n    listen {ip}:443 ssl;\n    server_name {host};\n    ssl_certificate {chain};\n    ssl_certificate_key {key};\n    {tls}\n    location = /.well-known/mta-sts.txt {{ {location} }}\n  }}",
                    chain = chain.display(),
                    key = leaf.key.display(),
                    tls = nginx_tls(c.web_tls),
                );
            }
            WebServer::Apache => {
                let _ = writeln!(
                    apache,
                    "Listen {ip}:443\n<VirtualHost {ip}:443>\n  ServerName {host}\n  SSLEngine on\n  SSLCertificateFile {chain}\n  SSLCertificateKeyFile {key}\n  Alias /.well-known/mta-sts.txt {file}\n  <Location /.well-known/mta-sts.txt>\n    ForceType text/plain\n    Require all granted\n  </Location>\n</VirtualHost>",
                    chain = chain.display(),
                    key = leaf.key.display(),
                    file = file.display(),
                );
            }
        }
    }
    let mut daemons = Vec::new();
    if !nginx.is_empty() {
        let n = dir.join("nginx");
        std::fs::create_dir_all(n.join("tmp")).map_err(|e| e.to_string())?;
        let conf = format!(
            "user root;\nworker_processes 1;\npid {n}/nginx.pid;\nerror_log stderr warn;\nevents {{ worker_connections 256; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {n}/tmp;\n  proxy_temp_path {n}/tmp;\n  fastcgi_temp_path {n}/tmp;\n  uwsgi_temp_path {n}/tmp;\n  scgi_temp_path {n}/tmp;\n  types {{ }}\n{nginx}}}\n",
            n = n.display()
        );
        std::fs::write(n.join("nginx.conf"), conf).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("nginx");
        cmd.arg("-p")
            .arg(&n)
            .arg("-c")
            .arg(n.join("nginx.conf"))
            .args(["-g", "daemon off;"]);
        daemons.push(Daemon::spawn("nginx", cmd, &n.join("nginx.log"))?);
    }
    if !apache.is_empty() {
        let a = dir.join("apache");
        std::fs::create_dir_all(&a).map_err(|e| e.to_string())?;
        let m = "/usr/lib/apache2/modules";
        let conf = format!(
            "ServerRoot {a}\nPidFile {a}/apache.pid\nErrorLog /dev/stderr\nLogLevel warn\nServerName interop.test\nUser nobody\nGroup nogroup\nMutex file:{a}\nLoadModule mpm_event_module {m}/mod_mpm_event.so\nLoadModule authz_core_module {m}/mod_authz_core.so\nLoadModule alias_module {m}/mod_alias.so\nLoadModule mime_module {m}/mod_mime.so\nTypesConfig /etc/mime.types\nLoadModule socache_shmcb_module {m}/mod_socache_shmcb.so\nLoadModule ssl_module {m}/mod_ssl.so\nSSLSessionCache shmcb:{a}/ssl_scache(512000)\nDocumentRoot {a}\n{apache}",
            a = a.display()
        );
        std::fs::write(a.join("apache.conf"), conf).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("apache2");
        cmd.arg("-d")
            .arg(&a)
            .arg("-f")
            .arg(a.join("apache.conf"))
            .arg("-DFOREGROUND");
        daemons.push(Daemon::spawn("apache2", cmd, &a.join("apache.log"))?);
    }
    for (server, at) in waits {
        let name = match server {
            WebServer::Nginx => "nginx",
            WebServer::Apache => "apache2",
        };
        if let Some(d) = daemons.iter_mut().find(|d| d.name == name) {
            d.wait_tcp(at)?;
        }
    }
    Ok(daemons)
}
