// Lists (core/tables.py, core/partials/_filter_panel.html): searchable multi-selects with Tom
// Select (static/vendor/tom-select), and the filter panel folded on small screens. A static file
// because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var NARROW = window.matchMedia("(max-width: 991.98px)");

  function enhance(root) {
    if (typeof window.TomSelect === "undefined") return;
    root.querySelectorAll(".filter-panel select[multiple]").forEach(function (select) {
      if (select.tomselect) return;
      // Tom Select points the <label> at its own search box: the select keeps its name.
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      if (label) select.setAttribute("aria-label", label.textContent.trim());
      new window.TomSelect(select, {
        plugins: ["remove_button"],
        maxOptions: null,
        hidePlaceholder: true,
        placeholder: "Any",
      });
    });
  }

  function foldOnSmallScreens() {
    if (!NARROW.matches) return;
    document.querySelectorAll("details.filter-panel[open]").forEach(function (panel) {
      panel.removeAttribute("open");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    foldOnSmallScreens();
    enhance(document);
  });
  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail.elt);
  });

  // An open column chooser closes when the user clicks elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.column-chooser[open]").forEach(function (chooser) {
      if (!chooser.contains(event.target)) chooser.removeAttribute("open");
    });
  });
})();
