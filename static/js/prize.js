// Small improvements only: every page works without this file.
(function () {
  "use strict";
  // Live word counts beside textareas that carry data-word-limit.
  function countWords(text) {
    var t = text.trim();
    return t ? t.split(/\s+/u).length : 0;
  }
  document.querySelectorAll("textarea[data-word-limit]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("data-word-limit"), 10);
    var out = document.querySelector('.word-count[data-for="' + area.id + '"]');
    if (!out) { return; }
    var template = document.documentElement.lang === "fr"
      ? "%n / %l mots" : "%n of %l words";
    function update() {
      var n = countWords(area.value);
      out.textContent = template.replace("%n", n).replace("%l", limit);
      out.classList.toggle("over", n > limit);
    }
    area.addEventListener("input", update);
    update();
  });
  // Show instants in the reader's own time zone beside Paris time.
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when)) { return; }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone === "Europe/Paris") { return; }
    var span = document.createElement("span");
    span.className = "hint";
    span.textContent = " · " + when.toLocaleString(document.documentElement.lang, {
      dateStyle: "medium", timeStyle: "short"}) + " (" + zone + ")";
    el.after(span);
  });
})();
