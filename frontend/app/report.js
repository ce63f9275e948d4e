// /host/{id}/report: the session's printable report. The server renders it
// (export.html, escaped, no scripts); this page fetches it with the host key
// from local storage, puts its body in the page and adds a small toolbar that
// does not print.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./ui.js";
import { request } from "./api.js";
import { hostError, reportLink } from "./hosted.js";

const DROP = "script, iframe, frame, object, embed, base, meta, noscript, template";

/**
 * Parses the report. A document that DOMParser makes inherits this page's
 * CSP, which refuses inline styles, so style attributes and <style> blocks are
 * set aside before parsing and applied afterwards through the CSSOM (allowed).
 * The server's report should need neither; this keeps it faithful if it does.
 */
function parseReport(text) {
  const sheets = [];
  const source = text
    .replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (_, css) => {
      sheets.push(css);
      return "";
    })
    .replace(/(<[a-zA-Z][^<>]*?\s)style(\s*=)/g, "$1data-q-style$2");
  return { doc: new DOMParser().parseFromString(source, "text/html"), css: sheets.join("\n") };
}

/**
 * Moves the report's content into this page. The server escapes everything
 * it puts in the report; anything active is dropped all the same.
 */
function mountReport({ doc, css }) {
  doc.querySelectorAll(`body ${DROP.split(", ").join(", body ")}`).forEach((el) => el.remove());
  for (const el of doc.body.querySelectorAll("*")) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) el.removeAttribute(attr.name);
      else if ((name === "href" || name === "src" || name === "xlink:href") && /^\s*javascript:/i.test(attr.value)) el.removeAttribute(attr.name);
    }
  }

  // Stylesheets the report's head asks for, besides report.css (linked here
  // by its hashed URL, /static/app/report.<hash>.css, where the report, a
  // file people download and keep, names the plain one).
  const plain = (href) => href.replace(/\.[0-9a-f]{10}(\.css)$/, "$1");
  const have = new Set([...document.querySelectorAll('link[rel~="stylesheet"]')].map((l) => plain(l.href)));
  for (const link of doc.head.querySelectorAll('link[rel~="stylesheet"]')) {
    const href = new URL(link.getAttribute("href") || "", location.href);
    if (href.origin !== location.origin || have.has(href.href)) continue;
    const el = document.createElement("link");
    el.rel = "stylesheet";
    el.href = href.href;
    if (link.media) el.media = link.media;
    document.head.appendChild(el);
  }
  if (css.trim() && "adoptedStyleSheets" in document) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }

  if (doc.documentElement.lang) document.documentElement.lang = doc.documentElement.lang;
  for (const c of doc.documentElement.classList) document.documentElement.classList.add(c);
  for (const c of doc.body.classList) document.body.classList.add(c);

  const fragment = document.createDocumentFragment();
  for (const node of [...doc.body.childNodes]) fragment.appendChild(document.adoptNode(node));
  document.body.appendChild(fragment);
  for (const el of document.body.querySelectorAll("[data-q-style]")) {
    el.style.cssText = el.getAttribute("data-q-style");
    el.removeAttribute("data-q-style");
  }

  const title = (doc.title || "").trim();
  if (title) document.title = title;
}

/** Two links, one of them the page shown: a choice that reloads the report. */
function Choice({ label, options }) {
  return html`<span class="rt-toggle" role="group" aria-label=${label}>
    ${options.map(
      ([text, href, current]) => html`<a key=${text} class="rt-button" href=${href} aria-current=${current ? "page" : undefined}>${text}</a>`,
    )}
  </span>`;
}

/**
 * The toolbar: print, and the report's versions. Names can be chosen only
 * in a session whose phones said they are visible (shown, what the report
 * itself says once loaded); elsewhere the report is anonymous, and says why.
 */
