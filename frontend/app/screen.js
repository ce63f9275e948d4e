// The shared screen: the projector view at /screen/{id}#key=…, read from 15 m.
// Read-only: the lobby with the join code and QR, each step's title, voting
// progress (never a distribution before the reveal), the results once the
// facilitator reveals them, and a thank-you at the end.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html, formatCode, joinUrl, keyFromHash, ConnectionBanner, Countdown } from "./ui.js";
import { useLive } from "./live.js";
import { ResultsChart, ProfileChart } from "./charts.js";

const sessionId = decodeURIComponent(location.pathname.split("/")[2] || "");
const keyStore = `quorum:screen:${sessionId}`;
const themeStore = "quorum:screen:theme";

function storageGet(key) {
  try {
    return localStorage.getItem(key) || "";
  } catch {
    return "";
  }
}
function storageSet(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode: the screen still works until the next reload.
  }
}

/** The screen key: from the link's fragment, else remembered from an earlier visit. */
function screenKey() {
  const fromHash = keyFromHash();
  if (fromHash) {
    storageSet(keyStore, fromHash);
    // Keep the key out of the address bar: this window is on a projector.
    // A reload finds it in local storage.
    if (storageGet(keyStore) === fromHash) {
      history.replaceState(null, "", location.pathname + location.search);
    }
    return fromHash;
  }
  return storageGet(keyStore);
}

const secret = sessionId ? screenKey() : "";

// ---------------------------------------------------------------- theme

function initialTheme() {
  const q = new URLSearchParams(location.search).get("theme");
  if (q === "light" || q === "dark") return q;
  return storageGet(themeStore) === "light" ? "light" : "dark";
}

function applyTheme(theme) {
  const root = document.documentElement;
  root.classList.toggle("theme-light", theme === "light");
  root.classList.toggle("theme-dark", theme !== "light");
  if (theme === "light") root.dataset.theme = "light";
  else delete root.dataset.theme;
}
// Before the first paint, so that a light room never sees a dark flash.
applyTheme(initialTheme());

function useTheme() {
  const [theme, setTheme] = useState(initialTheme);
  useEffect(() => applyTheme(theme), [theme]);
  const toggle = () => {
    const next = theme === "light" ? "dark" : "light";
    storageSet(themeStore, next);
    setTheme(next);
  };
  return [theme, toggle];
}

// ---------------------------------------------------------------- full screen

function useFullscreen() {
  const [on, setOn] = useState(Boolean(document.fullscreenElement));
  useEffect(() => {
    const sync = () => setOn(Boolean(document.fullscreenElement));
    document.addEventListener("fullscreenchange", sync);
    return () => document.removeEventListener("fullscreenchange", sync);
  }, []);
  const toggle = () => {
    if (document.fullscreenElement) {
      document.exitFullscreen?.().catch(() => {});
    } else {
      document.documentElement.requestFullscreen?.().catch(() => {});
    }
  };
  return [on, toggle, typeof document.documentElement.requestFullscreen === "function"];
}

/** Keeps the projector from sleeping while the screen is shown, where supported. */
function useWakeLock() {
  useEffect(() => {
    if (!("wakeLock" in navigator)) return undefined;
    let lock = null;
    let gone = false;
    const acquire = () => {
      if (gone || document.visibilityState !== "visible") return;
      navigator.wakeLock.request("screen").then((l) => {
        lock = l;
      }, () => {});
    };
    acquire();
    document.addEventListener("visibilitychange", acquire);
    return () => {
      gone = true;
      document.removeEventListener("visibilitychange", acquire);
      lock?.release().catch(() => {});
    };
  }, []);
}

/** Hides the mouse pointer and dims the controls when nobody touches the mouse. */
function useIdle(ms = 3000) {
  const [idle, setIdle] = useState(false);
  useEffect(() => {
    let timer = setTimeout(() => setIdle(true), ms);
    const wake = () => {
      setIdle(false);
      clearTimeout(timer);
      timer = setTimeout(() => setIdle(true), ms);
    };
    for (const ev of ["mousemove", "mousedown", "keydown", "touchstart"]) window.addEventListener(ev, wake, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const ev of ["mousemove", "mousedown", "keydown", "touchstart"]) window.removeEventListener(ev, wake);
    };
  }, [ms]);
  return idle;
}

