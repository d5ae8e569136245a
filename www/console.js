// Loads the console's wasm module (a file, not inline script: works under a strict CSP).
import init from "./mtasts-console.js";
init({ module_or_path: new URL("mtasts-console_bg.wasm", import.meta.url) });
