/* The embed docs page's live examples (a separate file: no inline script, so the page works
   under the same strict CSP a host page would use). */
(function () {
  "use strict";
  var origin = location.origin;
  document.querySelectorAll("code").forEach(function (c) {
    if (c.textContent.indexOf("ORIGIN") >= 0) c.textContent = c.textContent.split("ORIGIN").join(origin);
  });
  var log = document.getElementById("events");
  function show(e) {
    var li = document.createElement("li");
    var what = e.type === "mta-sts-report" ? e.detail.overall + ": " + e.detail.verdict : e.detail.domain;
    li.textContent = e.type + " from #" + e.target.id + " — " + what;
    log.appendChild(li);
  }
  document.addEventListener("mta-sts-start", show);
  document.addEventListener("mta-sts-report", show);
  document.getElementById("swap").addEventListener("click", function () {
    document.getElementById("ex-compact").setAttribute("domain", "mx-not-covered.test");
  });
  var out = document.getElementById("api-out");
  function print(p) {
    out.textContent = "…";
    p.then(function (r) { out.textContent = JSON.stringify(r, null, 2); },
           function (e) { out.textContent = "error: " + e; });
  }
  document.getElementById("api-check").addEventListener("click", function () {
    print(window.MtaSts.check("mx-expired.test"));
  });
  document.getElementById("api-lint").addEventListener("click", function () {
    print(window.MtaSts.lint("policy", "version: STSv1\nmode: enforcing\n"));
  });
})();
