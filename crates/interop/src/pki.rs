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
        let ossl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
        ossl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-subj",
            "/CN=Interop Test Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])?;
        ossl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "int.key",
            "-out",
            "int.csr",
            "-subj",
            "/CN=Interop Test Intermediate",
        ])?;
        ossl(&[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "root.pem",
            "-keyfile",
            "root.key",
            "-extensions",
            "intermediate",
            "-in",
            "int.csr",
            "-out",
            "int.pem",
            "-days",
            "3650",
            "-notext",
        ])?;
        Ok(Pki {
            dir: dir.to_path_buf(),
            root: dir.join("root.pem"),
        })
    }

    /// Issues a certificate named `file` for the DNS names `sans`.
    pub fn leaf(&self, file: &str, sans: &[&str], validity: Validity) -> Result<Leaf, String> {
        let dir = &self.dir;
        let ossl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
        let key = format!("{file}.key");
        let csr = format!("{file}.csr");
        let pem = format!("{file}.pem");
        let san = sans
            .iter()
            .map(|s| format!("DNS:{s}"))
            .collect::<Vec<_>>()
            .join(",");
        ossl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &format!("/CN={}", sans[0]),
            "-addext",
            &format!("subjectAltName={san}"),
        ])?;
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "int.pem",
            "-keyfile",
            "int.key",
            "-extensions",
            "leaf",
            "-in",
            &csr,
            "-out",
            &pem,
            "-notext",
        ];
        match validity {
            Validity::Current => args.extend(["-days", "365"]),
            Validity::Expired => args.extend([
                "-startdate",
                "20200101000000Z",
                "-enddate",
                "20210101000000Z",
            ]),
        }
        ossl(&args)?;
        let leaf = std::fs::read_to_string(dir.join(&pem)).map_err(|e| e.to_string())?;
        let int = std::fs::read_to_string(dir.join("int.pem")).map_err(|e| e.to_string())?;
        let chain = dir.join(format!("{file}.chain.pem"));
        std::fs::write(&chain, format!("{leaf}{int}")).map_err(|e| e.to_string())?;
        Ok(Leaf {
            key: dir.join(key),
            leaf: dir.join(pem),
            chain,
        })
    }
}
