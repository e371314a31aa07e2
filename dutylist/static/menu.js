// The header's 菜单 button on narrow screens (no inline scripts: CSP). Without this file the menu is
// simply shown, stacked under the title; with it, narrow screens show the button, which opens and
// closes the menu (aria-expanded says which). Escape closes it and puts the focus back on the button.
(function () {
  "use strict";
  var root = document.documentElement;
  root.className += (root.className ? " " : "") + "js-menu";

  function ready() {
    var button = document.getElementById("menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) { return; }

    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    }

    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
