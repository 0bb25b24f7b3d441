// pressroom serve: the preview page. Tabs (kept in the URL's #hash and the tab's
// session), and frames that follow the builds: after each one, info.json gives
// the etag of the page, the PDF and the email, and a frame reloads only if its
// own changed (the web page in place, keeping its scroll position). live.js,
// loaded after this, calls update() with every state the server sends.
(() => {
  "use strict";
  const body = document.body;
  const slug = body.dataset.slug;
  const shown = JSON.parse(body.dataset.versions);
  const etags = JSON.parse(body.dataset.etags); // of what the frames show
  const $ = (id) => document.getElementById(id);
  const panes = document.querySelector(".panes");
  const TABS = ["page", "pdf", "email", "all"];
  const KEY = "pressroom-preview-tab";

  function select(tab, remember) {
    if (!TABS.includes(tab)) tab = "page";
    if (panes) panes.dataset.layout = tab;
    for (const button of document.querySelectorAll("[data-tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    if (remember) {
      history.replaceState(null, "", `#${tab}`);
      try {
        sessionStorage.setItem(KEY, tab);
      } catch {
        // storage refused: the hash still keeps the tab across reloads
      }
    }
  }
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => select(button.dataset.tab, true));
  }
  window.addEventListener("hashchange", () => select(location.hash.slice(1), false));
  let stored = null;
  try {
    stored = sessionStorage.getItem(KEY);
  } catch {
    stored = null;
  }
  select(location.hash.slice(1) || stored || "page", false);

  if (!panes) {
    // An unknown release: reload when a build may have made it.
    window.pressroomPreview = {
      update(status) {
        if (status.versions.html !== shown.html) location.reload();
      },
    };
    return;
  }

  const pageFrame = $("page-frame");
  const pdfFrame = $("pdf-frame");
  const emailFrame = $("email-frame");
  const base = `/_pressroom/preview/${slug}/`;

  function reloadPage(tag) {
    let x = 0;
    let y = 0;
    try {
      x = pageFrame.contentWindow.scrollX;
      y = pageFrame.contentWindow.scrollY;
    } catch {
      // not loaded yet: start at the top
    }
    pageFrame.addEventListener(
      "load",
      () => {
        try {
          pageFrame.contentWindow.scrollTo(x, y);
        } catch {
          // the frame holds an error page
        }
      },
      { once: true },
    );
    pageFrame.src = `/releases/${slug}/index.html?v=${tag}`;
  }

  function showEmail(email, tag) {
    $("email-missing").hidden = Boolean(email);
    for (const part of document.querySelectorAll("#pane-email .parts, #email-headers")) {
      part.hidden = !email;
    }
    if (!email) return;
    const list = $("email-headers");
    list.replaceChildren();
    for (const [name, value] of email.headers) {
      const row = document.createElement("div");
      const term = document.createElement("dt");
      term.textContent = name;
      const detail = document.createElement("dd");
      detail.textContent = value;
      row.append(term, detail);
      list.append(row);
    }
    $("email-text").textContent = email.text;
    emailFrame.hidden = !email.html;
    if (email.html) emailFrame.src = `${base}email.html?v=${tag}`;
  }

  let asked = 0;
  // The title, the state, and each frame whose output a build changed.
  async function refresh(first) {
    const ask = ++asked;
    let info;
    try {
      const response = await fetch(`${base}info.json`, { cache: "no-store" });
      if (!response.ok) return;
      info = await response.json();
    } catch {
      return;
    }
    if (ask !== asked) return; // a later build's answer is on its way
    const changed = {};
    for (const name of ["page", "pdf", "email"]) changed[name] = info.etags[name] !== etags[name];
    Object.assign(etags, info.etags);
    if (changed.page) reloadPage(info.etags.page);
    $("release-title").textContent = info.title;
    document.title = `Preview – ${info.title}`;
    $("release-state").textContent = info.state;
    $("release-state").hidden = !info.state;
    $("pdf-missing").hidden = info.pdf;
    pdfFrame.hidden = !info.pdf;
    if (info.pdf && (changed.pdf || !pdfFrame.getAttribute("src"))) {
      pdfFrame.src = `/releases/${slug}/${slug}.pdf?v=${info.etags.pdf}`;
    }
    if (first || changed.email) showEmail(info.email, info.etags.email);
  }

  window.pressroomPreview = {
    update(status) {
      const v = status.versions;
      const changed = v.html !== shown.html || v.pdf !== shown.pdf || v.email !== shown.email;
      Object.assign(shown, v);
      if (changed) refresh(false);
    },
  };
  refresh(true);
})();
