//! Snapshot links: a report's inputs (everything the check gathered, with the time it ran),
//! compressed into the URL fragment, so that the same report reopens read-only anywhere without
//! running again and without anything stored on a server (the fragment never leaves the
//! browser). A saved report JSON (the page's download) opens the same way.
//!
//! `#s1=` + base64url(deflate-raw(JSON of `Inputs`)). Compression uses the browser's own
//! `CompressionStream`, so it adds no bytes to the app (a Rust deflater would add tens of KiB).

use js_sys::{Array, Function, Reflect, Uint8Array};
use mtasts_core::inputs::Inputs;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub const PREFIX: &str = "#s1=";

/// The largest snapshot fragment read: far above any real report, well below what browsers
/// keep in a URL.
const MAX_FRAGMENT: usize = 1 << 20;

fn js_err(what: &str) -> impl Fn(JsValue) -> String + '_ {
    move |e| {
        let detail = e
            .as_string()
            .or_else(|| {
                Reflect::get(&e, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
            })
            .unwrap_or_default();
        format!("{what} failed {detail}").trim_end().to_string()
    }
}

/// Runs bytes through `CompressionStream` or `DecompressionStream` ("deflate-raw").
async fn pipe(bytes: &[u8], class: &str) -> Result<Vec<u8>, String> {
    let global = js_sys::global();
    let ctor: Function = Reflect::get(&global, &class.into())
        .ok()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| format!("this browser has no {class}"))?;
    let stream =
        Reflect::construct(&ctor, &Array::of1(&"deflate-raw".into())).map_err(js_err(class))?;
    let part = Uint8Array::from(bytes);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&part)).map_err(js_err("Blob"))?;
    let call = |target: &JsValue, method: &str, args: &Array| -> Result<JsValue, String> {
        let f: Function = Reflect::get(target, &method.into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| format!("no {method}"))?;
        Reflect::apply(&f, target, args).map_err(js_err(method))
    };
    let readable = call(&blob, "stream", &Array::new())?;
    let piped = call(&readable, "pipeThrough", &Array::of1(&stream))?;
    let response_ctor: Function = Reflect::get(&global, &"Response".into())
        .ok()
        .and_then(|c| c.dyn_into().ok())
        .ok_or("no Response")?;
    let response =
        Reflect::construct(&response_ctor, &Array::of1(&piped)).map_err(js_err("Response"))?;
    let promise = call(&response, "arrayBuffer", &Array::new())?;
    let buf = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(js_err(class))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

// Base64url without padding (RFC 4648 §5), hand-written: thirty lines, where a crate would
// add its bytes to the app for the same.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

pub fn unbase64url(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .ok_or("the link is damaged (a character that base64url does not use)")?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// The fragment (`#s1=…`) that reopens these inputs.
pub async fn encode(inputs: &Inputs) -> Result<String, String> {
    let json = serde_json::to_vec(inputs).map_err(|e| e.to_string())?;
    let packed = pipe(&json, "CompressionStream").await?;
    Ok(format!("{PREFIX}{}", base64url(&packed)))
}

/// The inputs in a snapshot fragment.
pub async fn decode(fragment: &str) -> Result<Inputs, String> {
    let data = fragment.strip_prefix(PREFIX).ok_or("not a snapshot link")?;
    if data.len() > MAX_FRAGMENT {
        return Err("the snapshot link is too long".into());
    }
    let packed = unbase64url(data)?;
    let json = pipe(&packed, "DecompressionStream")
        .await
        .map_err(|_| "the link is damaged (it does not decompress)".to_string())?;
    inputs_from(&json)
}

/// The inputs of a saved report (the page's JSON download: the report plus its `inputs`), or
/// of bare inputs.
pub fn inputs_from(json: &[u8]) -> Result<Inputs, String> {
    /// A saved report: only its inputs are read (the report is made again from them).
    #[derive(serde::Deserialize)]
    struct Saved {
        #[serde(default)]
        inputs: Option<Inputs>,
    }
    let unreadable = |e: serde_json::Error| {
        if e.is_syntax() || e.is_eof() {
            format!("not JSON: {e}")
        } else {
            format!("not a report saved by this checker ({e})")
        }
    };
    let inputs = match serde_json::from_slice::<Saved>(json).map_err(unreadable)? {
        Saved {
            inputs: Some(inputs),
        } => inputs,
        Saved { inputs: None } => serde_json::from_slice::<Inputs>(json).map_err(unreadable)?,
    };
    if inputs.domain.is_empty() || inputs.now.is_none() {
        return Err("not a report saved by this checker (no domain or time)".into());
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for n in 0..70u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(n)).collect();
            let text = base64url(&bytes);
            assert!(!text.contains(['+', '/', '=']));
            assert_eq!(unbase64url(&text).unwrap(), bytes, "{n}");
        }
        assert_eq!(base64url(b"Man"), "TWFu");
        assert_eq!(base64url(b"Ma"), "TWE");
        assert!(unbase64url("TW=u").is_err());
    }

    #[test]
    fn a_saved_report_gives_its_inputs() {
        let mut inputs = Inputs::new("example.com");
        inputs.now = Some(1_800_000_000);
        let saved =
            serde_json::json!({ "domain": "example.com", "overall": "green", "inputs": inputs });
        let back = inputs_from(saved.to_string().as_bytes()).unwrap();
        assert_eq!(back, inputs);
        assert!(inputs_from(b"{\"domain\": \"x\"}").is_err());
        assert!(inputs_from(b"not json")
            .unwrap_err()
            .starts_with("not JSON"));
        // Bare inputs open too; a saved report with damaged inputs says so.
        assert_eq!(
            inputs_from(&serde_json::to_vec(&inputs).unwrap()).unwrap(),
            inputs
        );
        let damaged = serde_json::json!({ "domain": "example.com", "inputs": { "domain": 7 } });
        assert!(inputs_from(damaged.to_string().as_bytes())
            .unwrap_err()
            .starts_with("not a report saved"));
    }
}
