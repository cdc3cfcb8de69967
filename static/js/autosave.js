// What the application form's autosave (apply.js) and the ballot's (ballot.js) share: one POST
// of the fields with the page's JSON answer, a timer that waits for a pause in the typing, and a
// retry delay that doubles after each failure. Each keeps its own state and words. Loaded before
// them; the pages work without any of these files.
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams) { return; }

  // POST ``body`` to ``url``. Resolves { status, data }: data is the JSON answer, or null for an
  // expired form (a 403 that is not JSON: retrying the same token cannot help). Rejects when
  // the request fails (offline) or the server errs (5xx, or an answer that is not JSON): worth
  // retrying.
  function post(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("content-type") || "").indexOf("application/json") >= 0;
      return (json ? response.json() : Promise.resolve(null)).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      if (result.status >= 500 || (!result.data && result.status !== 403)) {
        throw new Error("server");
      }
      return result;
    });
  }

  // Runs ``fn`` once ``ms`` have passed since the last ``schedule``: a pause in the typing.
  function debounced(fn) {
    var timer = null;
    return {
      schedule: function (ms) {
        if (timer) { clearTimeout(timer); }
        timer = setTimeout(function () { timer = null; fn(); }, ms);
      },
      cancel: function () {
        if (timer) { clearTimeout(timer); timer = null; }
      }
    };
  }

  // The wait before the next retry: ``first``, doubled after each failure up to ``most``.
  function backoff(first, most) {
    var delay = first;
    return {
      next: function () {
        var now = delay;
        delay = Math.min(delay * 2, most);
        return now;
      },
      reset: function () { delay = first; }
    };
  }

  window.PRIZE_AUTOSAVE = { post: post, debounced: debounced, backoff: backoff };
})();
