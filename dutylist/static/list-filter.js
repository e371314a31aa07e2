// The filter of a long list (a version or a draft), applied as the user types. Without this file the
// form is a plain GET form the server answers (dutylist/items/filtering.py); this script matches the
// rows the same way: table (data-kind of the table's box), 事项类别 (data-cat), a department's name
// (data-depts, names separated by "|"), words in the name and duties (the row's cells but 序号,
// 类别 and 操作; whitespace ignored), "changed only" (data-changed). Rows that do not match get the
// `hidden` attribute, as the server renders them. The address follows the filter (replaceState), so a
// reload or a shared link shows the same rows.
(function () {
  "use strict";

  function normalise(text) {
    return (text || "").replace(/\s+/g, "").toLowerCase();
  }

  function words(text) {
    return (text || "").split(/\s+/).map(normalise).filter(function (w) { return w; });
  }

  function rowText(row) {
    if (row._filterText === undefined) {
      var parts = [];
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (!cell.classList.contains("no") && !cell.classList.contains("cat") && !cell.classList.contains("ops")) {
          parts.push(cell.textContent);
        }
      });
      row._filterText = normalise(parts.join(""));
    }
    return row._filterText;
  }

  function ready() {
    var form = document.getElementById("item-filter");
    if (!form) { return; }
    var holder = document.getElementById(form.getAttribute("data-target"));
    if (!holder) { return; }
    var shownOut = form.querySelector(".filter-count .shown");
    var field = function (name) { return form.elements.namedItem(name); };
    var timer = null;

    function current() {
      var changed = field("changed");
      return {
        table: field("table").value,
        category: field("category").value,
        department: normalise(field("department").value),
        q: words(field("q").value),
        changed: !!(changed && changed.checked)
      };
    }

    function matches(row, f) {
      if (f.category && row.getAttribute("data-cat") !== f.category) { return false; }
      if (f.department) {
        var names = (row.getAttribute("data-depts") || "").split("|");
        if (!names.some(function (n) { return n && normalise(n).indexOf(f.department) !== -1; })) { return false; }
      }
      if (f.q.length) {
        var text = rowText(row);
        if (!f.q.every(function (w) { return text.indexOf(w) !== -1; })) { return false; }
      }
      return !f.changed || row.getAttribute("data-changed") === "1";
    }

    function apply() {
      var f = current();
      var shown = 0;
      holder.querySelectorAll(".filter-table").forEach(function (box) {
        var inTable = !f.table || box.getAttribute("data-kind") === f.table;
        box.hidden = !inTable;
        var here = 0;
        box.querySelectorAll("tr[data-cat]").forEach(function (row) {
          var ok = inTable && matches(row, f);
          row.hidden = !ok;
          if (ok) { here += 1; }
        });
        shown += here;
        var empty = box.querySelector(".filter-empty");
        var active = f.category || f.department || f.q.length || f.changed || f.table;
        if (empty) { empty.hidden = !(active && here === 0); }
      });
      if (shownOut) { shownOut.textContent = String(shown); }
      var params = new URLSearchParams();
      ["table", "category", "department", "q"].forEach(function (name) {
        var value = field(name).value.trim();
        if (value) { params.set(name, value); }
      });
      if (f.changed) { params.set("changed", "1"); }
      var query = params.toString();
      holder.querySelectorAll("form[data-keep-filter]").forEach(function (f2) {  // a move lands on the same rows
        var action = f2.getAttribute("action").split("?")[0];
        f2.setAttribute("action", action + (query ? "?" + query : ""));
      });
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
      }
    }

    form.addEventListener("input", function (e) {
      window.clearTimeout(timer);
      timer = window.setTimeout(apply, e.target.type === "search" || e.target.type === "text" ? 150 : 0);
    });
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) {  // already applied: no reload
      e.preventDefault();
      window.clearTimeout(timer);
      apply();
    });
    var clear = form.querySelector(".filter-clear");
    if (clear) {
      clear.addEventListener("click", function (e) {
        e.preventDefault();
        form.reset();
        ["table", "category", "department", "q"].forEach(function (name) { field(name).value = ""; });
        if (field("changed")) { field("changed").checked = false; }
        apply();
      });
    }
    form.classList.add("live");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
