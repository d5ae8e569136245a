//! Local files: reading a picked or dropped file, and saving a download. Nothing here touches
//! the network (a download is a `blob:` URL made in the page).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The largest file the offline tools read; a TLS-RPT report of this size is already extreme.
pub const MAX_FILE: f64 = 32.0 * 1024.0 * 1024.0;

/// Reads a whole file, or says why it could not.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    if file.size() > MAX_FILE {
        return Err(format!(
            "{} is {} MiB; the limit is {} MiB",
            file.name(),
            crate::text::fixed(file.size() / 1_048_576.0, 0),
            crate::text::fixed(MAX_FILE / 1_048_576.0, 0)
        ));
    }
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("could not read {}", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |_| "the browser refused the download".to_string();
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "no anchor".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Copies text to the clipboard.
pub async fn copy(text: &str) -> Result<(), String> {
    let clipboard = web_sys::window()
        .ok_or("no window")?
        .navigator()
        .clipboard();
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|_| {
            "the browser did not allow copying; select the text and copy it by hand".into()
        })
}