// ---------------------------------------------------------------- pieces

const qrSrc = () => `/api/sessions/${encodeURIComponent(sessionId)}/qr.svg`;

function Paragraphs({ text, className }) {
  if (!text) return null;
  return html`<div class=${className}>
    ${text.split(/\n{2,}/).map((p, i) => html`<p key=${i}>${p}</p>`)}
  </div>`;
}

function Lobby({ state }) {
  const { session, counts } = state;
  const joined = counts?.joined ?? 0;
  return html`<main class="sc-lobby">
    <h1 class="sc-lobby-title">${session.title}</h1>
    <div class="sc-lobby-join">
      <div class="sc-lobby-code">
        <p class="sc-lobby-label">Join with your phone</p>
        <p class="sc-code">${formatCode(session.code)}</p>
        <p class="sc-url">${joinUrl(session)}</p>
      </div>
      <div class="sc-qr">
        <img src=${qrSrc()} alt="QR code to join" />
      </div>
    </div>
    <p class="sc-joined" aria-live="polite" aria-atomic="true">${joined} joined</p>
  </main>`;
}

function CornerJoin({ session }) {
  return html`<aside class="sc-corner" aria-label="Join this session">
    <div class="sc-corner-text">
      <span class="sc-corner-label">Join at ${joinUrl(session).replace(/^https?:\/\//, "").replace(/\/j\/\d+$/, "")}</span>
      <span class="sc-corner-code">${formatCode(session.code)}</span>
    </div>
    <img class="sc-corner-qr" src=${qrSrc()} alt="QR code to join" />
  </aside>`;
}

const VOTING_TEXT = {
  pending: "Voting not open yet",
  open: "Voting open",
  closed: "Voting closed",
};

function VotingState({ step }) {
  return html`<span class=${`sc-voting sc-voting-${step.voting}`} role="status" aria-live="polite">
    <span class="sc-voting-dot" aria-hidden="true"></span>${VOTING_TEXT[step.voting] || step.voting}
  </span>`;
}

function Progress({ counts }) {
  const voted = counts?.voted ?? 0;
  const joined = counts?.joined ?? 0;
  const max = Math.max(joined, voted, 1);
  return html`<div class="sc-progress">
    <p class="sc-progress-text" aria-live="polite" aria-atomic="true">${voted} of ${joined} voted</p>
    <div class="sc-progress-bar" role="progressbar" aria-label="Votes received"
      aria-valuemin="0" aria-valuemax=${max} aria-valuenow=${voted} aria-valuetext=${`${voted} of ${joined} voted`}>
      <span class="sc-progress-fill" style=${{ transform: `scaleX(${voted / max})` }}></span>
    </div>
  </div>`;
}

/** What the room sees of the question before the reveal: the options, or the scale's poles. */
function QuestionShape({ step }) {
  if (step.kind === "choice" && step.options?.length) {
    return html`<ol class="sc-options">
      ${step.options.map((o, i) => html`<li key=${i}><span class="sc-option-letter" aria-hidden="true">${String.fromCharCode(65 + i)}</span>${o}</li>`)}
    </ol>`;
  }
  if (step.kind === "scale") {
    return html`<p class="sc-poles">
      <span class="sc-pole">${step.left}</span>
      <span class="sc-pole-scale" aria-label=${`a scale from 1 to ${step.points}`}>1 ··· ${step.points}</span>
      <span class="sc-pole">${step.right}</span>
    </p>`;
  }
  return null;
}

