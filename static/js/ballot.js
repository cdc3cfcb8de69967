// Autosave for the ballot: each field is saved as it is entered, with the page's CSRF token.
// The form works without this file (a plain post saves it); this only saves sooner. The POST,
// the pause and the retry delay are autosave.js's (shared with the application form).
// The status (in the sticky bar) says saved at HH:MM / saving / not saved, in words and colours;
// only a change that matters (a save failing, or succeeding again after a failure) is announced.
(function () {
  "use strict";
  // What has focus stops above the sticky bar (prize.css's scroll-padding-bottom): the page is
  // told the bar's height, which grows when its message takes more lines.
  var bar = document.querySelector(".score-bar");
  if (bar && window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.setProperty("--score-bar", bar.offsetHeight + "px");
    }).observe(bar);
  }
  var form = document.querySelector("form[data-autosave]");
  var shared = window.PRIZE_AUTOSAVE;
  if (!form || !shared) { return; }
  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var announcer = document.getElementById("autosave-announce");
  var retry = document.getElementById("autosave-retry");
  var tokenField = form.querySelector('input[name="csrf_token"]');
  var pending = {};      // field name -> value not yet saved
  var inFlight = false;
  var stopped = false;   // a refusal that retrying cannot fix (signed out, stale form)
  var retryDelay = shared.backoff(1000, 30000);

  // state: "saved", "saving", "offline" or "retrying" (retry offered), "refused" or "stopped".
  // Announced: a failure as it starts (not each retry), a refusal, and the save that ends one.
  var shown = "";        // the last state other than "saving"
  function say(state, text) {
    if (!status) { return; }
    status.textContent = text || "";
    status.setAttribute("data-state", state);
    if (retry) { retry.hidden = !(state === "offline" || state === "retrying"); }
    if (state === "saving") { return; }
    var before = shown;
    shown = state;
    var announce = "";
    if (state === "saved") {
      if (before === "offline" || before === "retrying") {
        announce = form.getAttribute("data-msg-back") + " " + text;
      } else if (before === "refused") {
        announce = text;
      }
    } else if (state !== before || state === "refused") {
      announce = text;
    }
    if (announcer && announce) { announcer.textContent = announce; }
  }

  function valueOf(field) {
    if (field.type === "checkbox") { return field.checked ? "yes" : "no"; }
    return field.value;
  }

  var timer = shared.debounced(function () { flush(); });
  function schedule(ms) { timer.schedule(ms); }

  // A field's message beside it (prize.js's, loaded after this file, so looked up when used).
  function fieldError(name, message) {
    var field = form.elements.namedItem(name);
    var group = document.getElementById(name);
    if (group && group.tagName === "FIELDSET") { field = group; }  // a score's radio buttons
    if (!field || !field.id || !window.PRIZE_FORMS) { return; }
    window.PRIZE_FORMS.fieldError(field, message);
  }

  function showProgress(progress) {
    if (!progress) { return; }
    var bar = document.getElementById("ballot-progress");
    if (bar) { bar.value = progress.done; bar.max = progress.total; bar.textContent = progress.done + " / " + progress.total; }
  }

  // A choice refused for good (the ballot submitted or the round closed, perhaps in another
  // tab) goes back to what the ballot holds (the answer's "stored"): the page never shows a
  // score that is not the one saved. Typed text stays, so that it can still be copied.
  function restore(sent, stored) {
    if (!stored) { return; }
    Object.keys(sent).forEach(function (name) {
      if (!(name in stored)) { return; }
      var value = stored[name];
      form.querySelectorAll('[name="' + name + '"]').forEach(function (field) {
        if (field.type === "radio") {
          field.checked = field.value === value;
        } else if (field.type === "checkbox") {
          field.checked = value === "yes";
        }
      });
    });
  }

  function requeue(sent) {
    Object.keys(sent).forEach(function (name) {
      if (!(name in pending)) { pending[name] = sent[name]; }
    });
  }

  function flush() {
    if (stopped) { return; }
    if (inFlight) { schedule(300); return; }
    var names = Object.keys(pending);
    if (!names.length) { return; }
    var body = new URLSearchParams();
    body.append("csrf_token", tokenField ? tokenField.value : "");
    var sent = {};
    names.forEach(function (name) { body.append(name, pending[name]); sent[name] = pending[name]; });
    pending = {};
    inFlight = true;
    say("saving", form.getAttribute("data-msg-saving"));
    shared.post(url, body).then(function (result) {
      inFlight = false;
      if (!result.data) {  // an expired form (CSRF): retrying the same token cannot help
        stopped = true;
        say("stopped", form.getAttribute("data-msg-failed"));
        return;
      }
      var errors = result.data.errors || {};
      Object.keys(sent).forEach(function (name) { fieldError(name, errors[name] || ""); });
      showProgress(result.data.progress);
      retryDelay.reset();
      if (result.status === 200) {
        say("saved", result.data.message);
      } else if (result.status === 400) {
        say("refused", result.data.message);
      } else {
        stopped = true;  // signed out, link revoked, round closed, ballot submitted
        restore(sent, result.data.stored);
        say("stopped", result.data.message);
      }
      if (Object.keys(pending).length) { schedule(300); }
    }).catch(function () {
      inFlight = false;
      requeue(sent);
      if (navigator.onLine === false) {
        say("offline", form.getAttribute("data-msg-offline"));
      } else {
        say("retrying", form.getAttribute("data-msg-retrying"));
      }
      schedule(retryDelay.next());
    });
  }

  function changed(event) {
    var field = event.target;
    if (!field.name || field.name === "csrf_token" || field.type === "submit") { return; }
    pending[field.name] = valueOf(field);
    if (field.name === "abstain" || field.name === "abstain_reason") {
      // An abstention and its reason are saved together.
      var box = form.elements.namedItem("abstain");
      var reason = form.elements.namedItem("abstain_reason");
      if (box) { pending.abstain = valueOf(box); }
      if (reason) { pending.abstain_reason = reason.value; }
    }
    schedule(field.tagName === "TEXTAREA" || field.type === "text" ? 800 : 400);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", function () { if (Object.keys(pending).length) { schedule(0); } });
  window.addEventListener("offline", function () {
    if (Object.keys(pending).length) { say("offline", form.getAttribute("data-msg-offline")); }
  });
  if (retry) {
    retry.addEventListener("click", function () { retryDelay.reset(); schedule(0); });
  }
  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(pending).length || inFlight) {
      flush();
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // A plain submit sends everything anyway: nothing is left pending.
  form.addEventListener("submit", function () { pending = {}; stopped = true; });
})();
