// Small improvements only: every page works without this file.
(function () {
  "use strict";
  // A field's message beside it, put there or taken away by a script that saved it (autosave),
  // with the field's aria-invalid and aria-describedby kept true. A group of choices (a
  // fieldset: radio buttons, a score) gets it inside, after its legend and hint, where the
  // server writes it.
  function fieldError(field, message) {
    var id = field.id + "-error";
    var box = document.getElementById(id);
    var group = field.tagName === "FIELDSET";
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (message) {
      if (!box) {
        box = document.createElement("p");
        box.className = "error";
        box.id = id;
        if (group) {
          var before = field.firstElementChild;
          while (before && (before.tagName === "LEGEND" || before.classList.contains("hint"))) {
            before = before.nextElementSibling;
          }
          field.insertBefore(box, before);
        } else {
          field.parentNode.insertBefore(box, field);
        }
      }
      box.textContent = message;
      if (group) {
        field.classList.add("has-error");
      } else {
        field.setAttribute("aria-invalid", "true");
      }
      if (described.indexOf(id) < 0) { described.push(id); }
    } else {
      if (box) { box.remove(); }
      field.removeAttribute("aria-invalid");
      if (group) { field.classList.remove("has-error"); }
      described = described.filter(function (d) { return d !== id; });
    }
    if (described.length) {
      field.setAttribute("aria-describedby", described.join(" "));
    } else {
      field.removeAttribute("aria-describedby");
    }
  }
  window.PRIZE_FORMS = { fieldError: fieldError };

  // A refused form: the focus moves to its error summary, and each of the summary's links
  // focuses its field (the first choice of a group), as GOV.UK's error summary does.
  var summary = document.querySelector("[data-error-summary]") ||
    document.querySelector(".error-summary[data-focus]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      var field = target.matches("input, textarea, select")
        ? target : target.querySelector("input, textarea, select");
      if (!field) { return; }
      event.preventDefault();
      var label = document.querySelector('label[for="' + field.id + '"]') ||
        (target.tagName === "FIELDSET" ? target.querySelector("legend") : null);
      (label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }
  // Live word counts beside textareas that carry data-word-limit, in the reader's language. The
  // count itself is not announced at each keystroke: a separate live region speaks only when
  // the text crosses 90 % of the limit and when it goes over it.
  function countWords(text) {
    var t = text.trim();
    return t ? t.split(/\s+/u).length : 0;
  }
  var numbers = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "en") : null;
  function figure(n) { return numbers ? numbers.format(n) : String(n); }
  document.querySelectorAll("textarea[data-word-limit]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("data-word-limit"), 10);
    var out = document.querySelector('.word-count[data-for="' + area.id + '"]');
    var alert = document.querySelector('[data-word-alert="' + area.id + '"]');
    if (!out) { return; }
    function words(kind, n) {
      return (out.getAttribute("data-msg-" + kind) || "{n} / {limit}")
        .replace("{n}", figure(n)).replace("{limit}", figure(limit));
    }
    function band(n) { return n > limit ? "over" : n >= 0.9 * limit ? "near" : "count"; }
    var last = band(countWords(area.value));
    function update() {
      var n = countWords(area.value);
      var now = band(n);
      out.textContent = words("count", n);
      out.classList.toggle("over", n > limit);
      if (alert && now !== last && now !== "count") { alert.textContent = words(now, n); }
      if (alert && now === "count") { alert.textContent = ""; }
      last = now;
    }
    area.addEventListener("input", update);
    update();
  });
  // Beside an instant in Paris time, the reader's own time where it differs, named by its place:
  // "(your time: 22:59 in Tunis)". Nothing when the browser does not say its zone (UTC), or
  // when its clock reads the same as Paris's. The words come from the page (data-local).
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  var french = document.documentElement.lang === "fr";
  function parts(when, timeZone) {
    var found = {};
    new Intl.DateTimeFormat(french ? "fr" : "en-GB", {
      timeZone: timeZone, weekday: "long", day: "numeric", month: "long",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(when).forEach(function (p) { found[p.type] = p.value; });
    return found;
  }
  function place(name) {
    var known = (window.PRIZE_ZONES || {})[name];
    if (known) { return known[french ? 1 : 0]; }
    return name.split("/").pop().replace(/_/g, " ");
  }
  if (zone.indexOf("/") > 0 && zone.indexOf("Etc/") !== 0) {
    document.querySelectorAll("time[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      var here = parts(when, zone);
      var paris = parts(when, "Europe/Paris");
      var sameDay = here.day === paris.day && here.month === paris.month;
      if (sameDay && here.hour === paris.hour && here.minute === paris.minute) { return; }
      var clock = french
        ? parseInt(here.hour, 10) + "\u00a0h\u00a0" + here.minute
        : here.hour + ":" + here.minute;
      var text = clock;
      if (!sameDay) {
        var day = here.weekday + " " + here.day + " " + here.month;
        text = french ? day + " à " + clock : day + ", " + clock;
      }
      var span = document.createElement("span");
      span.className = "hint local-time";
      span.textContent = " (" + el.getAttribute("data-local")
        .replace("{when}", text).replace("{place}", place(zone)) + ")";
      el.after(span);
    });
  }
})();
