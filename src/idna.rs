//! IDNA through the browser's own URL parser (UTS #46, as the browser resolves names), so
//! the bundle ships no Unicode tables.

use mtasts_core::domain::Idna;

pub struct BrowserIdna;

impl Idna for BrowserIdna {
    fn to_ascii(&self, name: &str) -> Result<String, String> {
        let url = web_sys::Url::new(&format!("http://{name}/"))
            .map_err(|_| "it is not a valid internationalised domain name".to_string())?;
        Ok(url.hostname())
    }

    fn to_unicode(&self, name: &str) -> String {
        // The URL API only converts towards ASCII; show the name as DNS has it.
        name.to_string()
    }

    fn to_lowercase(&self, name: &str) -> String {
        // JavaScript's toLowerCase is Unicode's default case mapping too (locale-independent).
        js_sys::JsString::from(name).to_lower_case().into()
    }
}
