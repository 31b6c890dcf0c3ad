// Weekly presentie grid: after a row is saved with htmx, announce the result and move focus sensibly:
// on errors to the first invalid input of the row, otherwise to the same day in the next row, so a
// teacher can fill a whole column with number, Enter, number, Enter.
(function () {
  "use strict";
  var pending = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.classList || !form.classList.contains("presentie-rij__form")) { return; }
    var row = form.closest("tr");
    var active = document.activeElement;
    // Inputs are named <veld>_<day>: aanwezig_0 .. reden_6.
    var match = active && active.name ? /_(\d)$/.exec(active.name) : null;
    pending = { rowId: row ? row.id : null, kolom: match ? match[1] : null };
  });

  function afterRowSwap() {
    if (!pending || !pending.rowId) { return; }
    var row = document.getElementById(pending.rowId);
    if (!row) { return; }
    var kolom = pending.kolom;
    pending = null;
    var status = document.getElementById("presentie-status");
    if (status) { status.textContent = row.getAttribute("data-bericht") || ""; }
    var invalid = row.querySelector('[aria-invalid="true"]');
    if (invalid) {
      var details = invalid.closest("details");
      if (details) { details.open = true; }
      invalid.focus();
      return;
    }
    var next = row.nextElementSibling;
    var day = 'input[name^="aanwezig_"]';
    while (next && !next.querySelector(day)) { next = next.nextElementSibling; }
    var target = null;
    if (next) {
      target = (kolom !== null && next.querySelector('input[name="aanwezig_' + kolom + '"]')) || next.querySelector(day);
    }
    if (!target) {
      target = (kolom !== null && row.querySelector('input[name="aanwezig_' + kolom + '"]')) || row.querySelector(day);
    }
    if (target) { target.focus(); target.select(); }
  }

  document.addEventListener("htmx:afterSettle", afterRowSwap);

  // Before a row overwrites hours that were already saved, say which and ask: a slip of the keyboard in a full
  // week should not silently replace a registration (the history keeps it, but the teacher should know).
  // The input's accessible name: its aria-label, or the texts its aria-labelledby points at.
  function naamVan(input) {
    var label = input.getAttribute("aria-label");
    if (label) { return label; }
    var ids = (input.getAttribute("aria-labelledby") || "").split(" ");
    var parts = ids.map(function (id) { var el = id && document.getElementById(id); return el ? el.textContent.trim() : ""; });
    return parts.join(" ").trim() || input.name;
  }
  // Hours are the same amount however they are written (2,5 = 2.5 = 2,50): only a different amount is a change.
  function zelfde(input, stored) {
    var typed = input.value.trim();
    if (typed === stored) { return true; }
    if (input.getAttribute("inputmode") !== "decimal") { return false; }
    var a = Number(typed.replace(",", ".")), b = Number(stored.replace(",", "."));
    return typed !== "" && !isNaN(a) && !isNaN(b) && a === b;
  }
  // Every input of the row is found through its form attribute at the moment of asking, so rows swapped in by
  // htmx (after a save, or returned with errors) are asked about against the stored value they carry: the value
  // the input came with (defaultValue), or data-opgeslagen where the row shows something else (errors).
  function overschreven(form) {
    var changes = [];
    document.querySelectorAll('input[form="' + form.id + '"]').forEach(function (input) {
      var stored = input.hasAttribute("data-opgeslagen") ? input.getAttribute("data-opgeslagen") : input.defaultValue;
      if (stored && !zelfde(input, stored)) {
        changes.push(naamVan(input) + ": " + stored + " wordt " +
          (input.value === "" ? "leeg" : input.value));
      }
    });
    return changes;
  }
  function bevestigd(changes) {
    return window.confirm("U overschrijft een eerder opgeslagen waarde:\n" + changes.join("\n") + "\n\nDoorgaan?");
  }
  // Asked on the submit itself (capture phase, before htmx sees it): a row htmx swapped in has its form wired only
  // when the swap settles, and an Enter in that moment is a plain form post that must not skip the question.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.classList || !form.classList.contains("presentie-rij__form")) { return; }
    var changes = overschreven(form);
    if (!changes.length) { return; }
    if (!bevestigd(changes)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // htmx requests not started by a submit (none today) still ask; one started by a submit was asked above.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form || !form.classList || !form.classList.contains("presentie-rij__form")) { return; }
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "submit") { return; }
    var changes = overschreven(form);
    if (!changes.length) { return; }
    event.preventDefault();
    if (bevestigd(changes)) { event.detail.issueRequest(true); }
  });
})();
