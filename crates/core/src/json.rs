//! A JSON document as the report lint reads it: the same shape as `serde_json::Value`, but its
//! strings and keys are borrowed from the input where they hold no escapes, and an object is
//! a list of its members instead of a map that owns a copy of every key.
//!
//! A TLS-RPT report is mostly small objects of short strings (one per failure detail); owning
//! them cost more than reading them: the lint of a 663 KiB report spent 3.3 ms of its 5.5 ms
//! building a `Value` (measured by `cargo run --release -p mtasts-core --example bench`, which
//! prints both). serde_json has no borrowed value type, so this is its few lines of visitor.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

/// One JSON value (RFC 8259 §3).
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

/// An object's members in document order. RFC 8259 §4 leaves duplicate names to the reader:
/// like `serde_json::Value`, the last one wins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object<'a>(pub Vec<(Cow<'a, str>, Json<'a>)>);

impl<'a> Object<'a> {
    /// The value of the last member named `key`.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Json<'_> {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, in words for a finding ("should be a string, not a list").
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "a list",
            Json::Object(_) => "an object",
        }
    }
}

/// Parses one JSON document (with serde_json's grammar, nesting limit and error positions).
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Json<'_>> {
    serde_json::from_slice(bytes)
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(b))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        // JSON has no NaN or infinity, so this is always a number (as in serde_json's Value).
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Json::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(16));
        while let Some(Key(k)) = map.next_key()? {
            members.push((k, map.next_value()?));
        }
        Ok(Json::Object(Object(members)))
    }
}

/// A member name, borrowed where it can be (`Cow<str>`'s own `Deserialize` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed_and_the_rest_read_as_serde_json_does() {
        let text = br#"{"a": "plain", "b\u0041": "esc\"aped", "n": [1, -2, 2.5, 18446744073709551615, 1e300], "t": true, "z": null, "a": "last"}"#;
        let j = from_slice(text).unwrap();
        let Json::Object(o) = &j else { panic!("{j:?}") };
        assert_eq!(o.get("a").and_then(Json::as_str), Some("last"));
        assert!(matches!(
            o.0[0],
            (Cow::Borrowed("a"), Json::String(Cow::Borrowed("plain")))
        ));
        assert!(
            matches!(&o.0[1], (Cow::Owned(k), Json::String(Cow::Owned(v))) if k == "bA" && v == "esc\"aped")
        );
        // Numbers as serde_json's Value holds them.
        let Some(Json::Array(n)) = o.get("n") else {
            panic!()
        };
        let want: serde_json::Value =
            serde_json::from_slice(br#"[1, -2, 2.5, 18446744073709551615, 1e300]"#).unwrap();
        for (got, want) in n.iter().zip(want.as_array().unwrap()) {
            match got {
                Json::Number(g) => assert_eq!(Some(g), want.as_number()),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(o.get("t"), Some(&Json::Bool(true)));
        assert_eq!(o.get("z").map(Json::type_name), Some("null"));
        assert_eq!(o.get("missing"), None);
    }

    #[test]
    fn errors_and_nesting_limits_are_serde_json_s() {
        let e = from_slice(b"{\"a\": [1, 2,]}").unwrap_err();
        assert_eq!((e.line(), e.column()), (1, 13));
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(from_slice(deep.as_bytes()).is_err());
        assert!(from_slice(b"{} x").is_err());
    }
}
