//! The domains of the interop world: each one a deployment a real administrator might have,
//! served by real servers, with the verdict real senders give it.
//!
//! Every domain `<name>.test` gets `_mta-sts`, `_smtp._tls`, `mta-sts` and MX records unless
//! its case says otherwise. Case `i` (1-based) uses policy host address `127.0.44.i` (nginx) or
//! `127.0.45.i` (Apache) and MX address `127.0.25.i` (Postfix or Exim), and a second MX
//! address `127.0.27.i` where the case has one.

use crate::resolver::Client;

/// How the policy host's TLS is limited.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tls {
    /// TLS 1.2 and 1.3, the server's default suites.
    Default,
    Only12,
    Only13,
    /// TLS 1.2 with `ECDHE-ECDSA-AES128-SHA` only.
    Cbc12,
    /// TLS 1.2 with `AES256-SHA` only: RSA key exchange (an RSA certificate).
    RsaCbc12,
    /// TLS 1.0 only (MX only).
    Only10,
}

/// The certificate a host presents.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cert {
    Good,
    Expired,
    /// Valid, for `other.test`.
    WrongName,
    /// The leaf without its intermediate.
    LeafOnly,
}

/// How the policy host answers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Serve {
    Plain,
    Redirect,
    Html,
    /// `text/plain; charset=utf-8`.
    Charset,
    /// The policy gzipped, with `Content-Encoding: gzip` although the request did not ask.
    Gzip,
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// How the policy text deviates from the grammar (RFC 8461 §3.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Text {
    Standard,
    /// A blank line after `version`.
    BlankLine,
    /// `mode: testing`, then `mode: enforce`.
    DuplicateMode,
    /// Every line ends in CR alone.
    CrOnly,
    /// `max-age` instead of `max_age`.
    MisspeltMaxAge,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WebServer {
    Nginx,
    Apache,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mx {
    /// Postfix with STARTTLS, limited as given.
    Postfix(Tls, Cert),
    /// Exim (GnuTLS) with STARTTLS, limited as given.
    Exim(Tls, Cert),
    /// Postfix without STARTTLS.
    NoStarttls,
    /// An address where nothing listens.
    Refused,
}

/// The `_mta-sts` TXT record.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StsTxt {
    /// One string.
    Plain,
    /// `"v=STSv1; " "id=…"`: two strings, which senders join (RFC 7208 §3.3 style).
    Split,
    /// `v=STSv1; id=…; id=2`: the id given twice.
    RepeatedId,
    /// A CNAME to `_mta-sts.provider.test` (RFC 8461 §8.2), and `mta-sts` too.
    Cname,
    /// The record plus enough unrelated TXT strings that the answer exceeds 1232 bytes, so
    /// UDP is truncated and the resolver must retry over TCP.
    Oversized,
}

/// A TLSA record at `_25._tcp.<mx>` (DANE, RFC 7672), in the DNSSEC-signed zone, its data
/// computed by `openssl` from the certificates the MX presents.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tlsa {
    /// `3 1 1`: DANE-EE, the MX certificate's public key.
    EeMatch,
    /// `3 1 1` with the digest of another key (the intermediate's).
    EeMismatch,
    /// `2 0 1`: DANE-TA, the intermediate certificate that issued the MX certificate.
    TaMatch,
}

/// What the checker and the reference sender must say.
#[derive(Clone, Debug)]
pub struct Expect {
    pub overall: &'static str,
    pub readiness: &'static str,
    /// Exactly these finding codes.
    pub codes: &'static [&'static str],
    /// Whether `posttls-finger -l secure` (Postfix's client at the level an enforced MTA-STS
    /// policy asks for) must establish a verified connection to the first MX.
    pub sender_delivers: Option<bool>,
    /// What the reference MTA-STS resolver must make of the policy.
    pub reference: Reference,
}

