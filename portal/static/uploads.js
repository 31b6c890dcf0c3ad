// Upload progress: htmx reports XHR upload progress as htmx:xhr:progress; show it in a <progress>.
(function () {
  "use strict";
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest("[data-upload-form]") : null;
    if (!form || !event.detail.lengthComputable) { return; }
    var box = form.querySelector("[data-upload-progress]");
    var bar = form.querySelector("progress");
    var text = form.querySelector("[data-upload-progress-text]");
    var pct = Math.round((event.detail.loaded / event.detail.total) * 100);
    box.hidden = false;
    bar.value = pct;
    bar.textContent = pct + "%";
    // Announce in steps of 25% only, so screen readers are not flooded.
    if (text && pct % 25 === 0 && text.dataset.last !== String(pct)) {
      text.dataset.last = String(pct);
      text.textContent = pct === 100 ? "Verzonden, het bestand wordt gecontroleerd." : pct + " procent verzonden";
    }
  });
})();
