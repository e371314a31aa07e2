/* 依据 in the item form: as one types a line of the 依据 box, the library's entries whose title or 文号
   contain the words are offered (GET /bases/suggest?q=…); picking one writes 《title》（文号） on that
   line, keeping an article typed after it (第十条). Without this script the box is plain text: the
   server matches each line to the library by 文号 or title, and keeps the rest as pending citations. */
(function () {
  "use strict";
  var ARTICLE = /第[一二三四五六七八九十百千零〇两\d]+[条款项目章节编].*$/;

  function init(box) {
    var url = box.getAttribute("data-suggest");
    var list = document.createElement("ul");
    list.id = box.id + "-choices";
    list.className = "typeahead";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "依据库中的依据");
    list.hidden = true;
    box.parentNode.insertBefore(list, box.nextSibling);
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    box.parentNode.insertBefore(live, list.nextSibling);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    box.setAttribute("aria-expanded", "false");
    var timer = null, seq = 0, active = -1, items = [];

    function line() {
      var v = box.value, pos = box.selectionStart || 0;
      var start = v.lastIndexOf("\n", pos - 1) + 1, end = v.indexOf("\n", pos);
      if (end < 0) { end = v.length; }
      return {start: start, end: end, text: v.slice(start, end)};
    }
    function words(text) {
      return text.replace(ARTICLE, "").replace(/[（(][^）)]*[）)]\s*$/, "").replace(/[《》]/g, "").trim();
    }
    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      items = [];
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }
    function mark(i) {
      var options = list.querySelectorAll("[role=option]");
      for (var n = 0; n < options.length; n++) {
        options[n].setAttribute("aria-selected", n === i ? "true" : "false");
      }
      active = i;
      if (i >= 0) {
        box.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({block: "nearest"});
      }
    }
    function show(rows) {
      close();
      items = rows;
      if (!rows.length) { live.textContent = "依据库中没有找到，可直接填写（保存为待入库的依据）"; return; }
      rows.forEach(function (b, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "typeahead-option" + (b.status === "repealed" ? " repealed" : "");
        var title = document.createElement("span");
        title.className = "title";
        title.textContent = b.text;
        var sub = document.createElement("span");
        sub.className = "sub";
        sub.textContent = [b.doc_number, b.issuer, b.level, b.status !== "in_force" ? b.status_label : ""]
          .filter(Boolean).join(" · ");
        li.appendChild(title);
        li.appendChild(sub);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      live.textContent = "找到 " + rows.length + " 条依据，用上下键选择，回车确认";
    }
    function pick(i) {
      var b = items[i], at = line(), m = at.text.match(ARTICLE), article = m ? m[0] : "";
      var text = b.text + (b.doc_number ? "（" + b.doc_number + "）" : "");
      box.value = box.value.slice(0, at.start) + text + article + box.value.slice(at.end);
      var caret = at.start + text.length + article.length;
      close();
      box.focus();
      box.setSelectionRange(caret, caret);
      live.textContent = "已选择" + b.text + "，可接着填写条款，如“第十条”";
    }
    function ask() {
      var q = words(line().text);
      if (q.length < 2) { close(); return; }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {bases: []}; })
        .then(function (data) { if (mine === seq) { show(data.bases || []); } })
        .catch(close);
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    box.addEventListener("keydown", function (ev) {
      if (list.hidden || !items.length) { return; }
      if (ev.key === "ArrowDown") { ev.preventDefault(); mark((active + 1) % items.length); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); mark(active <= 0 ? items.length - 1 : active - 1); }
      else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); pick(active); }
      else if (ev.key === "Escape") { ev.preventDefault(); close(); }
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("textarea[data-suggest]");
    for (var i = 0; i < boxes.length; i++) { init(boxes[i]); }
  });
})();
