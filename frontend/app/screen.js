// The shared screen: the projector view at /screen/{id}#key=…, read from 15 m.
// Read-only: the lobby with the join code and QR, each step's title, voting
// progress (never a distribution before the reveal), the results once the
// facilitator reveals them, and a thank-you at the end.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, formatCode, joinUrl, ConnectionBanner, Countdown } from "./ui.js";
import { useLive } from "./live.js";
import { save } from "./storage.js";
import { isVoting, letter } from "./kinds.js";
import { GroupResults, ProfileSoFar, ResultsChart, ShiftSummary } from "./charts.js";

/** Where this browser keeps the screen's theme, "light" or "dark". */
export const THEME_KEY = "quorum:screen:theme";

// ---------------------------------------------------------------- theme

/** Puts the theme on the page's root; the entry does it before the first paint. */
export function applyTheme(theme) {
  const root = document.documentElement;
  root.classList.toggle("theme-light", theme === "light");
  root.classList.toggle("theme-dark", theme !== "light");
  if (theme === "light") root.dataset.theme = "light";
  else delete root.dataset.theme;
}
function useTheme(initial) {
  const [theme, setTheme] = useState(initial);
  useEffect(() => applyTheme(theme), [theme]);
  const toggle = () => {
    const next = theme === "light" ? "dark" : "light";
    save(THEME_KEY, next);
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

const qrSrc = (session) => `/api/sessions/${encodeURIComponent(session.id)}/qr.svg`;

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
        <img src=${qrSrc(session)} alt="QR code to join" />
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
    ${session.id && html`<img class="sc-corner-qr" src=${qrSrc(session)} alt="QR code to join" />`}
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

/**
 * Who the room is waiting for, among the people connected now: "8 of 10
 * voted" and "2 still to vote". Votes from people who left (or that the
 * facilitator entered for someone without a phone) count in the total only.
 */
function turnout(counts) {
  const connected = counts?.connected ?? 0;
  const total = counts?.voted ?? 0;
  const waiting = typeof counts?.notVoted === "number" ? Math.min(counts.notVoted, connected) : Math.max(0, connected - total);
  const voted = connected - waiting;
  return { connected, waiting, voted, total, text: `${voted} of ${connected} voted` };
}

function Progress({ counts }) {
  const t = turnout(counts);
  const max = Math.max(t.connected, 1);
  const rest = t.waiting === 0 && t.voted > 0 ? "everyone connected has voted" : `${t.waiting} still to vote`;
  return html`<div class="sc-progress" aria-live="polite" aria-atomic="true">
    <p class="sc-progress-text">${t.text}</p>
    <p class="sc-progress-sub">${t.connected} connected · ${rest}${t.total > t.voted ? ` · ${t.total} votes in all` : ""}</p>
    <div class="sc-progress-bar" role="progressbar" aria-label="Connected participants who voted"
      aria-valuemin="0" aria-valuemax=${max} aria-valuenow=${t.voted} aria-valuetext=${`${t.text}, ${rest}`}>
      <span class="sc-progress-fill" style=${{ transform: `scaleX(${t.voted / max})` }}></span>
    </div>
  </div>`;
}

/** What the room sees of the question before the reveal: the options, or the scale's poles. */
function QuestionShape({ step }) {
  if (step.kind === "choice" && step.options?.length) {
    return html`<ol class="sc-options">
      ${step.options.map((o, i) => html`<li key=${i}><span class="sc-option-letter" aria-hidden="true">${letter(i)}</span>${o}</li>`)}
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

/**
 * The revealed chart, with who moved and the split by group when there are
 * any: beside a choice or scale chart, under the profile (which needs the
 * width for its poles).
 */
function Results({ step, results }) {
  const groups = results.kind === "profile" ? results.profileGroups : results.groups;
  const soFar = results.kind === "scale" && results.profile?.some((e) => e.n > 0);
  const extra = results.shifts?.length > 0 || groups?.length > 0 || soFar;
  return html`<div class=${`sc-results sc-results-${results.kind}${extra ? " has-extra" : ""}`}>
    <div class="sc-chart"><${ResultsChart} step=${step} results=${results} size="screen" /></div>
    ${extra && html`<div class="sc-extra">
      <${ShiftSummary} shifts=${results.shifts} size="screen" />
      <${GroupResults} step=${step} results=${results} size="screen" />
      <${ProfileSoFar} results=${results} size="screen" />
    </div>`}
  </div>`;
}

/**
 * The stage of a step: its heading, the question or its results, and the
 * voting progress. state is the server's state frame; live, for the
 * countdown, what useLive gives. landmark is the element it is, "main" on
 * the screen and "div" inside another page (the editor's preview).
 */
export function StepView({ state, live, landmark = "main" }) {
  const { session, step, counts, results } = state;
  const voting = isVoting(step.kind);
  const revealed = step.revealed && results;
  let content;
  if (step.kind === "info") {
    content = html`<${Paragraphs} text=${step.body} className="sc-body" />`;
  } else if (revealed) {
    content = html`<${Results} step=${step} results=${results} />`;
  } else if (step.kind === "profile") {
    content = html`<${Paragraphs} text=${step.body} className="sc-body sc-body-small" />
      <p class="sc-waiting">Results will appear here</p>`;
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

  return html`<${landmark} class=${`sc-step sc-kind-${step.kind}${revealed ? " is-revealed" : ""}`}>
    <header class="sc-head">
      <div class="sc-head-main">
        <p class="sc-meta">
          <span class="sc-stepno">${step.index + 1} / ${session.stepCount}</span>
          ${step.round > 1 && html`<span class="sc-round">Round ${step.round}</span>`}
          ${voting && html`<${VotingState} step=${step} />`}
          ${voting && revealed && html`<span class="sc-meta-count">${turnout(counts).text}</span>`}
          ${voting && revealed && html`<${Countdown} live=${live} className="sc-countdown-small countdown" />`}
        </p>
        <h1 class=${`sc-title${step.kind === "info" ? " sc-title-info" : ""}`}>${step.title}</h1>
      </div>
      <${CornerJoin} session=${session} />
    </header>
    <div class="sc-content">${content}</div>
  </${landmark}>`;
}

// ---------------------------------------------------------------- reactions

function useReducedMotion() {
  const [reducedMotion] = useState(() => window.matchMedia?.("(prefers-reduced-motion: reduce)"));
  const [reduced, setReduced] = useState(Boolean(reducedMotion?.matches));
  useEffect(() => {
    if (!reducedMotion) return undefined;
    const sync = () => setReduced(reducedMotion.matches);
    reducedMotion.addEventListener("change", sync);
    return () => reducedMotion.removeEventListener("change", sync);
  }, []);
  return reduced;
}

/** A number in [0, 1) that stays the same for a key: where its emoji floats. */
function spread(key, salt) {
  let h = 2166136261 ^ salt;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return ((h >>> 0) % 10007) / 10007;
}

const EMOJI_NAMES = { "👍": "thumbs up", "❤️": "heart", "😂": "laughing", "🤔": "thinking", "👏": "applause" };

/**
 * The phones' reactions: each floats up from the bottom for about 3 s and is
 * gone when its animation ends. Under reduced motion, a small static count
 * per emoji for the current step instead.
 */
function Reactions({ reactions, stepIndex }) {
  const reduced = useReducedMotion();
  const [gone, setGone] = useState(() => new Set());
  const [tally, setTally] = useState({});
  const seen = useRef(new Set());

  useEffect(() => {
    const fresh = reactions.filter((r) => !seen.current.has(r.key));
    // live.js keeps the latest 40: a key that left that list never comes back.
    seen.current = new Set(reactions.map((r) => r.key));
    setGone((old) => (old.size ? new Set([...old].filter((k) => seen.current.has(k))) : old));
    if (fresh.length) {
      setTally((old) => {
        const next = { ...old };
        for (const r of fresh) next[r.emoji] = (next[r.emoji] || 0) + 1;
        return next;
      });
    }
  }, [reactions]);
  useEffect(() => setTally({}), [stepIndex]);

  if (reduced) {
    const counted = Object.entries(tally);
    if (!counted.length) return null;
    return html`<p class="sc-reaction-count" aria-label=${`Reactions: ${counted.map(([e, n]) => `${n} ${EMOJI_NAMES[e] || e}`).join(", ")}`}>
      ${counted.map(([e, n]) => html`<span key=${e}><span aria-hidden="true">${e}</span> ${n}</span>`)}
    </p>`;
  }
  const floating = reactions.filter((r) => !gone.has(r.key));
  const done = (key) => setGone((old) => new Set(old).add(key));
  return html`<div class="sc-reactions" aria-hidden="true">
    ${floating.map((r) => html`<span key=${r.key} class="sc-float" onAnimationEnd=${() => done(r.key)}
      style=${{
        left: `${3 + 90 * spread(r.key, 1)}%`,
        "--drift": `${(spread(r.key, 2) - 0.5) * 10}vw`,
        animationDuration: `${(2.7 + 0.6 * spread(r.key, 3)).toFixed(2)}s`,
      }}>${r.emoji}</span>`)}
  </div>`;
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

/** The shared screen of session sessionId, with its screen key (secret) and first theme. */
export function Screen({ sessionId, secret, theme: initialTheme }) {
  const [theme, toggleTheme] = useTheme(initialTheme);
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
    <${Reactions} reactions=${live.reactions} stepIndex=${state?.session?.currentStep ?? -1} />
    <${Controls} theme=${theme} toggleTheme=${toggleTheme} />
  </div>`;
}
