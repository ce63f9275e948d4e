// /host/{id}: the facilitator's console. Laptop first, clicker friendly:
// every command is a big button and a key. The screen follows the server's
// state frames; nothing here changes before the server says so.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { html, formatCode, joinUrl, ConnectionBadge, ConnectionBanner, Countdown, Toasts, useToasts } from "./ui.js";
import { api } from "./api.js";
import { useLive } from "./live.js";
import { load, save } from "./storage.js";
import { isVoting, letter, VIEW_LABELS } from "./kinds.js";
import { GroupResults, ProfileSoFar, ResultsChart, ShiftSummary } from "./charts.js";
import { EXPORTS, downloadExport, forgetHosted, rememberHosted, reportLink } from "./hosted.js";
import { NAMES_PROMISE } from "./names.js";

const WARNING_KEY = "quorum:host-warning-dismissed";
const KIND_LABEL = { info: "Info", choice: "Choice", scale: "Scale", text: "Text", profile: "Profile" };
const STATUS_LABEL = { lobby: "Lobby", live: "Live", ended: "Ended" };
const TIMER_PRESETS = [30, 60, 90];

function votesLabel(n) {
  return `${n} ${n === 1 ? "vote" : "votes"}`;
}

/** What each command can do now, and why not when it cannot. */
function controlsFor(state) {
  const { session, step } = state;
  const status = session.status;
  const last = session.currentStep >= session.stepCount - 1;
  const kind = step ? step.kind : "";
  const votingStep = isVoting(kind);
  const live = status === "live";
  const ended = status === "ended";
  const open = step && step.voting === "open";
  const revealed = step && step.revealed;
  const timerRunning = Boolean(open && step.deadline);
  const no = (why) => ({ ok: false, why });
  const yes = { ok: true, why: "" };
  const endedWhy = "The session has ended.";
  // Previous and Next go through the views of the shared screen's stage
  // first (step.views: the profile, then who moved), then the steps.
  const lastView = !step || (step.view || 0) >= (step.views?.length || 1) - 1;
  const firstView = !step || !step.view;

  return {
    start: status === "lobby" ? yes : no(ended ? endedWhy : "The session has already started."),
    prev: ended ? no(endedWhy) : !live ? no("Start the session first.") : session.currentStep <= 0 && firstView ? no("This is the first step.") : yes,
    next: ended ? no(endedWhy) : live && last && lastView ? no("This is the last step.") : yes,
    voting: open
      ? { ok: true, why: "", label: "Close voting", action: "close" }
      : {
          ...(ended ? no(endedWhy) : !votingStep ? no(`There is no voting on ${kind === "info" ? "an info" : "a profile"} step.`) : !live ? no("Start the session first.") : yes),
          label: "Open voting",
          action: "open",
        },
    reveal: revealed
      ? { ...(ended ? no(endedWhy) : yes), label: "Hide results", action: "hide" }
      : {
          ...(ended ? no(endedWhy) : kind === "info" ? no("An info step has no results.") : !live ? no("Start the session first.") : yes),
          label: "Reveal results",
          action: "reveal",
        },
    reset: ended ? no(endedWhy) : !votingStep ? no("Only a voting step can be reset.") : !live ? no("Start the session first.") : yes,
    round: ended
      ? no(endedWhy)
      : !votingStep
        ? no("Only a voting step can be asked again.")
        : !live
          ? no("Start the session first.")
          : open
            ? no("Close voting on this round first.")
            : !(state.results && state.results.n > 0)
              ? no("This round has no votes yet.")
              : step.round >= 9
                ? no("A step can be asked at most 9 times.")
                : yes,
    proxy: ended ? no(endedWhy) : !votingStep ? no("There is nothing to vote on here.") : !open ? no("Open voting first.") : yes,
    timer: ended ? no(endedWhy) : !votingStep ? no("The timer runs on a voting step.") : !live ? no("Start the session first.") : yes,
    end: ended ? no(endedWhy) : yes,
    goto: ended ? no(endedWhy) : yes,
    timerRunning,
  };
}

// ---------------------------------------------------------------- pieces

/** A native modal dialog: focus stays inside, Escape closes it. */
function Modal({ labelledBy, className = "", onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog && dialog.open && dialog.close();
  }, []);
  const onClick = (e) => {
    if (e.target === ref.current) onClose(); // a click on the backdrop
  };
  return html`<dialog ref=${ref} class=${`modal ${className}`} aria-labelledby=${labelledBy} onClose=${onClose} onClick=${onClick}>
    <div class="modal-body">${children}</div>
  </dialog>`;
}

function ConfirmDialog({ confirm, onCancel }) {
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    await confirm.run();
    onCancel();
  };
  return html`<${Modal} labelledBy="confirm-title" className="confirm" onClose=${onCancel}>
    <h2 id="confirm-title">${confirm.title}</h2>
    <p>${confirm.text}</p>
    <div class="modal-actions">
      <button type="button" onClick=${onCancel} autofocus>Cancel</button>
      <button type="button" class="primary danger-fill" onClick=${go} disabled=${busy}>${confirm.confirmLabel}</button>
    </div>
  <//>`;
}

const SHORTCUTS = [
  [["→", "Page Down"], "Next step"],
  [["←", "Page Up"], "Previous step"],
  [["Space"], "Open or close voting"],
  [["R"], "Reveal or hide results"],
  [["T"], "Timer menu"],
  [["E"], "Export menu: downloads, report, delete"],
  [["?"], "Show or hide this help"],
  [["Esc"], "Close menus and overlays"],
];

