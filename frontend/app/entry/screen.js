// /screen/{id}#key=…: reads the session and its screen key from the address
// (or, after a reload, from this browser), sets the theme before the first
// paint and renders the shared screen (screen.js).
import { render } from "preact";
import { html, keyFromHash } from "../ui.js";
import { load, save } from "../storage.js";
import { Screen, THEME_KEY, applyTheme } from "../screen.js";

const sessionId = decodeURIComponent(location.pathname.split("/")[2] || "");

/** The screen key: from the link's fragment, else remembered from an earlier visit. */
function screenKey() {
  const keyStore = `quorum:screen:${sessionId}`;
  const fromHash = keyFromHash();
  if (!fromHash) return load(keyStore, "");
  save(keyStore, fromHash);
  // Keep the key out of the address bar: this window is on a projector. A
  // reload finds it in local storage.
  if (load(keyStore, "") === fromHash) history.replaceState(null, "", location.pathname + location.search);
  return fromHash;
}

function initialTheme() {
  const q = new URLSearchParams(location.search).get("theme");
  if (q === "light" || q === "dark") return q;
  return load(THEME_KEY, "dark") === "light" ? "light" : "dark";
}

const theme = initialTheme();
// Before the first paint, so that a light room never sees a dark flash.
applyTheme(theme);
render(html`<${Screen} sessionId=${sessionId} secret=${sessionId ? screenKey() : ""} theme=${theme} />`, document.getElementById("app"));
