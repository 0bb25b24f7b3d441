// pressroom serve: added to every page it serves. Reloads the page when a build
// has changed it, and shows why the last build failed, over the page, until a
// save fixes it. Everything from the server is set as text, never as HTML.
(() => {
  "use strict";
  // Framed by the preview page, which reloads its frames and shows the problems itself.
  // A link followed in the frame opens in the whole tab: a release's link leads to
  // its own preview, which is not to be nested in this one.
  if (window.top !== window) {
    document.addEventListener("click", (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (link && !link.target) link.target = "_top";
    });
    return;
  }

  const script = document.currentScript;
  // The HTML version this page was served at, and the etag of the page as built:
  // after a build, the page reloads if its etag is no longer the one it was served with.
  let shownHtml = Number(script.dataset.htmlVersion);
  const shownTag = script.dataset.etag || "";
  const preview = window.pressroomPreview || null;
  const release = /^\/releases\/([a-z0-9][a-z0-9-]*)\/(index\.html)?$/.exec(location.pathname);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Shadow roots keep the house style and this UI from styling each other.
  function shadowHost(id) {
    const host = element("div");
    host.id = id;
    const root = host.attachShadow({ mode: "open" });
    const css = element("link");
    css.rel = "stylesheet";
    css.href = "/_pressroom/ui/live.css";
    root.append(css);
    document.body.append(host);
    return root;
  }

  if (release && !preview) {
    const bar = element("nav", "toolbar");
    bar.setAttribute("aria-label", "pressroom preview");
    bar.append(element("span", "label", "Staff preview"));
    const link = element("a", "", "Page, PDF and email side by side");
    link.href = `/_pressroom/preview/${release[1]}/`;
    bar.append(link);
    shadowHost("pressroom-toolbar").append(bar);
  }

  let overlay = null;
  let shownKey = "";
  function showProblems(status) {
    const key = JSON.stringify([status.problems, status.error]);
    if (key === shownKey) return;
    shownKey = key;
    if (overlay) overlay.host.remove();
    overlay = null;
    if (!status.problems.length && !status.error) return;
    overlay = shadowHost("pressroom-overlay");
    const panel = element("section", "panel");
    panel.setAttribute("role", "alert");
    const errors = status.problems.filter((p) => p.severity !== "warning").length;
    const heading = status.error
      ? "The preview could not be rebuilt"
      : `${errors} problem${errors === 1 ? "" : "s"} to fix before the preview can be rebuilt`;
    panel.append(element("h2", "", heading));
    if (status.error) panel.append(element("p", "error", status.error));
    if (status.problems.length) {
      const list = element("ol", "problems");
      for (const p of status.problems) {
        const item = element("li", `problem ${p.severity}`);
        item.append(element("span", "where", p.line ? `${p.path}:${p.line}` : p.path));
        if (p.severity === "warning") item.append(element("span", "severity", "warning"));
        if (p.field) item.append(element("span", "field", p.field));
        item.append(element("span", "message", p.message));
        list.append(item);
      }
      panel.append(list);
    }
    panel.append(element("p", "hint", "Still showing the last good build. Save the fixed file: this page reloads by itself."));
    const hide = element("button", "hide", "Hide");
    hide.type = "button";
    hide.addEventListener("click", () => overlay && overlay.host.remove());
    panel.append(hide);
    const backdrop = element("div", "overlay");
    backdrop.append(panel);
    overlay.append(backdrop);
  }

  async function follow(version) {
    if (version === shownHtml) return;
    shownHtml = version;
    if (!shownTag) {
      location.reload();
      return;
    }
    try {
      const response = await fetch(location.href, { method: "HEAD", cache: "no-store" });
      const tag = (response.headers.get("ETag") || "").replaceAll('"', "");
      if (tag !== shownTag) location.reload();
    } catch {
      location.reload();
    }
  }

  function apply(status) {
    showProblems(status);
    if (preview) preview.update(status);
    else follow(status.versions.html);
  }

  fetch("/_pressroom/status", { cache: "no-store" })
    .then((response) => response.json())
    .then(apply)
    .catch(() => {});

  // One event stream per visible tab: a browser allows six connections to a server,
  // so a tab in the background closes its own and catches up when shown again.
  let source = null;
  function connect() {
    if (source || document.hidden) return;
    source = new EventSource("/_pressroom/events");
    source.addEventListener("status", (event) => apply(JSON.parse(event.data)));
  }
  function disconnect() {
    if (source) source.close();
    source = null;
  }
  document.addEventListener("visibilitychange", () => (document.hidden ? disconnect() : connect()));
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", connect);
  connect();
})();