function HelpDialog({ onClose }) {
  return html`<${Modal} labelledBy="help-title" className="help" onClose=${onClose}>
    <h2 id="help-title">Keyboard shortcuts</h2>
    <p class="muted">Presentation clickers send → and ←, or Page Down and Page Up. These keys work wherever you clicked last, except while you type in a field.</p>
    <table class="shortcuts">
      <tbody>
        ${SHORTCUTS.map(
          ([keys, what]) => html`<tr key=${what}>
            <th scope="row">${keys.map((k, i) => html`${i > 0 ? html`<span class="or"> or </span>` : ""}<kbd>${k}</kbd>`)}</th>
            <td>${what}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <div class="modal-actions">
      <button type="button" class="primary" onClick=${onClose} autofocus>Close</button>
    </div>
  <//>`;
}

/**
 * A menu that drops from its toggle: it focuses its first item (the first
 * match of first) as it appears, not a frame later, when a click elsewhere
 * would keep the focus (see handBack); a press outside it and its toggle
 * closes it. Returns the ref for the menu's element.
 */
function useDropMenu(first, toggle, onClose) {
  const ref = useRef(null);
  useLayoutEffect(() => {
    ref.current?.querySelector(first)?.focus();
    const outside = (e) => {
      if (ref.current && !ref.current.contains(e.target) && !e.target.closest?.(toggle)) onClose(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, []);
  return ref;
}

function TimerMenu({ running, onPick, onClose }) {
  const [custom, setCustom] = useState("");
  const [error, setError] = useState("");
  const ref = useDropMenu("button", ".timer-toggle", onClose);
  const submit = (e) => {
    e.preventDefault();
    const s = Number(custom);
    if (!Number.isInteger(s) || s < 5 || s > 3600) {
      setError("Between 5 and 3600 seconds.");
      return;
    }
    onPick(s);
  };
  return html`<div class="timer-menu" id="timer-menu" ref=${ref} role="group" aria-label="Timer">
    <p class="timer-menu-hint">Opens voting and closes it at zero.</p>
    <div class="timer-presets">
      ${TIMER_PRESETS.map((s) => html`<button type="button" key=${s} onClick=${() => onPick(s)}>${s} s</button>`)}
    </div>
    <form class="timer-custom" onSubmit=${submit} novalidate>
      <label for="timer-seconds">Custom seconds</label>
      <div class="timer-custom-row">
        <input id="timer-seconds" type="number" inputmode="numeric" min="5" max="3600" step="1" value=${custom}
          onInput=${(e) => { setCustom(e.target.value); setError(""); }} aria-describedby=${error ? "timer-error" : undefined}
          aria-invalid=${error ? "true" : undefined} />
        <button type="submit">Start timer</button>
      </div>
      ${error && html`<div id="timer-error" class="field-error" role="alert">${error}</div>`}
    </form>
    ${running && html`<button type="button" class="danger cancel-timer" onClick=${() => onPick(0)}>Cancel timer</button>`}
  </div>`;
}

/**
 * A field that takes typed text: there, keys are characters, not commands.
 * A checkbox, a select or a button is not one: a clicker's keys pass through it.
 */
function isTextField(el) {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA") return true;
  return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset|range|color|file|image)$/.test(el.type);
}

/** Keys that move between the items of a small menu. */
function menuKeys(e, container) {
  const items = [...container.querySelectorAll("[data-menu-item]")].filter((el) => !el.disabled);
  const i = items.indexOf(document.activeElement);
  let next = null;
  if (e.key === "ArrowDown") next = items[(i + 1) % items.length];
  else if (e.key === "ArrowUp") next = items[(i - 1 + items.length) % items.length];
  else if (e.key === "Home") next = items[0];
  else if (e.key === "End") next = items[items.length - 1];
  if (next) {
    e.preventDefault();
    next.focus();
  }
}

const DOWNLOADS = ["csv", "summary", "xlsx", "json"];

/**
 * What can be exported: the downloads and the printable report. Names can be
 * left out only where the phones said they are visible (namesVisible);
 * elsewhere every export is anonymous, and this says why.
 */
function ExportChoices({ id, namesVisible, anonymous, setAnonymous, busy, onDownload, onReport }) {
  return html`
    ${namesVisible
      ? html`<label class="export-anon">
          <input type="checkbox" data-menu-item checked=${anonymous} onChange=${(e) => setAnonymous(e.target.checked)} />
          <span>Leave out names (anonymous)</span>
        </label>`
      : html`<p class="export-anon export-anon-fixed">Anonymous: phones were told “${NAMES_PROMISE.hidden}” No export holds a name.</p>`}
    <ul class="export-items" aria-busy=${busy ? "true" : "false"}>
      ${DOWNLOADS.map(
        (f) => html`<li key=${f}>
          <button type="button" data-menu-item disabled=${busy === f} onClick=${() => onDownload(f)}>${EXPORTS[f].label}</button>
        </li>`,
      )}
      <li>
        <a class="button" data-menu-item href=${reportLink(id, anonymous)} target="_blank" rel="noopener" onClick=${onReport}>Printable report</a>
      </li>
    </ul>
    ${busy && html`<p class="export-busy" role="status">Preparing the ${EXPORTS[busy].what}…</p>`}`;
}

/** The export menu: the exports, and deleting the session. */
function ExportMenu({ live, onDelete, onClose, ...choices }) {
  const ref = useDropMenu("button[data-menu-item]", ".export-toggle", onClose);
  return html`<div class="export-menu" id="export-menu" ref=${ref} role="group" aria-labelledby="export-menu-title"
    onKeyDown=${(e) => menuKeys(e, ref.current)}>
    <h2 id="export-menu-title" class="export-menu-title">Export</h2>
    <p class="export-menu-hint">${live ? "Everything so far; export again at the end for the final results." : "Every vote of the session."}</p>
    <${ExportChoices} ...${choices} onReport=${() => onClose(false)} />
    <div class="export-danger">
      <button type="button" class="danger" data-menu-item onClick=${onDelete}>Delete session…</button>
    </div>
  </div>`;
}

function AgendaList({ state, canGoto, onGoto }) {
  const current = state.session.currentStep;
  const listRef = useRef(null);
  useEffect(() => {
    listRef.current?.querySelector('[aria-current="step"]')?.scrollIntoView({ block: "nearest" });
  }, [current]);
  // Its steps cannot be picked once the session has ended: the list itself
  // takes the focus then, so that a keyboard can scroll it.
  return html`<nav class="agenda" aria-labelledby="agenda-title" tabindex=${canGoto ? undefined : "0"}>
    <h2 id="agenda-title">Agenda <span class="muted">· ${state.session.stepCount} steps</span></h2>
    <ol ref=${listRef}>
      ${(state.steps || []).map((s, i) => {
        const isCurrent = i === current;
        // The room counts the current step's votes as they come, while live.
        const votes = isCurrent && isVoting(s.kind) && state.session.status === "live" ? state.counts.voted : s.votes;
        return html`<li key=${i}>
          <button type="button" class=${`agenda-item${isCurrent ? " current" : ""}`} aria-current=${isCurrent ? "step" : undefined}
            disabled=${!canGoto} onClick=${() => onGoto(i)}>
            <span class="agenda-num" aria-hidden="true">${i + 1}</span>
            <span class="agenda-main">
              <span class="agenda-title"><span class="visually-hidden">Step ${i + 1}: </span>${s.title}</span>
              <span class="agenda-meta">
                <span class=${`kind kind-${s.kind}`}>${KIND_LABEL[s.kind] || s.kind}</span>
                ${s.voting === "open" && html`<span class="chip chip-open">Voting open</span>`}
                ${s.voting === "closed" && isVoting(s.kind) && html`<span class="chip">Closed</span>`}
                ${s.revealed && html`<span class="chip chip-revealed">Revealed</span>`}
                ${isVoting(s.kind) && html`<span class="agenda-votes">${votesLabel(votes)}</span>`}
              </span>
            </span>
          </button>
        </li>`;
      })}
    </ol>
  </nav>`;
}

/**
 * The step's text. Once its results show, they name the options and the
 * poles: the step leaves them out, and the chart has the room.
 */
function StepBody({ step, charted }) {
  return html`
    ${step.body && html`<p class="step-body">${step.body}</p>`}
    ${!charted && step.kind === "choice" && step.options &&
    html`<ol class="step-options" type="A">
      ${step.options.map((o, i) => html`<li key=${i}>${o}</li>`)}
    </ol>`}
    ${!charted && step.kind === "scale" &&
    html`<p class="step-poles">
      <span class="pole">1 = ${step.left}</span><span aria-hidden="true"> ↔ </span><span class="visually-hidden">, </span><span class="pole">${step.points} = ${step.right}</span>
    </p>`}
    ${step.kind === "text" && html`<p class="muted step-poles">Short answers, at most ${step.maxLength || 80} characters.</p>`}
  `;
}

const AUTO_REVEAL = [
  ["", "By hand (R)"],
  ["all-voted", "When all have voted"],
  ["timer", "When the timer ends"],
];

/** How the current step reveals its results; a select, applied at once. */
function AutoRevealPicker({ step, act }) {
  return html`<label class="auto-reveal">
    <span>Reveal</span>
    <select value=${step.autoReveal || ""} onChange=${(e) => act("autoreveal", { mode: e.target.value })}>
      ${AUTO_REVEAL.map(([mode, label]) => html`<option key=${mode} value=${mode}>${label}</option>`)}
    </select>
  </label>`;
}

/** Where the room is: who voted, who is connected and has not (counts, never names). */
function RoomCounts({ counts }) {
  return html`<p class="room-counts" aria-live="polite" aria-atomic="true">
    <strong>${counts.voted}</strong> voted · <strong>${counts.notVoted}</strong> of ${counts.connected} connected still to vote
  </p>`;
}

function Results({ state, act, canSplit }) {
  const { step, results } = state;
  if (!step || step.kind === "info") {
    return html`<section class="results-panel results-none" aria-label="Results">
      <p class="muted">An info step: nothing to vote on. Talk, then move on.</p>
    </section>`;
  }
  const n = results && typeof results.n === "number" ? results.n : state.counts.voted;
  const votingText = step.kind === "profile" ? "From the scale steps" : { pending: "Voting not opened yet", open: "Voting open", closed: "Voting closed" }[step.voting];
  const votable = isVoting(step.kind);
  const settings = state.session.settings || {};
  const live = state.session.status === "live";
  return html`<section class=${`results-panel${step.revealed ? " is-revealed" : " is-private"}`} aria-labelledby="results-title">
    <div class="results-head">
      <h3 id="results-title">Results${step.round > 1 ? html` <span class="chip chip-round">Round ${step.round}</span>` : ""}</h3>
      <span class="results-state">${votingText}${step.kind !== "profile" ? ` · ${votesLabel(n)}` : ""}</span>
      ${step.revealed
        ? html`<span class="reveal-flag revealed">Revealed: on the screen and phones</span>`
        : html`<span class="reveal-flag private">Only you see this until you reveal</span>`}
    </div>
    <div class="results-tools">
      ${votable && live && html`<${RoomCounts} counts=${state.counts} />`}
      ${votable && live && html`<${AutoRevealPicker} step=${step} act=${act} />`}
      ${canSplit && step.kind !== "text" && html`<label class="split-toggle">
        <input type="checkbox" checked=${Boolean(settings.splitByGroup)} disabled=${state.session.status === "ended"}
          onChange=${(e) => act("settings", { settings: { ...settings, splitByGroup: e.target.checked } })} />
        <span>Split by group <span class="muted">(under ${settings.minGroupSize || 3} answers pooled)</span></span>
      </label>`}
    </div>
    <div class="results-chart">
      ${results ? html`<${ResultsChart} step=${step} results=${results} size="console" />` : html`<p class="muted">No results yet.</p>`}
      ${results && html`<${ShiftSummary} shifts=${results.shifts} size="console" />`}
      ${results && html`<${GroupResults} step=${step} results=${results} size="console" />`}
      ${results && html`<${ProfileSoFar} results=${results} size="console" />`}
    </div>
  </section>`;
}

/** A vote the facilitator enters for someone without a phone. */
function ProxyVote({ state, conn, toast }) {
  const { step } = state;
  const [proxy, setProxy] = useState("");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const proxies = state.proxies || [];
  const submit = async (e) => {
    e.preventDefault();
    const v = step.kind === "text" ? value.trim() : Number(value);
    if (value === "" || (step.kind === "text" && !v)) {
      toast("Choose the answer to enter first.", "info");
      return;
    }
    setBusy(true);
    try {
      const done = await conn.current.request("proxy", { step: step.index, value: v, round: step.round, ...(proxy ? { proxy } : {}) });
      // A new proxy's name arrives with the next state; an existing one's is known.
      const again = proxies.find((p) => p.id === done.proxy);
      toast(`Proxy vote counted for ${proxy && again ? again.name : "a new proxy"}.`, "info");
      setValue("");
    } catch (err) {
      toast(err.message || "The proxy vote was refused.");
    } finally {
      setBusy(false);
    }
  };
  return html`<details class="proxy-vote">
    <summary>Vote for someone without a phone</summary>
    <form onSubmit=${submit}>
      <label>
        <span>Who</span>
        <select value=${proxy} onChange=${(e) => setProxy(e.target.value)}>
          <option value="">A new person</option>
          ${proxies.map((p) => html`<option key=${p.id} value=${p.id}>${p.name} (again)</option>`)}
        </select>
      </label>
      <label>
        <span>Answer</span>
        ${step.kind === "text"
          ? html`<input type="text" maxlength=${step.maxLength || 80} value=${value} onInput=${(e) => setValue(e.target.value)} />`
          : html`<select value=${value} onChange=${(e) => setValue(e.target.value)}>
              <option value="">Choose…</option>
              ${step.kind === "choice"
                ? (step.options || []).map((o, i) => html`<option key=${i} value=${i}>${letter(i)}: ${o}</option>`)
                : Array.from({ length: step.points || 0 }, (_, i) => html`<option key=${i} value=${i + 1}>${i + 1}${i === 0 ? ` (${step.left})` : i + 1 === step.points ? ` (${step.right})` : ""}</option>`)}
            </select>`}
      </label>
      <button type="submit" disabled=${busy}>Count this vote</button>
    </form>
    <p class="muted">It counts once, like a phone's, and is marked as a proxy vote in the exports.</p>
  </details>`;
}

/** The room's settings: group size for splits, the split rule, reactions. */
function SettingsDialog({ settings, act, onClose }) {
  const [k, setK] = useState(String(settings.minGroupSize ?? 3));
  const [share, setShare] = useState(String(Math.round((settings.splitShare ?? 0.3) * 100)));
  const [reactions, setReactions] = useState(settings.reactions !== false);
  const [error, setError] = useState("");
  const save = async (e) => {
    e.preventDefault();
    const minGroupSize = Number(k);
    const splitShare = Number(share) / 100;
    if (!Number.isInteger(minGroupSize) || minGroupSize < 1 || minGroupSize > 50) return setError("The smallest group shown is 1 to 50 answers.");
    if (!(splitShare >= 0.1 && splitShare <= 0.5)) return setError("The split rule is 10 to 50 %.");
    try {
      await act("settings", { settings: { ...settings, minGroupSize, splitShare, reactions } }, true);
      onClose();
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<${Modal} labelledBy="settings-title" className="settings" onClose=${onClose}>
    <h2 id="settings-title">Room settings</h2>
    <form onSubmit=${save} novalidate>
      <label class="field">
        <span>Smallest group shown on its own</span>
        <input type="number" min="1" max="50" value=${k} onInput=${(e) => setK(e.target.value)} aria-describedby="k-help" />
        <small id="k-help" class="muted">When results are split by group, smaller groups are pooled under “Other groups”, so nobody can be picked out.</small>
      </label>
      <label class="field">
        <span>“Split room” when at least this share is on each side (%)</span>
        <input type="number" min="10" max="50" value=${share} onInput=${(e) => setShare(e.target.value)} />
      </label>
      <label class="field field-check">
        <input type="checkbox" checked=${reactions} onChange=${(e) => setReactions(e.target.checked)} />
        <span>Participants may send reactions to the screen</span>
      </label>
      ${error && html`<p class="field-error" role="alert">${error}</p>`}
      <div class="modal-actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary">Save</button>
      </div>
    </form>
  <//>`;
}

/** Once the session has ended: it says so, and offers the exports. */
function EndedPanel({ state, exports }) {
  return html`<aside class="join join-ended-panel" aria-labelledby="join-title">
    <h2 id="join-title">Ended</h2>
    <p class="join-ended">The session has ended: its code no longer joins, its results stay.</p>
    <p class="join-code is-ended"><span class="visually-hidden">Join code </span>${formatCode(state.session.code)}</p>
    <h3 class="ended-export-title">Export the results</h3>
    <${ExportChoices} ...${exports} />
  </aside>`;
}

/**
 * How phones join: the code, the link and its QR code. Under them, until
 * dismissed, a word on this console's own link, which must not be shared.
 */
function JoinPanel({ state, id, toast, warning, onDismiss }) {
  const url = joinUrl(state.session);
  const shown = url.replace(/^https?:\/\//, "");
  const copy = async () => {
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(url);
      else {
        const ta = document.createElement("textarea");
        ta.value = url;
        ta.setAttribute("readonly", "");
        ta.className = "visually-hidden";
        document.body.appendChild(ta);
        ta.select();
        const ok = document.execCommand("copy");
        ta.remove();
        if (!ok) throw new Error("copy refused");
      }
      toast("Join link copied.", "info");
    } catch {
      toast(`Could not copy. The link is ${url}`, "error");
    }
  };
  return html`<aside class="join" aria-labelledby="join-title">
    <h2 id="join-title">Join</h2>
    <p class="join-code"><span class="visually-hidden">Join code </span>${formatCode(state.session.code)}</p>
    <p class="join-url"><a href=${url} target="_blank" rel="noopener">${shown}</a></p>
    <img class="join-qr" src=${`/api/sessions/${encodeURIComponent(id)}/qr.svg`} alt="QR code of the join link" width="200" height="200" />
    <button type="button" class="copy-link" onClick=${copy}>Copy link</button>
    <p class="join-connected muted">${state.counts.connected} connected now</p>
    ${warning &&
    html`<div class="key-warning" role="note">
      <p><strong>This link gives control of the session. Don't share it.</strong> Share the join code or the screen instead.</p>
      <button type="button" onClick=${onDismiss}>Dismiss</button>
    </div>`}
  </aside>`;
}

function Notice({ title, children }) {
  return html`<main class="console-notice">
    <div class="card">
      <h1>${title}</h1>
      ${children}
      <p><a class="button primary" href="/host">Host a workshop</a></p>
    </div>
  </main>`;
}

function countLabel(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** What is left after the facilitator deleted the session. */
function Deleted({ title, deleted }) {
  const ref = useRef(null);
  useEffect(() => {
    document.title = "Session deleted · Quorum";
    ref.current?.focus();
  }, []);
  return html`<main class="console-notice deleted">
    <div class="card">
      <h1 tabindex="-1" ref=${ref}>Session deleted</h1>
      ${deleted
        ? html`<p>“${title}” was deleted from the server with everything it held:</p>
            <ul class="deleted-counts">
              <li>${countLabel(deleted.participants || 0, "participant", "participants")}</li>
              <li>${countLabel(deleted.votes || 0, "vote", "votes")}</li>
              <li>${countLabel(deleted.events || 0, "event", "events")} of the session's log</li>
            </ul>`
        : html`<p>“${title}” no longer exists on the server: it had already been deleted.</p>`}
      <p class="muted">This browser has forgotten its keys. Phones and the shared screen were disconnected.</p>
      <p class="deleted-links">
        <a class="button primary" href="/host">Host a workshop</a>
        <a class="button" href="/host/sessions">My sessions</a>
      </p>
    </div>
  </main>`;
}

// ---------------------------------------------------------------- console

function Console({ id, hostKey, screenKey, onDeleted }) {
  const [live, conn] = useLive({ role: "host", session: id, secret: hostKey });
  const [warning, setWarning] = useState(() => !load(WARNING_KEY, false));
  const [toasts, toast, dismissToast] = useToasts();
  const [help, setHelp] = useState(false);
  const [timerOpen, setTimerOpen] = useState(false);
  const [confirm, setConfirm] = useState(null);
  const [exportOpen, setExportOpen] = useState(false);
  const [leaveOutNames, setLeaveOutNames] = useState(false);
  const [exporting, setExporting] = useState("");
  const timerButton = useRef(null);
  const exportButton = useRef(null);
  const stageRef = useRef(null);
  const state = live.state;
  const currentStep = state ? state.session.currentStep : -1;
  // Names are exported only where the phones said they would be.
  const namesVisible = state?.session.names === "visible";
  const anonymous = leaveOutNames || !namesVisible;

  // A new step starts at its top: title first, then results and notes.
  useEffect(() => {
    if (stageRef.current) stageRef.current.scrollTop = 0;
    setTimerOpen(false);
  }, [currentStep]);

  // rethrow: the caller shows the error itself (a form next to its fields).
  const act = useCallback(async (name, extra, rethrow = false) => {
    if (!conn.current) return;
    try {
      await conn.current.action(name, extra);
    } catch (err) {
      if (rethrow) throw err;
      toast(err.message || "The server refused that.");
    }
  }, []);
  const [settingsOpen, setSettingsOpen] = useState(false);

  useEffect(() => {
    if (state) {
      document.title = `${state.session.title} · Console · Quorum`;
      rememberHosted({ id, code: state.session.code, title: state.session.title, hostKey, screenKey }, false);
    }
  }, [state && state.session.title]);

  const c = state ? controlsFor(state) : null;

  const closeTimer = (refocus = true) => {
    setTimerOpen(false);
    if (refocus) timerButton.current?.focus();
  };
  const closeExport = (refocus = true) => {
    setExportOpen(false);
    if (refocus) exportButton.current?.focus();
  };
  const download = async (format) => {
    setExporting(format);
    try {
      const { filename } = await downloadExport({ id, hostKey, format, anonymous, title: state.session.title });
      toast(`Downloaded ${filename}`, "info");
    } catch (err) {
      toast(err.message || "The export failed.");
    } finally {
      setExporting("");
    }
  };
  const deleteSession = async () => {
    const title = state.session.title;
    try {
      const res = await api("DELETE", `/api/sessions/${encodeURIComponent(id)}`, undefined, hostKey);
      forgetHosted(id);
      onDeleted({ title, deleted: res.deleted || {} });
    } catch (err) {
      if (err.code === "session_not_found") {
        forgetHosted(id);
        onDeleted({ title, deleted: null });
        return;
      }
      toast(err.message || "The session could not be deleted.");
    }
  };
  const askDelete = () => {
    closeExport(false);
    setConfirm({
      title: `Delete “${state.session.title}”?`,
      text: "Delete this session and all its votes? This cannot be undone. Phones and the shared screen are disconnected; export the results first if you need them.",
      confirmLabel: "Delete session",
      run: deleteSession,
      returnFocus: exportButton,
    });
  };
  const pickTimer = (seconds) => {
    closeTimer();
    act("timer", { seconds });
  };
  const askReset = () =>
    setConfirm({
      title: "Reset this step?",
      text: "Every vote on this step is dropped, voting goes back to not opened and the results are hidden. This cannot be undone.",
      confirmLabel: "Reset this step",
      run: () => act("reset"),
    });
  const askRound = () =>
    setConfirm({
      title: `Ask this step again as round ${(state.step?.round || 1) + 1}?`,
      text: "The votes so far stay as the earlier round, apart from the new one; phones vote again. After the reveal, the screen shows who moved.",
      confirmLabel: "Start a new round",
      run: () => act("round"),
    });
  const askEnd = () =>
    setConfirm({
      title: "End the session?",
      text: "Voting closes for good, phones show that the session is over and the join code stops working. Results stay in this console.",
      confirmLabel: "End session",
      run: () => act("end"),
    });

  // Runs a command if it applies now; otherwise says why.
  const tryControl = (ctl, name, extra) => {
    if (!ctl.ok) {
      toast(ctl.why, "info");
      return;
    }
    act(name, extra);
  };

  // Keyboard: clickers send arrows and Page Up/Down. They act on the session
  // wherever the focus is, except in a text field or an open dialog.
  const keyRef = useRef(null);
  keyRef.current = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    if (e.key === "Escape") {
      if (timerOpen) {
        e.preventDefault();
        closeTimer();
      }
      if (exportOpen) {
        e.preventDefault();
        closeExport();
      }
      return; // dialogs close themselves on Escape
    }
    if (isTextField(target)) return;
    if (confirm || settingsOpen) return;
    // A control reached with the keyboard keeps Space and Enter: in a menu
    // they press the focused item, on the split toggle they tick it, on a
    // select they open it. (A control clicked with the mouse has handed the
    // focus back to the stage already: see handBack.)
    if ((e.key === " " || e.key === "Enter") && target instanceof Element && target.closest(".export-menu, .timer-menu, .proxy-vote, .split-toggle, .auto-reveal")) return;
    if (e.key === "?") {
      e.preventDefault();
      setExportOpen(false);
      setHelp((h) => !h);
      return;
    }
    if (help || !c) return;
    switch (e.key) {
      case "ArrowRight":
      case "PageDown":
        e.preventDefault();
        tryControl(c.next, "forward");
        break;
      case "ArrowLeft":
      case "PageUp":
        e.preventDefault();
        tryControl(c.prev, "back");
        break;
      case " ":
      case "Spacebar":
        e.preventDefault();
        if (!e.repeat) tryControl(c.voting, c.voting.action);
        break;
      case "r":
      case "R":
        e.preventDefault();
        tryControl(c.reveal, c.reveal.action);
        break;
      case "t":
      case "T":
        e.preventDefault();
        if (!c.timer.ok) toast(c.timer.why, "info");
        else if (timerOpen) closeTimer();
        else setTimerOpen(true);
        break;
      case "e":
      case "E":
        e.preventDefault();
        if (exportOpen) closeExport();
        else {
          setTimerOpen(false);
          setExportOpen(true);
        }
        break;
      default:
    }
  };
  // A control clicked with the mouse hands the focus back to the stage, so
  // that the next clicker key acts on the session: a select or a checkbox
  // that kept the focus would take Space or a letter as its own. A control
  // reached with the keyboard keeps the focus (Tab, then Enter or Space).
  const pointerUsed = useRef(false);
  useEffect(() => {
    const pointer = () => {
      pointerUsed.current = true;
    };
    const keyboard = () => {
      pointerUsed.current = false;
    };
    const handBack = (control) => {
      if (!pointerUsed.current || !(control instanceof HTMLElement) || isTextField(control) || control.closest("dialog")) return;
      // After the control's own handler: a menu or a dialog it opened takes the focus itself.
      setTimeout(() => {
        const now = document.activeElement;
        if (!now || now === document.body || now === control || control.contains(now) || !now.isConnected) {
          stageRef.current?.focus({ preventScroll: true });
        }
      }, 0);
    };
    const click = (e) => {
      const control = e.target instanceof Element && e.target.closest("button, a[href], input, summary, label");
      // A select hands back when its value changes: a click only opens it.
      if (control && !control.querySelector("select")) handBack(control);
    };
    const change = (e) => {
      if (e.target instanceof HTMLSelectElement) handBack(e.target);
    };
    document.addEventListener("pointerdown", pointer, true);
    document.addEventListener("keydown", keyboard, true);
    document.addEventListener("click", click);
    document.addEventListener("change", change);
    return () => {
      document.removeEventListener("pointerdown", pointer, true);
      document.removeEventListener("keydown", keyboard, true);
      document.removeEventListener("click", click);
      document.removeEventListener("change", change);
    };
  }, []);

  useEffect(() => {
    const down = (e) => keyRef.current(e);
    // A focused button would also "click" on the Space keyup: keep Space for voting.
    const up = (e) => {
      const t = e.target;
      if (e.key === " " && t instanceof HTMLElement && t.tagName === "BUTTON" && !t.closest("dialog, .timer-menu, .export-menu")) e.preventDefault();
    };
    document.addEventListener("keydown", down);
    document.addEventListener("keyup", up);
    return () => {
      document.removeEventListener("keydown", down);
      document.removeEventListener("keyup", up);
    };
  }, []);

  if (!state) {
    if (live.status === "failed") {
      return html`<${Notice} title="This console cannot connect">
        <p role="alert">${live.detail || "The server refused the connection."}</p>
        <p class="muted">Open the host link you got when you created the session (it ends with #key=…), or create a new session.</p>
      <//>`;
    }
    return html`<main class="console-loading"><${ConnectionBanner} live=${live} /><p class="muted" role="status">Connecting to the session…</p></main>`;
  }

  const { session, step, counts } = state;
  const screenUrl = screenKey ? `/screen/${encodeURIComponent(id)}#key=${screenKey}` : "";
  const openScreen = () => {
    const w = window.open(screenUrl, `quorum-screen-${id}`, "popup=yes,width=1280,height=720");
    if (w) w.focus();
    else toast("The browser blocked the new window. Allow pop-ups for this site, or open the screen link by hand.");
  };
  const stepNo = (step ? step.index : session.currentStep) + 1;
  const exports = { id, namesVisible, anonymous, setAnonymous: setLeaveOutNames, busy: exporting, onDownload: download };

  // Dialogs come first in the page, so that their buttons are found before
  // the controls with the same text ("Reset this step", "End session").
  return html`<div class=${`console status-${session.status}`}>
    ${help && html`<${HelpDialog} onClose=${() => setHelp(false)} />`}
    ${settingsOpen && html`<${SettingsDialog} settings=${session.settings || {}} act=${act} onClose=${() => setSettingsOpen(false)} />`}
    ${confirm && html`<${ConfirmDialog} confirm=${confirm} onCancel=${() => {
      setConfirm(null);
      if (confirm.returnFocus) setTimeout(() => confirm.returnFocus.current?.focus(), 0);
    }} />`}
    <header class="topbar">
      <div class="topbar-title">
        <div class="topbar-name">
          <p class="topbar-links">
            <a class="topbar-link topbar-back" href="/host/sessions">My sessions</a>
            <a class="topbar-link" href="/host/agendas" target="_blank" rel="noopener" title="Opens in a new tab">Edit agendas</a>
          </p>
          <h1>${session.title}</h1>
        </div>
        <span class=${`status-pill status-pill-${session.status}`}>${STATUS_LABEL[session.status] || session.status}</span>
      </div>
      <div class="topbar-info">
        <span class="topbar-code"><span class="muted">Code</span> <strong>${formatCode(session.code)}</strong></span>
        <span class="topbar-counts" aria-live="polite" aria-atomic="true">${counts.joined} joined${session.status === "ended" ? "" : ` · ${counts.voted} voted`}${session.status === "live" && step && isVoting(step.kind) ? ` · ${counts.notVoted} to go` : ""}</span>
        <${Countdown} live=${live} className="countdown topbar-countdown" />
        <${ConnectionBadge} live=${live} />
      </div>
      <div class="topbar-actions">
        <button type="button" onClick=${openScreen} disabled=${!screenKey} aria-describedby=${screenKey ? undefined : "screen-why"}>
          Open shared screen
        </button>
        ${!screenKey && html`<span id="screen-why" class="screen-why">Screen key unknown: open the full host link.</span>`}
        <span class="export-wrap">
          <button type="button" class="export-toggle" ref=${exportButton} aria-expanded=${exportOpen ? "true" : "false"}
            aria-controls="export-menu" aria-keyshortcuts="E" onClick=${() => (exportOpen ? closeExport() : (setTimerOpen(false), setExportOpen(true)))}>Export</button>
          ${exportOpen &&
          html`<${ExportMenu} ...${exports} live=${session.status !== "ended"} onDownload=${(f) => { closeExport(); download(f); }}
            onDelete=${askDelete} onClose=${closeExport} />`}
        </span>
        <button type="button" class="help-button" aria-label="Keyboard shortcuts" aria-keyshortcuts="?" onClick=${() => setHelp(true)}>?</button>
      </div>
    </header>

    <${ConnectionBanner} live=${live} />
    ${session.status === "ended" && html`<div class="banner banner-ended" role="status">This session has ended. The results stay here; the join code no longer works.</div>`}

    <div class="console-grid">
      <${AgendaList} state=${state} canGoto=${c.goto.ok} onGoto=${(i) => act("goto", { step: i })} />

      <main class="stage" aria-labelledby="step-title" ref=${stageRef} tabindex="0">
        ${session.status === "lobby" &&
        html`<div class="lobby-note" role="status">
          <strong>Lobby.</strong> People are joining with the code. Press <strong>Start</strong> when the room is ready; this is the first step.
        </div>`}
        ${step
          ? html`<article class="step">
              <p class="step-kicker">
                <span class=${`kind kind-${step.kind}`}>${KIND_LABEL[step.kind] || step.kind}</span>
                <span>Step ${stepNo} of ${session.stepCount}</span>
                ${step.dimension && html`<span>Profile: ${step.dimension}${step.series ? ` (${step.series})` : ""}</span>`}
                ${step.views?.length > 1 &&
                html`<span class="screen-view">On the screen: <strong>${VIEW_LABELS[step.views[step.view || 0]]} ${(step.view || 0) + 1}/${step.views.length}</strong></span>`}
              </p>
              <h2 id="step-title">${step.title}</h2>
              <${StepBody} step=${step} charted=${Boolean(state.results)} />
            </article>
            <div class="stage-panels">
              <${Results} state=${state} act=${act} canSplit=${Boolean(session.segments?.length)} />
              ${c.proxy.ok && html`<${ProxyVote} state=${state} conn=${conn} toast=${toast} />`}
              <section class="notes" aria-labelledby="notes-title">
                <h3 id="notes-title">Facilitator notes</h3>
                ${step.notes ? html`<div class="notes-text">${step.notes}</div>` : html`<p class="muted">No notes for this step.</p>`}
              </section>
            </div>`
          : html`<h2 id="step-title">No step</h2>`}
      </main>

      <section class="controls" aria-label="Controls">
        <div class="ctl-main">
        ${session.status === "lobby" &&
        html`<button type="button" class="ctl primary ctl-start" onClick=${() => act("start")}>Start</button>`}
        <button type="button" class="ctl" data-kbd="←" aria-keyshortcuts="ArrowLeft PageUp" disabled=${!c.prev.ok} title=${c.prev.why}
          onClick=${() => act("back")}>Previous</button>
        <button type="button" class=${`ctl${session.status === "live" ? " primary" : ""}`} data-kbd="→" aria-keyshortcuts="ArrowRight PageDown"
          disabled=${!c.next.ok} title=${c.next.why} onClick=${() => act("forward")}>Next</button>
        <button type="button" class=${`ctl ctl-voting${c.voting.action === "close" ? " is-open" : ""}`} data-kbd="Space" aria-keyshortcuts="Space"
          disabled=${!c.voting.ok} title=${c.voting.why} onClick=${() => act(c.voting.action)}>${c.voting.label}</button>
        <button type="button" class="ctl" data-kbd="R" aria-keyshortcuts="R" disabled=${!c.reveal.ok} title=${c.reveal.why}
          onClick=${() => act(c.reveal.action)}>${c.reveal.label}</button>
        <span class="timer-wrap">
          <button type="button" class=${`ctl timer-toggle${c.timerRunning ? " is-running" : ""}`} data-kbd="T" aria-keyshortcuts="T" ref=${timerButton}
            aria-expanded=${timerOpen ? "true" : "false"} aria-controls="timer-menu" disabled=${!c.timer.ok} title=${c.timer.why}
            onClick=${() => (timerOpen ? closeTimer() : setTimerOpen(true))}>Timer</button>
          ${timerOpen && c.timer.ok && html`<${TimerMenu} running=${c.timerRunning} onPick=${pickTimer} onClose=${closeTimer} />`}
        </span>
        </div>
        <div class="ctl-more">
        <button type="button" class="ctl" disabled=${!c.round.ok} title=${c.round.why} onClick=${askRound}>New round</button>
        <button type="button" class="ctl" disabled=${!c.reset.ok} title=${c.reset.why} onClick=${askReset}>Reset this step</button>
        <button type="button" class="ctl" disabled=${session.status === "ended"} onClick=${() => setSettingsOpen(true)}>Room settings</button>
        <button type="button" class="ctl danger" disabled=${!c.end.ok} title=${c.end.why} onClick=${askEnd}>End session</button>
        </div>
      </section>

      ${session.status === "ended"
        ? html`<${EndedPanel} state=${state} exports=${exports} />`
        : html`<${JoinPanel} state=${state} id=${id} toast=${toast} warning=${warning} onDismiss=${() => {
            setWarning(false);
            save(WARNING_KEY, true);
          }} />`}
    </div>

    <${Toasts} toasts=${toasts} dismiss=${dismissToast} />
  </div>`;
}

/** The console of the session id, with the keys this browser holds for it. */
export function App({ id, hostKey, screenKey }) {
  const keys = { id, hostKey, screenKey };
  const [deleted, setDeleted] = useState(null);
  if (deleted) return html`<${Deleted} ...${deleted} />`;
  if (!keys.id) {
    return html`<${Notice} title="No session here"><p>This address does not name a session.</p><//>`;
  }
  if (!keys.hostKey) {
    return html`<${Notice} title="This console needs its host link">
      <p role="alert">There is no host key for this session in this browser.</p>
      <p class="muted">Open the host link you got when you created the session (it ends with #key=…), or create a new session.</p>
    <//>`;
  }
  return html`<${Console} ...${keys} onDeleted=${setDeleted} />`;
}
