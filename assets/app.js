// smartmon console: live updates on top of htmx and its SSE extension. No inline script, no eval.
// - "rows": HTML rows; a row already on the page (same id) is replaced in place and flashes.
// - "part": a whole page part rendered once on the server for every page; an element with the same id
//   and data-live-part is replaced, when the page shows its default view (no query string).
// - "changed": "topic host" lines (e.g. "services web01") or "*"; parts whose data-live-refresh lists the topic
//   (and whose data-live-host, if any, is that host) reload, at most every 1.5 s; a part the server
//   pushes is not reloaded for a topic in the default view (its "part" frame brings the change).
// - "status": the database banner (swapped by the extension); when the database returns (down before this
//   frame, up after it), an outage page fetches itself again and live parts reload. The frame every new
//   connection starts with only confirms what the page was rendered with, so it reloads nothing.
// - On reconnect the visible parts reload (to catch up); when the stream fails, they poll every 10 s.
(function () {
  "use strict";
  var POLL_MS = 10000;
  var THROTTLE_MS = 1500;
  var pending = {};
  var pollTimer = null;
  var connectedOnce = false;
  var upBeforeStatus = true;

  function databaseUp() {
    return !document.querySelector('#db-status [data-database="down"]');
  }

  function refresh(el) {
    if (!databaseUp() || !window.htmx) return;
    // A part with data-live-url reloads itself from that URL (its partial is the whole element).
    var url = el.getAttribute("data-live-url");
    htmx.ajax("GET", url || location.pathname + location.search, { target: el, swap: url ? "outerHTML" : "innerHTML" });
  }

  // topic: null or "*" reloads every live part; else only parts listing the topic (and, when a part
  // names a host with data-live-host, only for that host).
  // Pushed parts (data-live-part) are the default view of their page.
  function pushed(el) {
    return el.hasAttribute("data-live-part") && !location.search;
  }

  function refreshAll(topic, host) {
    if (topic === "*") topic = null;
    document.querySelectorAll("[data-live-refresh]").forEach(function (el) {
      var topics = el.getAttribute("data-live-refresh");
      if (topic && topics.split(" ").indexOf(topic) < 0) return;
      if (topic && pushed(el)) return;
      var onlyHost = el.getAttribute("data-live-host");
      if (topic && host && onlyHost && onlyHost !== host) return;
      var key = el.id || "live";
      if (pending[key]) return;
      pending[key] = setTimeout(function () {
        delete pending[key];
        refresh(el);
      }, topic ? THROTTLE_MS : 0);
    });
  }

  function replaceRows(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    tpl.content.querySelectorAll("[id]").forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (!old) return;
      var focused = old.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
      fresh.classList.add("flash");
      old.replaceWith(fresh);
      if (window.htmx) htmx.process(fresh);
      if (focused) {
        var again = fresh.querySelector('[href="' + focused + '"]');
        if (again) again.focus();
      }
    });
  }

  function replaceParts(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    Array.prototype.forEach.call(tpl.content.children, function (fresh) {
      var old = fresh.id && document.getElementById(fresh.id);
      if (!old || !pushed(old) || !databaseUp()) return;
      if (old.getAttribute("data-live-part") !== fresh.getAttribute("data-live-part")) return;
      var focused = old.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
      old.replaceWith(fresh);
      if (window.htmx) htmx.process(fresh);
      if (focused) {
        var again = fresh.querySelector('[href="' + focused + '"]');
        if (again) again.focus();
      }
    });
  }

  function reloadOutagePage() {
    var main = document.getElementById("main");
    if (!main || !main.querySelector("[data-outage]") || !window.htmx) return;
    htmx.ajax("GET", location.pathname + location.search, {
      target: "#main", select: "#main", swap: "outerHTML",
      headers: { "HX-History-Restore-Request": "true" }
    });
  }

  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    var msg = e.detail;
    if (msg.type === "status") {
      upBeforeStatus = databaseUp();
    } else if (msg.type === "rows") {
      e.preventDefault();
      replaceRows(msg.data);
    } else if (msg.type === "part") {
      e.preventDefault();
      replaceParts(msg.data);
    } else if (msg.type === "changed") {
      e.preventDefault();
      String(msg.data).split("\n").forEach(function (line) {
        var words = line.split(" ");
        refreshAll(words[0], words[1]);
      });
    }
  });

  document.addEventListener("htmx:sseMessage", function (e) {
    if (e.detail.type === "status" && databaseUp() && !upBeforeStatus) {
      reloadOutagePage();
      refreshAll(null);
    }
  });

  document.addEventListener("htmx:sseOpen", function () {
    if (connectedOnce) refreshAll(null);
    connectedOnce = true;
    if (pollTimer) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  });

  document.addEventListener("htmx:sseError", function () {
    if (!pollTimer) pollTimer = setInterval(function () { refreshAll(null); }, POLL_MS);
  });

  if (!window.EventSource) {
    pollTimer = setInterval(function () { refreshAll(null); }, POLL_MS);
  }
})();
