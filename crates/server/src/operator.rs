//! The operator token (`--admin-token-file`, several allowed): what gates the console and
//! every API that reads stored data. Requests carry it as `Authorization: Bearer TOKEN`.
//!
//! Tokens are compared through their SHA-256 digests in constant time, so neither the
//! position of the first differing byte nor a token's length shows in the time a refusal
//! takes; they are never logged (only the file they came from is named).

use std::path::Path;

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};

/// The accepted tokens, kept as digests.
#[derive(Clone, Default)]
pub struct Tokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} configured)", self.digests.len())
    }
}

/// The shortest token accepted: 16 characters (say 96 random bits in base64).
pub const MIN_TOKEN_LEN: usize = 16;

impl Tokens {
    /// Reads one token per file (surrounding white space, such as a final newline, removed).
    pub fn from_files(files: &[impl AsRef<Path>]) -> Result<Tokens, String> {
        let mut t = Tokens::default();
        for f in files {
            let f = f.as_ref();
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("--admin-token-file {}: {e}", f.display()))?;
            t.add(text.trim())
                .map_err(|e| format!("--admin-token-file {}: {e}", f.display()))?;
        }
        Ok(t)
    }

    pub fn add(&mut self, token: &str) -> Result<(), String> {
        if token.len() < MIN_TOKEN_LEN {
            return Err(format!(
                "the token is shorter than {MIN_TOKEN_LEN} characters (make one with: openssl rand -base64 24)"
            ));
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("the token contains white space; put it alone in the file".into());
        }
        self.digests.push(Sha256::digest(token.as_bytes()).into());
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether the request carries one of the tokens. Every configured token is compared, so
    /// the time does not say which one matched.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(given) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
        else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        self.digests
            .iter()
            .fold(false, |ok, d| ok | equal(d, &given))
    }
}

/// Constant-time equality of two digests (hand-written: eight lines, where `subtle` would be
/// one more crate for one function).
fn equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, v.parse().unwrap());
        h
    }

    #[test]
    fn only_a_configured_token_is_let_in() {
        let mut t = Tokens::default();
        t.add("first-token-0123456789").unwrap();
        t.add("second-token-0123456789").unwrap();
        assert!(t.allows(&bearer("Bearer first-token-0123456789")));
        assert!(t.allows(&bearer("bearer second-token-0123456789")));
        assert!(!t.allows(&bearer("Bearer first-token-012345678")));
        assert!(!t.allows(&bearer("Basic first-token-0123456789")));
        assert!(!t.allows(&bearer("first-token-0123456789")));
        assert!(!t.allows(&HeaderMap::new()));
        assert!(Tokens::default().is_empty());
        assert!(!Tokens::default().allows(&bearer("Bearer first-token-0123456789")));
        assert!(t.add("short").is_err());
        assert!(t.add("with space in the middle of it").is_err());
    }
}
