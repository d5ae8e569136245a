/* MTA-STS checker embed: <script src="https://CHECKER/embed.js" async></script>
 *                        <mta-sts-check domain="example.com"></mta-sts-check>
 *
 * Defines the <mta-sts-check> element (Shadow DOM; every style stays inside it) and two globals,
 * window.MtaSts = { check(domain, options), lint(kind, text), ready() }, and
 * window.mtastsLoadTools, which loads the offline tools' module (also the report's raw data,
 * Fix-it and JSON download) when first wanted.
 * Nothing heavy loads until an element is first visible or the API is first used; then the
 * wasm module loads once and every element on the page shares it. No inline script, no eval:
 * works under script-src 'self' 'wasm-unsafe-eval' <this origin>, with connect-src allowing
 * this origin (and the DoH resolver) for the module, the stylesheet and the checks.
 *
 * Plain JavaScript on purpose: this file is what a host page pays before the widget is seen.
 */
(function () {
  "use strict";
  if (window.MtaSts) return; // loaded twice: keep the first
  var script = document.currentScript;
  var base = new URL(".", script ? script.src : location.href).href;
  var origin = new URL(base).origin;
  var ATTRS = ["domain", "resolver", "proxy", "doh", "theme", "compact", "offline-tools", "tool"];
  var loading = null;
  var sheet = null;

  /* The wasm module and the stylesheet, once per page. */
  function load() {
    if (!loading) {
      var mod = import(base + "embed/mtasts-embed.js").then(function (m) {
        return m.default({ module_or_path: base + "embed/mtasts-embed_bg.wasm" }).then(function () { return m; });
      });
      var css = fetch(base + "style.css").then(function (r) {
        if (!r.ok) throw new Error("style.css: HTTP " + r.status);
        return r.text();
      }).then(function (text) {
        if ("adoptedStyleSheets" in Document.prototype) {
          sheet = new CSSStyleSheet();
          sheet.replaceSync(text);
        } else {
          sheet = text; // older browsers: a <style> in the shadow root (needs style-src to allow it)
        }
      });
      loading = Promise.all([mod, css]).then(function (r) { return r[0]; });
    }
    return loading;
  }

  /* The offline tools' module, which also renders the report's parts read on demand (raw
     data, Fix-it, the JSON download): fetched when first wanted or when idle, once per page.
     After a failure the next call tries again under a new URL; a success fires
     "mtasts-tools-ready" on window. The checker looks for this function
     (src/services/tools_module.rs). */
  if (!window.mtastsLoadTools) {
    var tools = null, failures = 0;
    window.mtastsLoadTools = function () {
      if (tools) return tools;
      tools = import(base + "tools/mtasts-tools.js" + (failures ? "?retry=" + failures : "")).then(function (m) {
        var wasm = fetch(base + "tools/mtasts-tools_bg.wasm", { priority: "low" });
        return m.default({ module_or_path: wasm }).then(function () { return m; });
      });
      tools.then(function () { window.dispatchEvent(new Event("mtasts-tools-ready")); },
                 function () { tools = null; failures++; });
      return tools;
    };
  }

  function config(el) {
    return {
      domain: el.getAttribute("domain") || "",
      resolver: el.getAttribute("resolver") || "",
      proxy: el.getAttribute("proxy") || origin,
      doh: el.getAttribute("doh") || "",
      tool: el.getAttribute("tool") || "",
      compact: el.hasAttribute("compact"),
      offlineTools: el.hasAttribute("offline-tools") && el.getAttribute("offline-tools") !== "false"
    };
  }

  function theme(el) {
    var t = el.getAttribute("theme");
    return t === "light" || t === "dark" ? t : "auto";
  }

  class MtaStsCheck extends HTMLElement {
    static get observedAttributes() { return ATTRS; }

    constructor() {
      super();
      this._shadow = this.attachShadow({ mode: "open" });
      this._root = document.createElement("div");
      this._root.className = "mtasts-root";
      this._root.setAttribute("data-theme", theme(this));
      this._status = document.createElement("p");
      this._status.textContent = "MTA-STS checker: loading…";
      this._status.setAttribute("role", "status");
      this._root.appendChild(this._status);
      this._shadow.appendChild(this._root);
      this._widget = null;
      this._observer = null;
    }

    connectedCallback() {
      var self = this;
      if (this._widget || this._observer) return;
      if (!("IntersectionObserver" in window)) { this._start(); return; }
      this._observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) {
          self._observer.disconnect();
          self._observer = null;
          self._start();
        }
      }, { rootMargin: "200px" });
      this._observer.observe(this);
    }

    disconnectedCallback() {
      if (this._observer) { this._observer.disconnect(); this._observer = null; }
      if (this._widget) { this._widget.destroy(); this._widget = null; }
    }

    attributeChangedCallback(name) {
      if (name === "theme") this._root.setAttribute("data-theme", theme(this));
      if (this._widget) this._widget.update(config(this));
    }

    _start() {
      var self = this;
      load().then(function (m) {
        if (!self.isConnected || self._widget) return;
        if (typeof sheet === "string") {
          var style = document.createElement("style");
          style.textContent = sheet;
          self._shadow.insertBefore(style, self._root);
        } else {
          self._shadow.adoptedStyleSheets = [sheet];
        }
        self._root.removeChild(self._status);
        self._widget = m.mount(self._root, self, config(self));
      }).catch(function (e) {
        self._status.textContent = "The MTA-STS checker could not load (" + e + "). Is " + base + " reachable from this page, and does its Content-Security-Policy allow it?";
      });
    }
  }

  window.MtaSts = Object.freeze({
    /* A Promise of the report for one domain; options: { proxy, resolver, doh: "json" }. */
    check: function (domain, options) {
      var o = Object.assign({ proxy: origin }, options || {});
      return load().then(function (m) { return m.check(String(domain), o); });
    },
    /* Offline validation: kind is "policy", "sts-txt", "tlsrpt-txt" or "tlsrpt-report". */
    lint: function (kind, text) {
      return load().then(function (m) { return m.lint(String(kind), String(text)); });
    },
    /* Resolves once the module is loaded (the elements load it on their own). */
    ready: function () { return load().then(function () {}); },
    version: "1"
  });
  customElements.define("mta-sts-check", MtaStsCheck);
})();
