//! What the checker is told by whoever mounts it: the page's URL (`?domain=`, `?resolver=`,
//! `?doh=json`, `?proxy=`, `?tool=`) for the standalone app, or the `<mta-sts-check>`
//! element's attributes for the embed. Changing it re-renders; a new `domain` runs a check.

use mtasts_core::Report;
use yew::{Callback, Properties};

#[derive(Clone, Debug, Default, PartialEq, Properties)]
pub struct Config {
    /// Run a check for this domain at once.
    #[prop_or_default]
    pub domain: Option<String>,
    /// The DoH endpoint; `None` uses the one the checker's server names (never a built-in
    /// fallback).
    #[prop_or_default]
    pub resolver: Option<String>,
    /// The DoH JSON API instead of RFC 8484.
    #[prop_or_default]
    pub doh_json: bool,
    /// The proxy's base URL; `None` is the page's (or the widget script's) origin.
    #[prop_or_default]
    pub proxy: Option<String>,
    /// Open this offline tool first.
    #[prop_or_default]
    pub tool: Option<String>,
    /// Hide the offline tools.
    #[prop_or_default]
    pub no_tools: bool,
    /// A one-line result that expands (the embed's `compact`).
    #[prop_or_default]
    pub compact: bool,
    /// Mounted inside another site's page: no URL rewriting, no local storage, no theme
    /// toggle (the host sets the theme by attribute).
    #[prop_or_default]
    pub embedded: bool,
    /// Told when a check starts (the domain, A-label form) and when its report is complete.
    #[prop_or_default]
    pub on_start: Callback<String>,
    #[prop_or_default]
    pub on_report: Callback<Report>,
}

fn param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

impl Config {
    /// The standalone app's configuration, from the page URL.
    pub fn from_url() -> Config {
        Config {
            domain: param("domain"),
            resolver: param("resolver"),
            doh_json: param("doh").as_deref() == Some("json"),
            proxy: param("proxy"),
            tool: param("tool"),
            ..Config::default()
        }
    }
}
