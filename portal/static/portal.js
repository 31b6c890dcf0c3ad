// Portal behaviour: CSRF header for htmx, focus after swaps, error summary focus.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });
  // After an htmx swap, move focus to an element that asks for it (error summary, result heading),
  // so keyboard and screen-reader users land on what changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target || document;
    // An outerHTML swap has replaced the target: look in the element that was settled in its place.
    if (target !== document && !target.isConnected) { target = event.target; }
    var focusable = target.querySelector("[data-focus-after-swap]");
    if (focusable) { focusable.setAttribute("tabindex", "-1"); focusable.focus(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".portal-error-summary");
    if (summary) { summary.focus(); }
  });
})();
