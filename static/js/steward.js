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
})();
