// Steward's htmx actions answer a refusal (400 invalid, 403 not allowed, 404 gone, 409 stale,
// 422) with the fragment to show where the user clicked (core/error_views.py answers htmx
// with a one-line fragment too). htmx drops non-2xx responses by default
// (https://htmx.org/docs/#response-handling), so a stale tab would keep offering its buttons:
// swap these into the request's target like a success. Used by every htmx action (base.html).
(function () {
  "use strict";
  var IN_PLACE = [400, 403, 404, 409, 422];

  function inPlace(event) {
    var xhr = event.detail && event.detail.xhr;
    return (
      !!xhr &&
      IN_PLACE.indexOf(xhr.status) !== -1 &&
      !/<html[\s>]/i.test(xhr.responseText || "")  // a whole page is not a fragment
    );
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
