// /host/sessions: the sessions this browser has hosted, from local storage,
// with their live status, their console, report and downloads.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, formatCode, formatDate, Toasts, useToasts } from "./ui.js";
import { api } from "./api.js";
import { EXPORTS, consoleLink, downloadExport, forgetHosted, loadHosted, reportLink, storedKeys } from "./hosted.js";

const STATUS = {
  checking: { label: "Checking…", cls: "checking" },
  lobby: { label: "Lobby", cls: "lobby" },
  live: { label: "Live", cls: "live" },
  ended: { label: "Ended", cls: "ended" },
  deleted: { label: "Deleted", cls: "deleted" },
  badkey: { label: "Key not valid", cls: "problem" },
  unknown: { label: "Status unknown", cls: "problem" },
};
const DOWNLOADS = [
  ["csv", "CSV"],
  ["xlsx", "Excel"],
  ["json", "JSON"],
];
const PARALLEL = 4;

/** Each session with its keys (the list's, or the console's store). */
function withKeys(s) {
  const keys = storedKeys(s.id);
  return { ...s, hostKey: keys.hostKey || s.hostKey || "", screenKey: keys.screenKey || s.screenKey || "" };
}

/** Asks the server how each session is doing, a few at a time. */
function useStatuses(sessions) {
  const [statuses, setStatuses] = useState({});
  useEffect(() => {
    let stopped = false;
    const queue = sessions.filter((s) => s.hostKey);
    const set = (id, v) => !stopped && setStatuses((m) => ({ ...m, [id]: v }));
    for (const s of sessions) if (!s.hostKey) set(s.id, { status: "badkey", detail: "This browser has no host key for it." });
    const worker = async () => {
      while (!stopped && queue.length) {
        const s = queue.shift();
        set(s.id, { status: "checking" });
        try {
          const data = await api("GET", `/api/sessions/${encodeURIComponent(s.id)}`, undefined, s.hostKey);
          const st = data.state || data;
          set(s.id, { status: st.session?.status || "unknown", joined: st.counts?.joined, title: st.session?.title, names: st.session?.names });
        } catch (err) {
          if (err.code === "session_not_found") set(s.id, { status: "deleted" });
          else if (err.code === "unauthorized") set(s.id, { status: "badkey", detail: "The server refused the key kept here." });
          else set(s.id, { status: "unknown", detail: err.message });
        }
      }
    };
    for (let i = 0; i < PARALLEL; i++) worker();
    return () => {
      stopped = true;
    };
  }, []);
  return statuses;
}

/**
 * A session with its links and downloads. Its names leave an export only if
 * its phones said they are visible and names are not left out (leaveOut).
 */
