/* Static full-text search for the newsroom: no server, no service, no dependency.
 *
 * search/index.html is a plain GET form; this script makes it answer in the page.
 * It reads the index (search/index.json; in the staff tree, opened from disk where
 * fetch() is refused, the records that search/<year>.js scripts loaded before it),
 * folds case and accents as its Python twin, pressroom.languages.fold, does, matches
 * every query word as a prefix of a word of the release, and ranks headline hits
 * above hits in the body. Results are built with textContent only: a headline is
 * data, never markup.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.search-form");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var MAX_RESULTS = 100;
  var records = null;

  // casefold, NFKD, drop the marks, split on what is not a letter, a digit or "_".
  function words(text) {
    var folded = String(text || "").toLowerCase().replace(/\u00df/g, "ss").replace(/\u03c2/g, "\u03c3");
    folded = folded.normalize("NFKD").replace(/\p{M}/gu, "");
    return folded.match(/[\p{L}\p{N}_]+/gu) || [];
  }

  function prepare(index) {
    return (index.releases || []).map(function (r) {
      return {
        r: r,
        title: words(r.title),
        // Python folded these already; folding again makes both sides agree on every mark.
        body: words([r.terms, (r.issuers || []).join(" "), (r.tags || []).join(" ")].join(" ")),
      };
    });
  }

  function hits(list, word) {
    return list.some(function (w) { return w.startsWith(word); });
  }

  // Every query word must match; a headline match is worth ten body matches.
  function score(record, query) {
    var total = 0;
    for (var i = 0; i < query.length; i++) {
      if (hits(record.title, query[i])) total += 10;
      else if (hits(record.body, query[i])) total += 1;
      else return 0;
    }
    return total;
  }

  function isSafeLink(url) {
    return typeof url === "string" && !/^[a-z][a-z0-9+.-]*:/i.test(url) && url.indexOf("//") !== 0;
  }

  function say(template, n, q) {
    // A function as replacement: a query such as "$&" is text, not a replacement pattern.
    status.textContent = (template || "").replace("{n}", String(n)).replace("{q}", function () { return q; });
  }

  function entry(r) {
    var li = document.createElement("li");
    li.className = "entry";
    if (r.language) li.lang = r.language;
    var meta = document.createElement("p");
    meta.className = "entry-meta";
    var time = document.createElement("time");
    time.dateTime = r.date || "";
    time.textContent = r.date_text || r.date || "";
    meta.appendChild(time);
    var h2 = document.createElement("h2");
    var a = document.createElement("a");
    if (isSafeLink(r.url)) a.href = r.url;
    a.textContent = r.title || "";
    h2.appendChild(a);
    var description = document.createElement("p");
    description.className = "entry-description";
    description.textContent = r.description || "";
    li.append(meta, h2, description);
    return li;
  }

  function run(q) {
    list.replaceChildren();
    var query = words(q);
    if (!query.length) {
      status.textContent = "";
      return;
    }
    var ranked = [];
    records.forEach(function (record, order) {
      var s = score(record, query);
      if (s) ranked.push({ s: s, order: order, r: record.r });
    });
    // Best first; among equals the index order, which is newest first.
    ranked.sort(function (x, y) { return y.s - x.s || x.order - y.order; });
    var n = ranked.length;
    say(n === 0 ? form.dataset.none : n === 1 ? form.dataset.one : form.dataset.many, n, q.trim());
    ranked.slice(0, MAX_RESULTS).forEach(function (hit) { list.appendChild(entry(hit.r)); });
  }

  function remember(q) {
    var url = new URL(window.location.href);
    if (q) url.searchParams.set("q", q);
    else url.searchParams.delete("q");
    try { window.history.replaceState(null, "", url); } catch (e) { /* file:// may refuse; the search still works */ }
  }

  function loadIndex() {
    if (form.dataset.parts !== undefined) {
      var parts = (window.pressroomSearch || []).slice();
      if (parts.length !== Number(form.dataset.parts)) return Promise.reject(new Error("a year is missing"));
      // Newest year first, as the index is newest first within each.
      parts.sort(function (x, y) { return y.year - x.year; });
      var releases = [];
      parts.forEach(function (part) { releases = releases.concat(part.releases || []); });
      return Promise.resolve({ releases: releases });
    }
    return fetch(form.dataset.index, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  loadIndex().then(function (index) {
    records = prepare(index);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      remember(input.value);
      run(input.value);
    });
    input.addEventListener("input", function () { run(input.value); });
    run(input.value);
  }, function () {
    say(form.dataset.failed, 0, "");
  });
})();
