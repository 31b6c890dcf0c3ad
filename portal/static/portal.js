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
// A table wider than its wrapper scrolls inside it: make that wrapper a labelled, focusable region so keyboard
// users can scroll it (WCAG 2.1.1; axe scrollable-region-focusable). Narrow tables stay out of the tab order.
(function () {
  "use strict";
  function label(wrap) {
    var table = wrap.querySelector("table");
    var caption = table && table.querySelector("caption");
    var byId = table && table.getAttribute("aria-labelledby");
    var source = caption || (byId && document.getElementById(byId));
    return "Tabel" + (source ? ": " + source.textContent.trim().replace(/\s+/g, " ") : "") + " (schuift opzij)";
  }
  function update(wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      if (!wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap));
      }
    } else if (wrap.getAttribute("role") === "region") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }
  var observer = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { update(entry.target); });
  }) : null;
  function scan(root) {
    (root || document).querySelectorAll(".portal-table-wrap").forEach(function (wrap) {
      update(wrap);
      if (observer) { observer.observe(wrap); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSettle", function (event) { scan(event.detail.target || document); });
})();
