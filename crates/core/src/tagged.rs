//! Reading the inputs' adjacently tagged enums (`{"kind": "timeout"}`,
//! `{"kind": "refused", "detail": "…"}`, `{"state": "done", "value": …}`) through a JSON value.
//!
//! Hand-written in place of `#[derive(Deserialize)]` for the browser's download: serde's derive
//! for `#[serde(tag, content)]` buffers the content and instantiates every nested type again for
//! each buffer type. For the inputs that was 135 KB of the web module's code before wasm-opt
//! (a tenth of it). Serialization stays derived, so the derive's attributes still define the
//! format; `tests/inputs_json.rs` reads every fixture back through these impls and compares.

use serde::de::{DeserializeOwned, Error};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::inputs::{
    DnsAnswer, DnsResult, FetchOutcome, Lookup, PolicyFetch, ProbeOutcome, RuaOutcome, TlsError,
};
use crate::mx::MxRecord;

/// One tagged value: its variant name and its content (`None` when the key is absent).
pub(crate) struct Tagged {
    tag: String,
    content: Option<Value>,
    content_key: &'static str,
}

impl Tagged {
    /// Reads `{ "<tag_key>": "<variant>", "<content_key>": … }`; other keys are ignored, as the
    /// derive does.
    fn read<'de, D: Deserializer<'de>>(
        d: D,
        tag_key: &'static str,
        content_key: &'static str,
    ) -> Result<Self, D::Error> {
        let mut map: Map<String, Value> = match Value::deserialize(d)? {
            Value::Object(m) => m,
            other => {
                return Err(D::Error::custom(format!(
                    "expected an object with \"{tag_key}\", found {}",
                    kind(&other)
                )))
            }
        };
        let tag = match map.remove(tag_key) {
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "\"{tag_key}\" must be a string, found {}",
                    kind(&other)
                )))
            }
            None => return Err(D::Error::missing_field(tag_key)),
        };
        Ok(Tagged {
            tag,
            content: map.remove(content_key),
            content_key,
        })
    }

    /// The content as `T`; a variant that carries data must have it.
    fn content<T: DeserializeOwned, E: Error>(self) -> Result<T, E> {
        let v = self
            .content
            .ok_or_else(|| E::missing_field(self.content_key))?;
        T::deserialize(v).map_err(|e| E::custom(format!("{}: {e}", self.tag)))
    }

    fn unknown<E: Error>(&self, expected: &'static [&'static str]) -> E {
        E::unknown_variant(&self.tag, expected)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lookup<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Tagged::read(d, "state", "value")?;
        Ok(match t.tag.as_str() {
            "pending" => Lookup::Pending,
            "not_tested" => Lookup::NotTested(t.content()?),
            "done" => Lookup::Done(t.content()?),
            _ => return Err(t.unknown(&["pending", "not_tested", "done"])),
        })
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for DnsResult<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Tagged::read(d, "kind", "detail")?;
        Ok(match t.tag.as_str() {
            "records" => DnsResult::Records(t.content()?),
            "no_records" => DnsResult::NoRecords,
            "nx_domain" => DnsResult::NxDomain,
            "serv_fail" => DnsResult::ServFail,
            "timeout" => DnsResult::Timeout,
            "unreachable" => DnsResult::Unreachable(t.content()?),
            "error" => DnsResult::Error(t.content()?),
            _ => {
                return Err(t.unknown(&[
                    "records",
                    "no_records",
                    "nx_domain",
                    "serv_fail",
                    "timeout",
                    "unreachable",
                    "error",
                ]))
            }
        })
    }
}

impl<'de> Deserialize<'de> for TlsError {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Tagged::read(d, "kind", "detail")?;
        Ok(match t.tag.as_str() {
            "expired" => TlsError::Expired,
            "not_yet_valid" => TlsError::NotYetValid,
            "name_mismatch" => TlsError::NameMismatch,
            "untrusted" => TlsError::Untrusted(t.content()?),
            "protocol_version" => TlsError::ProtocolVersion,
            "handshake" => TlsError::Handshake(t.content()?),
            _ => {
                return Err(t.unknown(&[
                    "expired",
                    "not_yet_valid",
                    "name_mismatch",
                    "untrusted",
                    "protocol_version",
                    "handshake",
                ]))
            }
        })
    }
}

impl<'de> Deserialize<'de> for FetchOutcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Tagged::read(d, "kind", "detail")?;
        Ok(match t.tag.as_str() {
            "response" => FetchOutcome::Response,
            "dns" => FetchOutcome::Dns(t.content()?),
            "refused" => FetchOutcome::Refused(t.content()?),
            "connect_failed" => FetchOutcome::ConnectFailed(t.content()?),
            "timeout" => FetchOutcome::Timeout,
            "tls" => FetchOutcome::Tls(t.content()?),
            "protocol" => FetchOutcome::Protocol(t.content()?),
            _ => {
                return Err(t.unknown(&[
                    "response",
                    "dns",
                    "refused",
                    "connect_failed",
                    "timeout",
                    "tls",
                    "protocol",
                ]))
            }
        })
    }
}

impl<'de> Deserialize<'de> for ProbeOutcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Tagged::read(d, "kind", "detail")?;
        Ok(match t.tag.as_str() {
            "completed" => ProbeOutcome::Completed,
            "dns" => ProbeOutcome::Dns(t.content()?),
            "refused" => ProbeOutcome::Refused(t.content()?),
            "connect_failed" => ProbeOutcome::ConnectFailed(t.content()?),
            "timeout" => ProbeOutcome::Timeout,
            "no_greeting" => ProbeOutcome::NoGreeting,
            "closed" => ProbeOutcome::Closed(t.content()?),
            "protocol" => ProbeOutcome::Protocol(t.content()?),
            "not_probed" => ProbeOutcome::NotProbed(t.content()?),
            _ => {
                return Err(t.unknown(&[
                    "completed",
                    "dns",
                    "refused",
                    "connect_failed",
                    "timeout",
                    "no_greeting",
                    "closed",
                    "protocol",
                    "not_probed",
                ]))
            }
        })
    }
}

/// The fields of [`RuaOutcome::Mailto`].
#[derive(Deserialize)]
struct Mailto {
    domain: String,
    mx: DnsAnswer<Vec<MxRecord>>,
    #[serde(default)]
    addresses: Option<DnsAnswer<Vec<std::net::IpAddr>>>,
}

impl<'de> Deserialize<'de> for RuaOutcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Tagged::read(d, "kind", "detail")?;
        Ok(match t.tag.as_str() {
            "https" => RuaOutcome::Https(Box::new(t.content::<PolicyFetch, _>()?)),
            "mailto" => {
                let m: Mailto = t.content()?;
                RuaOutcome::Mailto {
                    domain: m.domain,
                    mx: m.mx,
                    addresses: m.addresses,
                }
            }
            "not_checked" => RuaOutcome::NotChecked(t.content()?),
            _ => return Err(t.unknown(&["https", "mailto", "not_checked"])),
        })
    }
}