function Toolbar({ id, anonymous, notes, status, shown }) {
  const ready = status === "ready";
  return html`<nav class="report-toolbar" aria-label="Report">
    <span class="rt-brand">Quorum · Report</span>
    ${(ready || status === "loading") &&
    html`<button type="button" class="rt-button rt-primary" disabled=${!ready} onClick=${() => window.print()}>Print or save as PDF</button>`}
    ${ready && shown.names === "visible" &&
    html`<${Choice} label="Participants' names" options=${[
      ["With names", reportLink(id, false, notes), !shown.anonymous],
      ["Anonymous", reportLink(id, true, notes), shown.anonymous],
    ]} />`}
    ${ready && shown.names !== "visible" && html`<span class="rt-fixed">Anonymous: the phones promised it</span>`}
    ${ready &&
    html`<${Choice} label="Facilitator notes" options=${[
      ["Without notes", reportLink(id, anonymous, false), !shown.notes],
      ["With notes", reportLink(id, anonymous, true), shown.notes],
    ]} />`}
    <a class="rt-button rt-back" href=${`/host/${encodeURIComponent(id)}`}>Back to the console</a>
  </nav>`;
}

/** What the report shown says of itself: its session's names setting, whether it is anonymous and has notes. */
function shownReport() {
  const data = document.querySelector("main.report")?.dataset || {};
  return { names: data.names || "hidden", anonymous: data.anonymous !== "false", notes: data.notes === "true" };
}

function Message({ title, children }) {
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);
  return html`<main class="report-message" role="alert">
    <h1 tabindex="-1" ref=${ref}>${title}</h1>
    ${children}
  </main>`;
}

/**
 * The report of session id, read with its host key; anonymous leaves out
 * names, notes puts in the facilitator's notes.
 */
export function Report({ id, hostKey, anonymous, notes = false }) {
  const [status, setStatus] = useState(id && hostKey ? "loading" : "nokey");
  const [error, setError] = useState(null);
  const [shown, setShown] = useState({});

  const load = async () => {
    setStatus("loading");
    setError(null);
    try {
      const q = new URLSearchParams();
      if (anonymous) q.set("anonymous", "1");
      if (notes) q.set("notes", "1");
      const res = await request(`/api/sessions/${encodeURIComponent(id)}/export.html${q.size ? `?${q}` : ""}`, {
        headers: { Authorization: `Bearer ${hostKey}` },
        cache: "no-store",
      });
      if (!res.ok) throw await hostError(res, `The report could not be made (the server answered ${res.status}).`);
      mountReport(parseReport(await res.text()));
      setShown(shownReport());
      setStatus("ready");
    } catch (err) {
      setError(err);
      setStatus("error");
    }
  };
  useEffect(() => {
    if (status === "loading") load();
  }, []);

  if (!id) {
    return html`<${Message} title="No session here">
      <p>This address does not name a session.</p>
      <p><a href="/host/sessions">My sessions</a></p>
    <//>`;
  }

  let body = null;
  if (status === "nokey") {
    body = html`<${Message} title="This report needs the session's host key">
      <p>This browser does not hold the key of this session. Open the session's console first, with the host link
        you got when you created it (it ends with #key=…), then open the report from the console's Export menu.</p>
      <p><a href="/host/sessions">My sessions</a> · <a href="/host">Host a workshop</a></p>
    <//>`;
  } else if (status === "loading") {
    body = html`<p class="report-loading" role="status">Preparing the report…</p>`;
  } else if (status === "error") {
    const gone = error.code === "session_not_found";
    body = gone
      ? html`<${Message} title="This session no longer exists">
          <p>It was deleted, with all its votes, so there is nothing left to report.</p>
          <p><a href="/host/sessions">My sessions</a> · <a href="/host">Host a workshop</a></p>
        <//>`
      : html`<${Message} title="The report could not be loaded">
          <p>${error.message}</p>
          ${error.status === 401
            ? html`<p>Open the session's console with its host link, then open the report again.</p>`
            : html`<p><button type="button" class="rt-button" onClick=${load}>Try again</button></p>`}
        <//>`;
  }

  return html`<${Toolbar} id=${id} anonymous=${anonymous} notes=${notes} status=${status} shown=${shown} />${body}`;
}