/// The reference resolvers' answers ([`crate::resolver`]) against ours. Whatever the case,
/// each must apply exactly what our lenient reading (`lenient` in the report) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// Strict senders and the resolver apply the same policy, or both none.
    Agrees,
    /// The resolver reads the deployment differently from strict senders (a policy where
    /// they have none, another mode or id), and `policy.read_differently` says so.
    ReadsDifferently,
    /// A known divergence of TLS clients that one of our findings names: we say senders
    /// apply the policy (with the warning `code`); `client` gets none, `because`; the others
    /// agree with us.
    GetsNone {
        client: Client,
        code: &'static str,
        because: &'static str,
    },
}

#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    pub sts: Option<StsTxt>,
    pub web: WebServer,
    pub web_tls: Tls,
    pub web_cert: Cert,
    pub serve: Serve,
    pub text: Text,
    /// `mx:` lines of the policy (`{d}` is the domain).
    pub policy_mx: &'static [&'static str],
    /// The MX host name (`{d}` is the domain); `None` with `null_mx` set publishes `MX 0 .`.
    pub mx_name: &'static str,
    pub mx: Mx,
    pub null_mx: bool,
    /// The zone is delegated with a DS record that matches no key, so validation fails.
    pub bogus: bool,
    /// A TLSA record for the MX host.
    pub tlsa: Option<Tlsa>,
    /// A second address of the MX host (`127.0.27.i`), served by Postfix as given.
    pub second_mx: Option<Mx>,
    pub expect: Expect,
}

impl Case {
    pub fn domain(&self) -> String {
        format!("{}.test", self.name)
    }
}

const fn base(name: &'static str, expect: Expect) -> Case {
    Case {
        name,
        sts: Some(StsTxt::Plain),
        web: WebServer::Nginx,
        web_tls: Tls::Default,
        web_cert: Cert::Good,
        serve: Serve::Plain,
        text: Text::Standard,
        policy_mx: &["mx.{d}"],
        mx_name: "mx.{d}",
        mx: Mx::Postfix(Tls::Default, Cert::Good),
        null_mx: false,
        bogus: false,
        tlsa: None,
        second_mx: None,
        expect,
    }
}

const fn green() -> Expect {
    Expect {
        overall: "green",
        readiness: "enforced",
        codes: &[],
        sender_delivers: Some(true),
        reference: Reference::Agrees,
    }
}

const fn red(
    codes: &'static [&'static str],
    readiness: &'static str,
    delivers: Option<bool>,
) -> Expect {
    Expect {
        overall: "red",
        readiness,
        codes,
        sender_delivers: delivers,
        reference: Reference::Agrees,
    }
}

