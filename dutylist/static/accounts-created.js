// The list of accounts just created, with their temporary passwords, saved as a CSV file by the
// browser itself: the passwords are in this page only (the server keeps no clear copy to serve again).
(function () {
  "use strict";
  var button = document.getElementById("download-created");
  var table = document.getElementById("created-accounts");
  if (!button || !table) { return; }
  function cell(text) {
    var t = text.replace(/\s+/g, " ").trim();
    if (/^[=+\-@]/.test(t)) { t = "'" + t; }  // a spreadsheet must not read it as a formula
    return '"' + t.replace(/"/g, '""') + '"';
  }
  button.addEventListener("click", function () {
    var lines = [];
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = [];
      tr.querySelectorAll("th, td").forEach(function (c) { cells.push(cell(c.textContent)); });
      lines.push(cells.join(","));
    });
    var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], {type: "text/csv;charset=utf-8"});
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = button.getAttribute("data-filename") || "accounts.csv";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  });
})();
