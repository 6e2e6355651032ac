// caseclock console: live countdowns, the board's self-refresh, filters that apply on change,
// and the viewer's time zone at sign-in. Plain script, no dependencies; the pages work without it.
(function () {
  "use strict";

  // The words around the figure come from the row (data-left, data-over): "business time
  // left" for a business-hours clock, "left" for one on calendar time.
  function format(seconds, el) {
    var s = Math.abs(Math.round(seconds));
    var d = s >= 360000 ? Math.floor(s / 86400) : 0;
    var h = Math.floor((s - d * 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    var text;
    if (d) text = d + "d " + h + "h";
    else if (h) text = h + "h " + String(m).padStart(2, "0") + "m";
    else if (m) text = m + "m " + String(sec).padStart(2, "0") + "s";
    else text = sec + "s";
    var left = el.dataset.left || "left", over = el.dataset.over || "overdue";
    return seconds < 0 ? text + " " + over : text + " " + left;
  }

  var loadedAt = performance.now();

  function tick() {
    var passed = (performance.now() - loadedAt) / 1000;
    document.querySelectorAll(".countdown[data-remaining][data-ticking='1']").forEach(function (el) {
      var start = Number(el.dataset.remaining);
      var limit = el.dataset.untilClose === undefined ? Infinity : Number(el.dataset.untilClose);
      el.textContent = format(start - Math.min(passed, limit), el);
    });
  }

  function refreshBoard(board) {
    var url = board.dataset.refresh;
    fetch(url, { headers: { "X-Caseclock-Fragment": "1" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        var before = summary(board);
        board.innerHTML = html;
        loadedAt = performance.now();
        var after = summary(board);
        var live = document.getElementById("board-live");
        // Announce the new counts only when they change, not the whole table every poll.
        if (live && after !== before) live.textContent = "Board updated: " + after;
        bindRefreshButton(board);
        tick();
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  function summary(board) {
    var counts = board.querySelector(".counts");
    return counts ? counts.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function bindRefreshButton(board) {
    var button = board.querySelector("[data-refresh-now]");
    if (button) button.addEventListener("click", function () { refreshBoard(board); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var zone = document.querySelector("[data-fill-timezone]");
    if (zone && window.Intl) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";

    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () { form.requestSubmit(); });
    });

    // Folded filters (the board's, on phones) are open from the width that shows them all.
    if (window.matchMedia("(min-width: 721px)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach(function (fold) { fold.open = true; });
    }

    var board = document.getElementById("board");
    if (board) {
      var every = Math.min(Number(board.dataset.refreshSeconds) || 30, 55) * 1000;
      bindRefreshButton(board);
      window.setInterval(function () { refreshBoard(board); }, every);
    }
    tick();
    window.setInterval(tick, 1000);
  });
})();
