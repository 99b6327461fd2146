// Steward's page behaviour, kept out of the templates: the Content-Security-Policy allows
// scripts from this origin only (no inline <script>, no on* or hx-on attributes, no eval).
(function () {
  "use strict";

  // Small screens fold the navigation behind the "Menu" button (Tabler's navbar collapse, shown
  // with Bootstrap's `show` class; without JavaScript the CSS keeps the links visible).
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".nav-toggle");
    if (!toggle) return;
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = menu.classList.toggle("show");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // A button or form with data-confirm asks first (decisions, rejections, revocations).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A dashboard panel whose app has nothing to show for this user removes itself.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    if (panel && panel.hasAttribute("data-remove-if-empty") && !panel.textContent.trim()) {
      panel.remove();
    }
  });

  // A box that scrolls sideways (a wide table on a phone, a long command) must be reachable by
  // keyboard (WCAG 2.1.1): make it focusable while it scrolls, so arrow keys move it.
  var SCROLLERS = ".table-wrap, .table-responsive, table.table, pre";
  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }
  var pending = null;
  function markSoon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(markScrollers, 100);
  }
  document.addEventListener("DOMContentLoaded", markScrollers);
  document.addEventListener("htmx:afterSettle", markSoon);
  window.addEventListener("resize", markSoon);
})();