function SessionItem({ s, st, leaveOut, onForget, toast }) {
  const [busy, setBusy] = useState("");
  const [confirming, setConfirming] = useState(false);
  const forgetRef = useRef(null);
  const confirmRef = useRef(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  const status = STATUS[st?.status || "checking"] || STATUS.unknown;
  const gone = st?.status === "deleted";
  const usable = Boolean(s.hostKey) && !gone && st?.status !== "badkey";
  const title = st?.title || s.title || "Untitled session";
  const tid = `s-${s.id}`;
  const anonymous = leaveOut || st?.names !== "visible";

  const download = async (format) => {
    setBusy(format);
    try {
      const { filename } = await downloadExport({ id: s.id, hostKey: s.hostKey, format, anonymous, title });
      toast(`Downloaded ${filename}`, "info");
    } catch (err) {
      toast(`${title}: ${err.message}`, "error");
    } finally {
      setBusy("");
    }
  };
  const forget = () => {
    if (gone || !s.hostKey) onForget(s.id);
    else setConfirming(true);
  };

  return html`<li class=${`session${gone ? " is-deleted" : ""}`} aria-labelledby=${tid}>
    <div class="session-head">
      <h2 id=${tid} class="session-title">${title}</h2>
      <span class=${`pill pill-${status.cls}`} title=${st?.detail || ""}>${status.label}</span>
    </div>
    <p class="session-meta">
      ${s.code && html`<span>Code <strong>${formatCode(s.code)}</strong></span>`}
      ${s.createdAt && html`<span>Created ${formatDate(s.createdAt)}</span>`}
      ${typeof st?.joined === "number" && html`<span>${st.joined} joined</span>`}
      ${st?.names && html`<span>${st.names === "visible" ? "Names visible" : "Anonymous answers: no export holds a name"}</span>`}
      ${st?.detail && html`<span class="session-detail">${st.detail}</span>`}
    </p>
    ${confirming
      ? html`<div class="forget-confirm" role="group" aria-labelledby=${`${tid}-forget`}>
          <p id=${`${tid}-forget`}>
            Forget this session? This browser drops its host key; the session stays on the server, and only its host link
            opens it again.
          </p>
          <button type="button" class="danger" ref=${confirmRef} onClick=${() => onForget(s.id)}>Forget it</button>
          <button type="button" onClick=${() => { setConfirming(false); forgetRef.current?.focus(); }}>Keep it</button>
        </div>`
      : html`<div class="session-actions">
          ${usable
            ? html`<a class="button primary" href=${consoleLink(s)} aria-describedby=${tid}>Open console</a>
                <a class="button" href=${reportLink(s.id, anonymous)} aria-describedby=${tid}>Report</a>`
            : html`<span class="session-gone">${gone ? "Nothing left on the server." : "No console without a valid host key."}</span>`}
          ${usable &&
          html`<span class="downloads" role="group" aria-label="Download">
            <span class="downloads-label" aria-hidden="true">Download</span>
            ${DOWNLOADS.map(
              ([f, label]) => html`<button type="button" key=${f} disabled=${Boolean(busy)} aria-describedby=${tid}
                title=${EXPORTS[f].label} onClick=${() => download(f)}>${busy === f ? `${label}…` : label}</button>`,
            )}
          </span>`}
          <button type="button" class="forget" ref=${forgetRef} aria-describedby=${tid} onClick=${forget}>Forget</button>
        </div>`}
  </li>`;
}

export function Sessions() {
  const [sessions, setSessions] = useState(() => loadHosted().map(withKeys));
  const statuses = useStatuses(sessions);
  const [leaveOut, setLeaveOut] = useState(false);
  // Names can be left out only where there are names to leave out.
  const someNamed = Object.values(statuses).some((st) => st.names === "visible");
  const [toasts, toast, dismissToast] = useToasts();
  const [note, setNote] = useState("");
  const headingRef = useRef(null);

  const onForget = (id) => {
    const s = sessions.find((x) => x.id === id);
    forgetHosted(id);
    setSessions((list) => list.filter((x) => x.id !== id));
    setNote(`This browser forgot “${(s && (statuses[id]?.title || s.title)) || "the session"}”.`);
    headingRef.current?.focus();
  };

  return html`<main class="sessions-page">
    <header class="sessions-header">
      <a class="brand" href="/">Quorum</a>
      <h1 tabindex="-1" ref=${headingRef}>My sessions</h1>
      <p class="muted">
        The sessions hosted from this browser. Their host keys stay in this browser: another browser or device does not
        list them.
      </p>
      ${sessions.length > 0 && html`<p><a class="button" href="/host">Host a new workshop</a></p>`}
    </header>
    <p class="sessions-note" role="status">${note}</p>

    ${sessions.length === 0
      ? html`<div class="card sessions-empty">
          <h2>No sessions hosted from this browser yet</h2>
          <p class="muted">Create one and it shows up here, with its results to download.</p>
          <p><a class="button primary" href="/host">Host a workshop</a></p>
        </div>`
      : html`${someNamed && html`<label class="sessions-anon">
            <input type="checkbox" checked=${leaveOut} onChange=${(e) => setLeaveOut(e.target.checked)} />
            <span>Leave out names (anonymous) in downloads and reports of sessions with names visible</span>
          </label>`}
          <ul class="sessions-list">
            ${sessions.map(
              (s) => html`<${SessionItem} key=${s.id} s=${s} st=${statuses[s.id]} leaveOut=${leaveOut} onForget=${onForget} toast=${toast} />`,
            )}
          </ul>`}

    <${Toasts} toasts=${toasts} dismiss=${dismissToast} />
  </main>`;
}
