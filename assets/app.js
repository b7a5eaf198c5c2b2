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
// - "logs": journal lines (<li> with an id per entry) for the unit page's log; a line the page shows already
//   is dropped, the rest go in time order, and lines outside the page's filter (data-max-priority,
//   data-search on #journal) are not shown. The log stays scrolled to the end when it was at the end.
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

  function wanted(li, journal) {
    var max = journal.getAttribute("data-max-priority");
    if (max !== null && Number(li.getAttribute("data-priority")) > Number(max)) return false;
    var search = journal.getAttribute("data-search");
    if (search) {
      var msg = li.querySelector(".msg");
      if (!msg || msg.textContent.toLowerCase().indexOf(search) < 0) return false;
    }
    return true;
  }

  function appendLogs(html) {
    var journal = document.getElementById("journal");
    var list = document.getElementById("journal-lines");
    if (!journal || !list) return;
    var atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    Array.prototype.slice.call(tpl.content.children).forEach(function (li) {
      if (!li.id || document.getElementById(li.id) || !wanted(li, journal)) return;
      var ts = Number(li.getAttribute("data-ts"));
      var later = null;
      var last = list.lastElementChild;
      if (last && Number(last.getAttribute("data-ts")) > ts) {
        later = Array.prototype.find.call(list.querySelectorAll("li[data-ts]"), function (el) {
          return Number(el.getAttribute("data-ts")) > ts;
        });
      }
      list.insertBefore(li, later || null);
    });
    var empty = document.getElementById("journal-empty");
    if (empty && list.querySelector("li[data-ts]")) empty.remove();
    if (atEnd) list.scrollTop = list.scrollHeight;
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
    } else if (msg.type === "logs") {
      e.preventDefault();
      appendLogs(msg.data);
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

  var logList = document.getElementById("journal-lines");
  if (logList) logList.scrollTop = logList.scrollHeight;

  if (!window.EventSource) {
    pollTimer = setInterval(function () { refreshAll(null); }, POLL_MS);
  }
})();
