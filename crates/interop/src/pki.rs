//! A test PKI made by the `openssl` command (not by the Rust libraries the checker uses): a
//! root, an intermediate, and leaf certificates signed by the intermediate, each written as a
//! key, the leaf alone, and the leaf followed by the intermediate (the chain a server sends).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::daemon::run;

const CA_CONFIG: &str = "[ca]
default_ca = ca_default
[ca_default]
dir = .
database = ./index.txt
new_certs_dir = ./issued
serial = ./serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
[intermediate]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

pub struct Pki {
    dir: PathBuf,
    /// The root, for `--ca-file`, `posttls-finger -P` and the browser's trust store.
    pub root: PathBuf,
}

/// One issued certificate's files.
#[derive(Clone)]
pub struct Leaf {
    pub key: PathBuf,
    pub leaf: PathBuf,
    /// Leaf then intermediate.
    pub chain: PathBuf,
}

/// A leaf's key type: P-256, or RSA for servers limited to RSA key exchange.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Key {
    Ec,
    Rsa,
}

/// When a leaf is valid.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Validity {
    Current,
    /// 2020-01-01 to 2021-01-01.
    Expired,
}

impl Pki {
    pub fn new(dir: &Path) -> Result<Pki, String> {
        std::fs::create_dir_all(dir.join("issued")).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("ca.cnf"), CA_CONFIG).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("index.txt"), "").map_err(|e| e.to_string())?;
        std::fs::write(dir.join("serial"), "1000\n").map_err(|e| e.to_string())?;
        let pki = Pki {
            dir: dir.to_path_buf(),
            root: dir.join("root.pem"),
        };
        // The root signs itself: `req -x509` with the CA extensions.
        pki.request(
            "root",
            "Interop Test Root",
            &[
                "-x509",
                "-days",
                "3650",
                "-addext",
                "basicConstraints=critical,CA:true",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        )?;
        pki.request("int", "Interop Test Intermediate", &[])?;
        pki.sign("root", "int", "intermediate", &["-days", "3650"])?;
        Ok(pki)
    }

    /// TLSA association data (RFC 6698 §2.1) for the certificate `<file>.pem` issued here
    /// (`int` for the intermediate): selector 0 (the whole certificate) or 1 (its
    /// SubjectPublicKeyInfo), matching type 1 (SHA-256), in hex. Computed by `openssl`, not
    /// by the checker's own code.
    pub fn tlsa_sha256(&self, file: &str, selector: u8) -> Result<String, String> {
        let der = format!("{file}.s{selector}.der");
        if selector == 0 {
            self.openssl(&[
                "x509",
                "-in",
                &format!("{file}.pem"),
                "-outform",
                "DER",
                "-out",
                &der,
            ])?;
        } else {
            let public = format!("{file}.pub.pem");
            self.openssl(&[
                "x509",
                "-in",
                &format!("{file}.pem"),
                "-noout",
                "-pubkey",
                "-out",
                &public,
            ])?;
            self.openssl(&[
                "pkey", "-pubin", "-in", &public, "-outform", "DER", "-out", &der,
            ])?;
        }
        let out = self.openssl(&["dgst", "-sha256", "-r", &der])?;
        out.split_whitespace()
            .next()
            .map(str::to_string)
            .ok_or_else(|| format!("openssl dgst printed nothing for {der}"))
    }

    fn openssl(&self, args: &[&str]) -> Result<String, String> {
        run(Command::new("openssl").args(args).current_dir(&self.dir))
    }

    /// A P-256 key `<name>.key` (RSA 2048 with `Key::Rsa`) and a request `<name>.csr` (or,
    /// with `-x509`, a self-signed `<name>.pem`) for common name `cn`.
    fn request(&self, name: &str, cn: &str, extra: &[&str]) -> Result<(), String> {
        self.request_key(name, cn, extra, Key::Ec)
    }

    fn request_key(&self, name: &str, cn: &str, extra: &[&str], kind: Key) -> Result<(), String> {
        let (key, subject) = (format!("{name}.key"), format!("/CN={cn}"));
        let out = if extra.contains(&"-x509") {
            format!("{name}.pem")
        } else {
            format!("{name}.csr")
        };
        let key_args: &[&str] = match kind {
            Key::Ec => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Key::Rsa => &["-newkey", "rsa:2048"],
        };
        let mut args = vec!["req"];
        args.extend_from_slice(key_args);
        args.extend_from_slice(&["-nodes", "-keyout", &key, "-out", &out, "-subj", &subject]);
        args.extend_from_slice(extra);
        self.openssl(&args).map(drop)
    }

    /// `<issuer>` signs `<name>.csr` into `<name>.pem` with an extensions section of
    /// `CA_CONFIG` and the validity options given.
    fn sign(
        &self,
        issuer: &str,
        name: &str,
        extensions: &str,
        validity: &[&str],
    ) -> Result<(), String> {
        let (cert, key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        let (csr, pem) = (format!("{name}.csr"), format!("{name}.pem"));
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            &cert,
            "-keyfile",
            &key,
            "-extensions",
            extensions,
            "-in",
            &csr,
            "-out",
            &pem,
            "-notext",
        ];
        args.extend_from_slice(validity);
        self.openssl(&args).map(drop)
    }

    /// Issues a certificate named `file` for the DNS names `sans`, with a key of `kind`.
    pub fn leaf(
        &self,
        file: &str,
        sans: &[&str],
        validity: Validity,
        kind: Key,
    ) -> Result<Leaf, String> {
        let san = sans
            .iter()
            .map(|s| format!("DNS:{s}"))
            .collect::<Vec<_>>()
            .join(",");
        self.request_key(
            file,
            sans[0],
            &["-addext", &format!("subjectAltName={san}")],
            kind,
        )?;
        let dates: &[&str] = match validity {
            Validity::Current => &["-days", "365"],
            Validity::Expired => &[
                "-startdate",
                "20200101000000Z",
                "-enddate",
                "20210101000000Z",
            ],
        };
        self.sign("int", file, "leaf", dates)?;
        let dir = &self.dir;
        let leaf = dir.join(format!("{file}.pem"));
        let text = std::fs::read_to_string(&leaf).map_err(|e| e.to_string())?;
        let int = std::fs::read_to_string(dir.join("int.pem")).map_err(|e| e.to_string())?;
        let chain = dir.join(format!("{file}.chain.pem"));
        std::fs::write(&chain, format!("{text}{int}")).map_err(|e| e.to_string())?;
        Ok(Leaf {
            key: dir.join(format!("{file}.key")),
            leaf,
            chain,
        })
    }
}
