// Polls the import job's status and updates the progress page (no inline scripts: CSP).
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var message = document.getElementById("import-message");
  var result = document.getElementById("import-result");
  var link = document.getElementById("import-result-link");
  var refresh = document.getElementById("import-refresh");
  var url = box.getAttribute("data-status-url");

  function show(s) {
    bar.max = s.total || 1;
    bar.value = s.done || 0;
    var running = s.state === "queued" || s.state === "running";
    message.textContent = s.message + (running ? "（" + (s.done || 0) + " / " + (s.total || 1) + "）" : "");
    box.setAttribute("data-state", s.state);
    if (s.result_url) {
      link.href = s.result_url;
      result.hidden = false;
    }
    if (!running && refresh) { refresh.hidden = true; }
    if (s.state === "error" && s.retryable && !document.getElementById("import-retry")) { window.location.reload(); }
    return running;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        if (show(s)) { window.setTimeout(poll, 800); }
        else if (s.state === "done" && s.result_url) { window.setTimeout(function () { window.location.assign(s.result_url); }, 1200); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (box.getAttribute("data-state") === "queued" || box.getAttribute("data-state") === "running") { poll(); }
})();