/// Every case, in address order (index + 1 is the last octet).
pub fn all() -> Vec<Case> {
    vec![
        base("good", green()),
        Case {
            sts: Some(StsTxt::Split),
            ..base("split", green())
        },
        Case {
            sts: Some(StsTxt::Cname),
            ..base("cname", green())
        },
        Case {
            sts: Some(StsTxt::Oversized),
            ..base("big", green())
        },
        Case {
            serve: Serve::Redirect,
            ..base(
                "redirect",
                red(
                    &["policy_fetch.redirect", "sts.orphan_txt"],
                    "not_ready",
                    Some(true),
                ),
            )
        },
        Case {
            serve: Serve::Html,
            ..base(
                "html",
                red(&["policy_fetch.content_type"], "not_ready", Some(true)),
            )
        },
        Case {
            serve: Serve::Charset,
            ..base("charset", green())
        },
        Case {
            web_tls: Tls::Only12,
            mx: Mx::Postfix(Tls::Only12, Cert::Good),
            ..base("tls12", green())
        },
        Case {
            web_tls: Tls::Only13,
            mx: Mx::Postfix(Tls::Only13, Cert::Good),
            ..base("tls13", green())
        },
        Case {
            web_tls: Tls::Cbc12,
            mx: Mx::Postfix(Tls::Cbc12, Cert::Good),
            ..base(
                "cbc",
                Expect {
                    overall: "amber",
                    readiness: "enforced",
                    codes: &["policy_fetch.tls_cbc_only", "mx_tls.cbc_only"],
                    sender_delivers: Some(true),
                    reference: Reference::GetsNone {
                        client: Client::PyPi,
                        code: "policy_fetch.tls_cbc_only",
                        because: "Python's own default suites (3.10 and later) have no SHA-1 CBC",
                    },
                },
            )
        },
        Case {
            web_tls: Tls::RsaCbc12,
            mx: Mx::Postfix(Tls::RsaCbc12, Cert::Good),
            ..base(
                "rsakx",
                Expect {
                    overall: "amber",
                    readiness: "enforced",
                    codes: &["policy_fetch.tls_cbc_only", "mx_tls.cbc_only"],
                    sender_delivers: Some(true),
                    reference: Reference::GetsNone {
                        client: Client::PyPi,
                        code: "policy_fetch.tls_cbc_only",
                        because:
                            "Python's own default suites (3.10 and later) have no RSA key exchange",
                    },
                },
            )
        },
        Case {
            serve: Serve::Chunked,
            ..base("chunked", green())
        },
        Case {
            web_cert: Cert::LeafOnly,
            ..base(
                "chain",
                red(
                    &["policy_fetch.cert_untrusted", "sts.orphan_txt"],
                    "not_ready",
                    Some(true),
                ),
            )
        },
        Case {
            mx: Mx::Postfix(Tls::Default, Cert::Expired),
            ..base(
                "expired",
                red(&["mx_tls.cert_expired"], "enforced_failing", Some(false)),
            )
        },
        Case {
            mx: Mx::Refused,
            ..base(
                "refused",
                Expect {
                    overall: "amber",
                    // RFC 8461 §4.2 judges a host senders reach; one nobody reaches cannot be
                    // confirmed either way (senders queue the mail and retry).
                    readiness: "unknown",
                    codes: &["mx_tls.unreachable"],
                    sender_delivers: None,
                    reference: Reference::Agrees,
                },
            )
        },
        Case {
            serve: Serve::Gzip,
            ..base(
                "gzip",
                Expect {
                    overall: "amber",
                    readiness: "enforced",
                    codes: &["policy_fetch.content_encoding"],
                    sender_delivers: Some(true),
                    reference: Reference::Agrees,
                },
            )
        },
        Case {
            mx: Mx::NoStarttls,
            ..base(
                "nostarttls",
                red(&["mx_tls.no_starttls"], "enforced_failing", Some(false)),
            )
        },
        Case {
            mx: Mx::Postfix(Tls::Default, Cert::WrongName),
            ..base(
                "wrongname",
                red(&["mx_tls.cert_name"], "enforced_failing", Some(false)),
            )
        },
        Case {
            mx: Mx::Postfix(Tls::Only10, Cert::Good),
            ..base(
                "tls10",
                red(&["mx_tls.tls_version"], "enforced_failing", Some(false)),
            )
        },
        Case {
            policy_mx: &["*.{d}"],
            mx_name: "mx1.{d}",
            ..base("wildcard", green())
        },
        Case {
            policy_mx: &["mail.{d}"],
            ..base(
                "uncovered",
                red(&["mx.uncovered"], "enforced_failing", Some(true)),
            )
        },
        Case {
            bogus: true,
            ..base(
                "bogus",
                // Senders' validating resolvers fail the same way, for the MX lookup too.
                red(&["dns.servfail", "policy_fetch.dns"], "not_ready", None),
            )
        },
        Case {
            sts: None,
            null_mx: true,
            ..base(
                "nullmx",
                Expect {
                    overall: "grey",
                    readiness: "no_mail",
                    codes: &[],
                    sender_delivers: None,
                    reference: Reference::Agrees,
                },
            )
        },
        Case {
            web: WebServer::Apache,
            ..base("apache", green())
        },
        // Strict senders discard these policies; postfix-mta-sts-resolver reads them anyway and
        // Postfix enforces them: fine while every MX passes, bounced mail where one fails.
        Case {
            text: Text::BlankLine,
            ..base(
                "blank",
                Expect {
                    reference: Reference::ReadsDifferently,
                    ..red(
                        &["policy.line.blank", "policy.read_differently"],
                        "not_ready",
                        Some(true),
                    )
                },
            )
        },
        Case {
            text: Text::BlankLine,
            mx: Mx::Postfix(Tls::Default, Cert::Expired),
            ..base(
                "blankexp",
                Expect {
                    reference: Reference::ReadsDifferently,
                    ..red(
                        &[
                            "policy.line.blank",
                            "policy.read_differently",
                            "mx_tls.cert_expired",
                        ],
                        "enforced_failing",
                        Some(false),
                    )
                },
            )
        },
        Case {
            // Postfix is handed "mx.dot.test." and matches no host name against it.
            policy_mx: &["mx.{d}."],
            ..base(
                "dot",
                Expect {
                    reference: Reference::ReadsDifferently,
                    ..red(
                        &[
                            "policy.mx.trailing_dot",
                            "policy.read_differently",
                            "mx.uncovered_lenient",
                        ],
                        "enforced_failing",
                        Some(true),
                    )
                },
            )
        },
        Case {
            text: Text::CrOnly,
            ..base(
                "cronly",
                Expect {
                    reference: Reference::ReadsDifferently,
                    ..red(
                        &["policy.line.cr_only", "policy.read_differently"],
                        "not_ready",
                        Some(true),
                    )
                },
            )
        },
        Case {
            // RFC 8461 §3.2 keeps the first mode (testing); the resolver keeps the last.
            text: Text::DuplicateMode,
            ..base(
                "dupmode",
                Expect {
                    overall: "amber",
                    readiness: "ready",
                    codes: &["policy.field.duplicate", "policy.read_differently"],
                    sender_delivers: Some(true),
                    reference: Reference::ReadsDifferently,
                },
            )
        },
        Case {
            sts: Some(StsTxt::RepeatedId),
            ..base(
                "dupid",
                Expect {
                    overall: "amber",
                    readiness: "enforced",
                    codes: &["sts.field.duplicate", "policy.read_differently"],
                    sender_delivers: Some(true),
                    reference: Reference::ReadsDifferently,
                },
            )
        },
        Case {
            // Nobody reads "max-age": strict and lenient senders both get no policy.
            text: Text::MisspeltMaxAge,
            ..base(
                "misspelt",
                red(
                    &["policy.field.misspelt", "policy.max_age.missing"],
                    "not_ready",
                    Some(true),
                ),
            )
        },
        Case {
            mx: Mx::Exim(Tls::Default, Cert::Good),
            ..base("exim", green())
        },
        Case {
            mx: Mx::Exim(Tls::Only12, Cert::Good),
            ..base("exim12", green())
        },
        Case {
            mx: Mx::Exim(Tls::Cbc12, Cert::Good),
            ..base(
                "eximcbc",
                Expect {
                    overall: "amber",
                    readiness: "enforced",
                    codes: &["mx_tls.cbc_only"],
                    sender_delivers: Some(true),
                    reference: Reference::Agrees,
                },
            )
        },
        Case {
            mx: Mx::Exim(Tls::Default, Cert::LeafOnly),
            ..base(
                "eximchain",
                red(&["mx_tls.cert_untrusted"], "enforced_failing", Some(false)),
            )
        },
        // DANE (RFC 7672), with Knot signing the TLSA records and Unbound validating them;
        // posttls-finger -l dane is the reference.
        Case {
            tlsa: Some(Tlsa::EeMatch),
            ..base("daneee", green())
        },
        Case {
            tlsa: Some(Tlsa::TaMatch),
            ..base("daneta", green())
        },
        Case {
            // MTA-STS passes (posttls-finger -l secure verifies); DANE senders refuse the host.
            tlsa: Some(Tlsa::EeMismatch),
            ..base(
                "danebad",
                red(&["dane.mismatch"], "enforced_failing", Some(true)),
            )
        },
        Case {
            // Two addresses for the MX host: the first good, the second with an expired
            // certificate; senders that pick the second bounce the mail.
            second_mx: Some(Mx::Postfix(Tls::Default, Cert::Expired)),
            ..base(
                "twoaddr",
                red(&["mx_tls.cert_expired"], "enforced_failing", Some(true)),
            )
        },
    ]
}
