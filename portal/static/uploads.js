// Uploads: progress while sending, a file over the limit refused before it is sent, and a failed send said aloud.
(function () {
  "use strict";
  function uploadForm(element) {
    return element && element.closest ? element.closest("[data-upload-form]") : null;
  }

  // htmx reports XHR upload progress as htmx:xhr:progress; show it in a <progress>.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event.target);
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

  // A file over the limit is not sent: the server renders the form with its message (the same as its own check).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.target);
    if (!form || event.detail.requestConfig.verb !== "post") { return; }
    var input = form.querySelector("input[type=file][data-max-bytes]");
    var file = input && input.files && input.files[0];
    if (!file || file.size <= Number(input.dataset.maxBytes)) { return; }
    event.preventDefault();
    var soort = form.querySelector("select[name=soort]");
    var url = form.dataset.teGrootUrl + "?soort=" + encodeURIComponent(soort ? soort.value : "");
    window.htmx.ajax("GET", url, { target: "#upload-formulier", swap: "outerHTML" });
  });

  // The connection broke off (or the server refused the body before reading it): say so instead of "Verzonden".
  document.addEventListener("htmx:sendError", function (event) {
    var form = uploadForm(event.target);
    if (!form) { return; }
    form.querySelector("[data-upload-progress]").hidden = true;
    form.querySelector("[data-upload-send-error]").hidden = false;
  });
})();
