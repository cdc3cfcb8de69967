// The application form: autosave as the applicant types, saving before leaving, and the
// deadline's countdown. The form works without this file ("Save draft" saves it, "Save and go to
// the files page" saves before leaving); this only saves sooner and says so.
(function () {
  "use strict";

  // ------------------------------------------------------------------ the deadline's countdown
  // In the last hour the time left counts down (the page's text is the fallback without JS).
  // It counts by the server's clock (the page says its time, data-now), not the device's, which
  // may be minutes off: the device's clock only measures the time since the page came.
  var countdown = document.querySelector(".countdown[data-deadline]");
  if (countdown) {
    var deadline = new Date(countdown.getAttribute("data-deadline"));
    var served = new Date(countdown.getAttribute("data-now"));
    var offset = isNaN(served) ? 0 : served - Date.now();
    var tick = function () {
      var left = Math.floor((deadline - (Date.now() + offset)) / 1000);
      if (isNaN(left) || left > 3600) { return; }
      if (left <= 0) {
        countdown.textContent = countdown.getAttribute("data-msg-over");
        clearInterval(timerId);
        return;
      }
      var seconds = String(left % 60);
      countdown.textContent = countdown.getAttribute("data-msg-left")
        .replace("{m}", String(Math.floor(left / 60)))
        .replace("{s}", seconds.length < 2 ? "0" + seconds : seconds);
    };
    var timerId = setInterval(tick, 1000);
    tick();
  }

  // ------------------------------------------------------------------ autosave
  var form = document.querySelector("form[data-autosave]");
  var shared = window.PRIZE_AUTOSAVE;  // autosave.js: the POST, the pause, the retry delay
  if (!form || !shared || !window.FormData) { return; }
  // Follow-up questions ("How are they involved…") only once their answer is yes (without
  // this file they are all shown, labelled "(if yes)"); one with text or a message stays.
  form.querySelectorAll("[data-shown-when]").forEach(function (box) {
    var name = box.getAttribute("data-shown-when");
    function sync() {
      var yes = form.querySelector('input[name="' + name + '"][value="yes"]');
      var area = box.querySelector("textarea");
      box.hidden = !(yes && yes.checked) && !(area && area.value.trim()) &&
        !box.querySelector(".error");
    }
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    sync();
  });

  // A long list of checkboxes (countries) gets a filter box: ticked ones always stay in view.
  function plain(text) {
    return text.normalize ? text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      : text.toLowerCase();
  }
  form.querySelectorAll("[data-filter-for]").forEach(function (box) {
    var input = box.querySelector("input");
    var list = document.getElementById(box.getAttribute("data-filter-for") + "-choices");
    if (!input || !list) { return; }
    box.hidden = false;
    input.addEventListener("input", function () {
      var wanted = plain(input.value.trim());
      list.querySelectorAll("[data-choice]").forEach(function (choice) {
        var ticked = choice.querySelector("input").checked;
        choice.hidden = Boolean(wanted) && !ticked &&
          plain(choice.getAttribute("data-choice")).indexOf(wanted) < 0;
      });
    });
  });

  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var dirty = false;      // changes typed since the last save was sent
  var inFlight = null;    // the save under way (a Promise), if any
  var stopped = false;    // a refusal that retrying cannot fix (signed out, deadline passed)
  var retryDelay = shared.backoff(2000, 30000);
  var leaving = false;    // a plain submit of the form is under way
  var jsErrors = {};      // fields whose message each save answers for (see showErrors)
  // The messages the page came with, when each save checks them again (a format, a rule an
  // answer breaks; not what a refused submit found missing): a save that finds one put right
  // takes it away.
  if (form.hasAttribute("data-save-rechecks")) {
    form.querySelectorAll("p.error[id$='-error']").forEach(function (box) {
      jsErrors[box.id.slice(0, -"-error".length)] = true;
    });
  }

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }

  function say(text, state) {
    if (!status) { return; }
    status.textContent = text || "";
    status.setAttribute("data-state", state || "");
  }

  // A field's message beside it (prize.js's, loaded after this file, so looked up when used).
  function fieldError(name, message) {
    var field = document.getElementById(name) || form.elements.namedItem(name);
    if (!field || !field.id || !window.PRIZE_FORMS) { return; }
    window.PRIZE_FORMS.fieldError(field, message);
    if (message) { jsErrors[name] = true; } else { delete jsErrors[name]; }
  }

  function showErrors(errors) {
    Object.keys(jsErrors).forEach(function (name) {
      if (!(name in errors)) { fieldError(name, ""); }
    });
    Object.keys(errors).forEach(function (name) { fieldError(name, errors[name]); });
  }

  var timer = shared.debounced(function () { save(); });
  function schedule(ms) { timer.schedule(ms); }

  // Sends the whole form; resolves true once what was typed is stored.
  function save(keepalive) {
    timer.cancel();
    if (stopped) { return Promise.resolve(false); }
    if (inFlight) {
      return inFlight.then(function () { return dirty ? save(keepalive) : true; });
    }
    if (!dirty) { return Promise.resolve(true); }
    if (navigator.onLine === false) {
      say(msg("offline"), "offline");
      return Promise.resolve(false);
    }
    var body = new URLSearchParams(new FormData(form));
    body.delete("action");
    dirty = false;
    say(msg("saving"), "saving");
    inFlight = shared.post(url, body, keepalive).then(function (result) {
      inFlight = null;
      if (!result.data) {  // an expired form (CSRF): retrying the same token cannot help
        stopped = true;
        dirty = true;
        say(msg("failed"), "failed");
        return false;
      }
      retryDelay.reset();
      if (result.status !== 200) {  // signed out, or the deadline has passed
        stopped = true;
        dirty = true;
        say(result.data.message, "failed");
        return false;
      }
      showErrors(result.data.errors || {});
      say(result.data.message, "saved");
      if (dirty) { schedule(1000); }
      return true;
    }).catch(function () {
      inFlight = null;
      dirty = true;
      if (navigator.onLine === false) {
        say(msg("offline"), "offline");
      } else {
        say(msg("retrying"), "retrying");
        schedule(retryDelay.next());
      }
      return false;
    });
    return inFlight;
  }

  function changed(event) {
    var field = event.target;
    if (!field.name || field.name === "csrf_token" || field.type === "submit") { return; }
    dirty = true;
    if (!stopped) { schedule(field.tagName === "TEXTAREA" || field.type === "text" ? 1500 : 600); }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", function () { if (dirty) { schedule(0); } });
  window.addEventListener("offline", function () { if (dirty) { say(msg("offline"), "offline"); } });

  // A plain submit (Save draft, Submit, the files page) sends everything itself.
  form.addEventListener("submit", function () {
    leaving = true;
    timer.cancel();
  });

  // Any link followed with unsaved changes: save first, then go; ask if saving fails.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || !(dirty || inFlight) || event.defaultPrevented || event.button !== 0 ||
        event.ctrlKey || event.metaKey || event.shiftKey || link.target === "_blank" ||
        link.hasAttribute("download") || link.getAttribute("href").charAt(0) === "#") {
      return;
    }
    event.preventDefault();
    save().then(function (ok) {
      if (ok || window.confirm(msg("leave"))) {
        leaving = true;
        window.location.href = link.href;
      }
    });
  });

  // Closing the tab or reloading with unsaved changes: send them, and let the browser ask.
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !(dirty || inFlight)) { return; }
    save(true);
    event.preventDefault();
    event.returnValue = "";
  });
})();
