// The sessions this browser hosts, and their exports. Shared by the console,
// the report page and "My sessions".
//
// The host key never goes in a URL path or query (server logs keep those): an
// export is fetched with the key in the Authorization header, and the answer
// is handed to the browser as a download from a Blob.
import { load, save, forget } from "./storage.js";
import { apiError, request } from "./api.js";

export const HOSTED_KEY = "quorum:hosted";
const HOSTED_MAX = 200;
const keysKey = (id) => `quorum:host:${id}`;

/** The sessions this browser hosted, newest first. */
export function loadHosted() {
  const list = load(HOSTED_KEY, []);
  return Array.isArray(list) ? list.filter((s) => s && typeof s.id === "string" && s.id) : [];
}

/**
 * Puts a session at the top of this browser's list: {id, code, title,
 * hostKey, screenKey}. With replace false, a session already listed stays
 * where it is.
 */
export function rememberHosted(entry, replace = true) {
  const list = loadHosted();
  if (!replace && list.some((s) => s.id === entry.id)) return;
  const listed = { ...entry, createdAt: new Date().toISOString() };
  save(HOSTED_KEY, [listed, ...list.filter((s) => s.id !== entry.id)].slice(0, HOSTED_MAX));
}

/** The keys this browser holds for a session: {hostKey, screenKey}, maybe empty. */
export function storedKeys(id) {
  const stored = load(keysKey(id), {}) || {};
  const listed = loadHosted().find((s) => s.id === id) || {};
  return { hostKey: stored.hostKey || listed.hostKey || "", screenKey: stored.screenKey || listed.screenKey || "" };
}

/** Lists a session this browser just created, under title, with its keys. */
export function rememberCreated(created, title) {
  rememberHosted({ id: created.id, code: created.code, title, hostKey: created.hostKey, screenKey: created.screenKey });
  storeKeys(created.id, created.hostKey, created.screenKey);
}

/** Keeps a session's keys, as the console does when it opens. */
export function storeKeys(id, hostKey, screenKey) {
  const stored = load(keysKey(id), {}) || {};
  const next = { hostKey, screenKey: screenKey || stored.screenKey || "" };
  save(keysKey(id), next.screenKey ? next : { hostKey });
}

/**
 * A session's keys from a link's fragment (#key=…&screen=…), else from this
 * browser. Keys from a link are stored, then taken out of the address bar: a
 * laptop on a projector must not show the key that controls the session.
 */
export function keysFromLink(id, hash = location.hash) {
  const params = new URLSearchParams(hash.slice(1));
  const fromLink = params.get("key") || "";
  if (id && fromLink) {
    storeKeys(id, fromLink, params.get("screen") || "");
    if (storedKeys(id).hostKey === fromLink) history.replaceState(null, "", location.pathname + location.search);
  }
  const stored = id ? storedKeys(id) : { hostKey: "", screenKey: "" };
  return { hostKey: fromLink || stored.hostKey, screenKey: params.get("screen") || stored.screenKey };
}

/** Removes a session and its keys from this browser (not from the server). */
export function forgetHosted(id) {
  save(HOSTED_KEY, loadHosted().filter((s) => s.id !== id));
  forget(keysKey(id));
}

/** The console's link, keys in the fragment (never sent to the server). */
export function consoleLink(s) {
  let link = `/host/${encodeURIComponent(s.id)}`;
  if (s.hostKey) link += `#key=${s.hostKey}${s.screenKey ? `&screen=${s.screenKey}` : ""}`;
  return link;
}

/** The report page of a session: anonymous, and with the facilitator's notes or not. */
export function reportLink(id, anonymous, notes = false) {
  const q = new URLSearchParams();
  if (anonymous) q.set("anonymous", "1");
  if (notes) q.set("notes", "1");
  const query = q.toString();
  return `/host/${encodeURIComponent(id)}/report${query ? `?${query}` : ""}`;
}

/** What each export is: its address, the query it needs and how to name it. */
export const EXPORTS = {
  csv: { label: "Results (CSV)", file: "export.csv", ext: "csv", what: "results" },
  summary: { label: "Summary (CSV)", file: "export.csv", ext: "csv", what: "summary", summary: true, suffix: "-summary" },
  xlsx: { label: "Excel workbook", file: "export.xlsx", ext: "xlsx", what: "Excel workbook" },
  json: { label: "JSON (for scripts)", file: "export.json", ext: "json", what: "JSON" },
};

export function exportPath(id, format, anonymous) {
  const spec = EXPORTS[format];
  const q = new URLSearchParams();
  if (spec.summary) q.set("summary", "1");
  if (anonymous) q.set("anonymous", "1");
  const query = q.toString();
  return `/api/sessions/${encodeURIComponent(id)}/${spec.file}${query ? `?${query}` : ""}`;
}

/** "Leadership offsite!" -> "leadership-offsite" */
export function slug(title) {
  return (
    String(title || "")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/, "") || "quorum-session"
  );
}

/** A name that is safe as a file name on every system. */
function cleanName(name) {
  const base = String(name || "")
    .split(/[\\/]/)
    .pop()
    .replace(/[\u0000-\u001f\u007f<>:"|?*]+/g, "")
    .trim();
  return base && !/^\.+$/.test(base) ? base : "";
}

/** The file name a Content-Disposition header gives, or "". */
export function filenameFrom(disposition) {
  if (!disposition) return "";
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(disposition);
  if (star) {
    try {
      const name = cleanName(decodeURIComponent(star[2].trim().replace(/^"|"$/g, "")));
      if (name) return name;
    } catch {
      // A malformed encoding: fall back on the plain parameter.
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;]*))/i.exec(disposition);
  if (!plain) return "";
  return cleanName(plain[1] !== undefined ? plain[1].replace(/\\(.)/g, "$1") : plain[2].trim());
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A refused export or report, in a host's words. */
export async function hostError(res, fallback) {
  const err = await apiError(res, fallback);
  if (err.code === "session_not_found") err.message = "This session no longer exists: it was deleted.";
  else if (res.status === 401) err.message = "The host key kept in this browser is not valid for this session.";
  return err;
}

/**
 * Downloads one export of a session and saves it as a file.
 * Resolves to {filename, size}; throws an Error whose message can be shown.
 */
export async function downloadExport({ id, hostKey, format, anonymous = false, title = "" }) {
  const spec = EXPORTS[format];
  if (!spec) throw new Error(`Unknown export: ${format}`);
  const res = await request(exportPath(id, format, anonymous), { headers: { Authorization: `Bearer ${hostKey}` }, cache: "no-store" });
  if (!res.ok) throw await hostError(res, `The ${spec.what} could not be exported (the server answered ${res.status}).`);
  const blob = await res.blob();
  const filename =
    filenameFrom(res.headers.get("Content-Disposition")) ||
    `${slug(title)}-${today()}${spec.suffix || ""}${anonymous ? "-anonymous" : ""}.${spec.ext}`;
  saveBlob(blob, filename);
  return { filename, size: blob.size };
}

/** Hands a Blob to the browser as a download named filename. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