function StepView({ state, live }) {
  const { session, step, counts, results } = state;
  const voting = step.kind === "choice" || step.kind === "scale" || step.kind === "text";
  const revealed = step.revealed && results;
  let content;
  if (step.kind === "info") {
    content = html`<${Paragraphs} text=${step.body} className="sc-body" />`;
  } else if (step.kind === "profile") {
    content = revealed
      ? html`<div class="sc-chart"><${ProfileChart} profile=${results.profile} size="screen" /></div>`
      : html`<${Paragraphs} text=${step.body} className="sc-body sc-body-small" />
        <p class="sc-waiting">Results will appear here</p>`;
  } else if (revealed) {
    content = html`<div class="sc-chart"><${ResultsChart} step=${step} results=${results} size="screen" /></div>`;
  } else {
    content = html`
      ${step.body && html`<p class="sc-body sc-body-small">${step.body}</p>`}
      <${QuestionShape} step=${step} />
      <div class="sc-live">
        <${Progress} counts=${counts} />
        <${Countdown} live=${live} className="sc-countdown countdown" />
      </div>
      ${step.voting === "closed" && html`<p class="sc-waiting">Results will appear here</p>`}`;
  }

  return html`<main class=${`sc-step sc-kind-${step.kind}${revealed ? " is-revealed" : ""}`}>
    <header class="sc-head">
      <div class="sc-head-main">
        <p class="sc-meta">
          <span class="sc-stepno">${step.index + 1} / ${session.stepCount}</span>
          ${voting && html`<${VotingState} step=${step} />`}
          ${voting && revealed && html`<span class="sc-meta-count">${counts?.voted ?? 0} of ${counts?.joined ?? 0} voted</span>`}
          ${voting && revealed && html`<${Countdown} live=${live} className="sc-countdown-small countdown" />`}
        </p>
        <h1 class=${`sc-title${step.kind === "info" ? " sc-title-info" : ""}`}>${step.title}</h1>
      </div>
      <${CornerJoin} session=${session} />
    </header>
    <div class="sc-content">${content}</div>
  </main>`;
}

function Ended({ state }) {
  return html`<main class="sc-ended">
    <h1 class="sc-thanks">Thank you!</h1>
    <p class="sc-ended-title">${state.session.title}</p>
  </main>`;
}

function Invalid({ detail }) {
  return html`<main class="sc-message">
    <h1>This screen link is not valid</h1>
    <p>${detail && !/not valid/i.test(detail) ? `${detail} ` : ""}Open the shared screen again from the facilitator console, or copy the screen link it shows.</p>
  </main>`;
}

function Controls({ theme, toggleTheme }) {
  const [full, toggleFull, canFull] = useFullscreen();
  useEffect(() => {
    const onKey = (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const tag = e.target?.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
      if (e.key === "f" || e.key === "F") {
        e.preventDefault();
        toggleFull();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const light = theme === "light";
  return html`<div class="sc-controls">
    <button type="button" class="sc-control" onClick=${toggleTheme}>${light ? "Dark theme" : "Light theme"}</button>
    ${canFull && html`<button type="button" class="sc-control" onClick=${toggleFull} title="Full screen (key F)"
      aria-keyshortcuts="f">${full ? "Exit full screen" : "Full screen"}</button>`}
  </div>`;
}

function Screen() {
  const [theme, toggleTheme] = useTheme();
  const [live] = useLive({ role: "screen", session: sessionId, secret });
  const idle = useIdle();
  useWakeLock();
  const state = live.state;

  useEffect(() => {
    document.body.classList.toggle("sc-idle", idle);
  }, [idle]);
  useEffect(() => {
    document.title = state?.session?.title ? `${state.session.title} · Shared screen` : "Shared screen · Quorum";
  }, [state?.session?.title]);

  let view;
  if (!sessionId || !secret) {
    view = html`<${Invalid} detail="This link has no screen key." />`;
  } else if (live.status === "failed") {
    view = html`<${Invalid} detail=${live.detail} />`;
  } else if (!state) {
    view = html`<main class="sc-message"><p class="sc-connecting" role="status">Connecting…</p></main>`;
  } else if (state.session.status === "ended") {
    view = html`<${Ended} state=${state} />`;
  } else if (state.session.status === "lobby" || !state.step) {
    view = html`<${Lobby} state=${state} />`;
  } else {
    view = html`<${StepView} state=${state} live=${live} />`;
  }

  return html`<div class="sc-root">
    ${secret && live.status !== "failed" && html`<${ConnectionBanner} live=${live} />`}
    ${view}
    <${Controls} theme=${theme} toggleTheme=${toggleTheme} />
  </div>`;
}

render(html`<${Screen} />`, document.getElementById("app"));
