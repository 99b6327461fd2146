// Steward's htmx actions answer a refusal (400 invalid, 403 not allowed, 409 stale, 422) with
// the fragment to show where the user clicked. htmx drops non-2xx responses by default
// (https://htmx.org/docs/#response-handling), so a stale tab would keep offering its buttons:
// swap these into the request's target like a success. Used by every htmx action (base.html).
(function () {
  "use strict";
  var IN_PLACE = [400, 403, 409, 422];

  function inPlace(event) {
    var xhr = event.detail && event.detail.xhr;
    return !!xhr && IN_PLACE.indexOf(xhr.status) !== -1;
  }

  // The page root sees the event before `document`, where django-htmx's development handler
  // would replace the whole page with the fragment, unstyled: these answers are not errors.
  document.documentElement.addEventListener("htmx:beforeOnLoad", function (event) {
    if (inPlace(event)) {
      event.stopPropagation();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (inPlace(event)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
