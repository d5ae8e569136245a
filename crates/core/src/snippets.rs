//! Short server configuration snippets for the fixes the checker asks for, with the domain's own
//! names filled in: serving the policy file (RFC 8461 §3.3: HTTPS on `mta-sts.<domain>`, a
//! valid certificate, `text/plain`, no redirects followed) and offering STARTTLS with a valid
//! certificate on an MX host (RFC 8461 §4.2; RFC 3207). They are starting points to adapt, not
//! whole configurations.

/// One snippet: the server it is for, where it goes, and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    pub server: &'static str,
    pub file: &'static str,
    pub text: String,
}

/// Serving `https://mta-sts.<domain>/.well-known/mta-sts.txt`: as `text/plain`, from the file,
/// never redirected (senders do not follow redirects, RFC 8461 §3.3).
pub fn policy_host(domain: &str) -> Vec<Snippet> {
    let host = format!("mta-sts.{domain}");
    vec![
        Snippet {
            server: "nginx",
            file: "a server block, e.g. /etc/nginx/sites-available/mta-sts",
            text: format!(
                "server {{\n    listen 443 ssl;\n    listen [::]:443 ssl;\n    server_name {host};\n    ssl_certificate     /etc/letsencrypt/live/{host}/fullchain.pem;\n    ssl_certificate_key /etc/letsencrypt/live/{host}/privkey.pem;\n    root /var/www/mta-sts;\n    location = /.well-known/mta-sts.txt {{\n        default_type text/plain;\n        try_files /.well-known/mta-sts.txt =404;\n    }}\n    location / {{ return 404; }}\n}}\n"
            ),
        },
        Snippet {
            server: "Apache",
            file: "a virtual host, e.g. /etc/apache2/sites-available/mta-sts.conf",
            text: format!(
                "<VirtualHost *:443>\n    ServerName {host}\n    SSLEngine on\n    SSLCertificateFile    /etc/letsencrypt/live/{host}/fullchain.pem\n    SSLCertificateKeyFile /etc/letsencrypt/live/{host}/privkey.pem\n    DocumentRoot /var/www/mta-sts\n    # No Redirect or RewriteRule may touch this path: senders do not follow redirects.\n    <Location \"/.well-known/mta-sts.txt\">\n        ForceType text/plain\n    </Location>\n</VirtualHost>\n"
            ),
        },
        Snippet {
            server: "Caddy",
            file: "the Caddyfile (Caddy gets the certificate itself)",
            text: format!(
                "{host} {{\n    root * /var/www/mta-sts\n    @policy path /.well-known/mta-sts.txt\n    header @policy Content-Type text/plain\n    file_server\n}}\n"
            ),
        },
    ]
}

/// STARTTLS with a certificate valid for the MX host's name (RFC 8461 §4.2: the certificate
/// must match the MX host name and chain to a trusted root).
pub fn mx_starttls(host: &str) -> Vec<Snippet> {
    vec![
        Snippet {
            server: "Postfix",
            file: "/etc/postfix/main.cf, then postfix reload",
            text: format!(
                "smtpd_tls_security_level = may\nsmtpd_tls_chain_files = /etc/letsencrypt/live/{host}/privkey.pem,\n    /etc/letsencrypt/live/{host}/fullchain.pem\nsmtpd_tls_protocols = >=TLSv1.2\n"
            ),
        },
        Snippet {
            server: "Exim",
            file: "the main configuration (Debian: /etc/exim4/conf.d/main/03_exim4-config_tlsoptions)",
            text: format!(
                "tls_advertise_hosts = *\ntls_certificate = /etc/letsencrypt/live/{host}/fullchain.pem\ntls_privatekey = /etc/letsencrypt/live/{host}/privkey.pem\n"
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_carry_the_real_names_and_the_rules() {
        let web = policy_host("example.com");
        assert_eq!(web.len(), 3);
        for s in &web {
            assert!(s.text.contains("mta-sts.example.com"), "{}", s.server);
            assert!(s.text.contains("text/plain"), "{}", s.server);
            assert!(
                !s.text.contains('<') || s.server == "Apache",
                "{}",
                s.server
            );
            assert!(!s.text.to_lowercase().contains("redirect ") || s.server == "Apache");
        }
        for s in mx_starttls("mx1.example.com") {
            assert!(
                s.text.contains("/etc/letsencrypt/live/mx1.example.com/"),
                "{}",
                s.server
            );
        }
    }
}
