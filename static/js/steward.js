// Steward's page behaviour, kept out of the templates: the Content-Security-Policy allows
// scripts from this origin only (no inline <script>, no on* or hx-on attributes, no eval).
(function () {
  "use strict";

  // A dashboard panel whose app has nothing to show for this user removes itself.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    if (panel && panel.hasAttribute("data-remove-if-empty") && !panel.textContent.trim()) {
      panel.remove();
    }
  });
})();
