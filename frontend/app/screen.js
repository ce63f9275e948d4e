// The shared screen: the projector view at /screen/{id}#key=…, read from 15 m.
// Read-only: the lobby with the join code and QR, each step's title, voting
// progress (never a distribution before the reveal), the results once the
// facilitator reveals them, and a thank-you at the end. It is a fixed 16:9
// stage that nothing overflows: type and charts scale with the stage and
// shrink to fit down to a floor, and what needs more room than one view is
// split into the views the server names (step.views), which the facilitator
// steps through.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { html, formatCode, joinUrl, ConnectionBanner, Countdown } from "./ui.js";
import { useLive } from "./live.js";
import { save } from "./storage.js";
import { isVoting, letter, VIEW_LABELS } from "./kinds.js";
import { GroupResults, ProfileChart, ProfileSoFar, ResultsChart, ShiftSummary } from "./charts.js";

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

// ---------------------------------------------------------------- fitting

/**
 * Shrinks what el holds until it fits: the largest --k from 1 down to min
 * (type and charts scale with it, never under the stage's floor) at which
 * nothing overflows el. Runs after every render and when el changes size.
 */
function useFit(ref, min = 0.55) {
  const fit = () => {
    const el = ref.current;
    if (!el) return;
    const over = () => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
    el.style.setProperty("--k", "1");
    if (!over()) return;
    let lo = min;
    let hi = 1;
    for (let i = 0; i < 7; i++) {
      const mid = (lo + hi) / 2;
      el.style.setProperty("--k", mid.toFixed(3));
      if (over()) hi = mid;
      else lo = mid;
    }
    el.style.setProperty("--k", lo.toFixed(3));
  };
  useLayoutEffect(fit);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver !== "function") return undefined;
    const ro = new ResizeObserver(() => fit());
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
}

/** A title's type by its length, so that the longest the editor takes fits in three lines. */
const titleSize = (title) => ((title || "").length > 120 ? "is-long" : (title || "").length > 60 ? "is-medium" : "");

// ---------------------------------------------------------------- views

// What one view holds: the server splits a step's stage into views by the
// same numbers (internal/quorum/stage.go).
const PER_VIEW = { groups: 4, wideGroups: 2, profileGroups: 2, dimensions: 5 };


/**
 * The view of the step's stage the server says the screens show: its name,
 * and which page of its kind it is. Without views (an older server, the
 * editor's preview), the one view a step has.
 */
function stageView(step, results) {
  const revealed = Boolean(step.revealed && results);
  const only = !revealed ? "step" : step.kind === "profile" ? "profile" : "results";
  const views = step.views?.length ? step.views : [only];
  const index = Math.min(step.view || 0, views.length - 1);
  const name = revealed ? views[index] : "step";
  return {
    views,
    index,
    name,
    page: views.slice(0, index).filter((v) => v === name).length,
    pages: views.filter((v) => v === name).length,
  };
}

/** The things of a page, of pages with per on each; the last page takes any that came since. */
function pageOf(list, page, pages, per) {
  const from = page * per;
  return page === pages - 1 ? list.slice(from) : list.slice(from, from + per);
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
  const url = joinUrl(session);
  return html`<main class="sc-view sc-lobby">
    <h1 class=${`sc-lobby-title ${titleSize(session.title)}`} title=${session.title}>${session.title}</h1>
    <div class="sc-lobby-join">
      <div class="sc-lobby-code">
        <p class="sc-lobby-label">Join with your phone</p>
        <p class="sc-code">${formatCode(session.code)}</p>
        <p class="sc-url" title=${url}>${url}</p>
      </div>
      <div class="sc-qr">
        <img src=${qrSrc(session)} alt="QR code to join" />
      </div>
    </div>
    <p class="sc-joined" aria-live="polite" aria-atomic="true">${joined} joined</p>
  </main>`;
}

function CornerJoin({ session }) {
  const host = joinUrl(session).replace(/^https?:\/\//, "").replace(/\/j\/\d+$/, "");
  return html`<div class="sc-corner">
    <div class="sc-corner-text">
      <span class="sc-corner-label" title=${`Join at ${host}`}>Join at ${host}</span>
      <span class="sc-corner-code">${formatCode(session.code)}</span>
    </div>
    ${session.id && html`<img class="sc-corner-qr" src=${qrSrc(session)} alt="QR code to join" />`}
  </div>`;
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

/**
 * What the room sees of the question before the reveal: the options, or the
 * scale's poles. Many or long options go in two columns; an option too long
 * for two lines ends in "…" (the phone shows it whole).
 */
function QuestionShape({ step }) {
  if (step.kind === "choice" && step.options?.length) {
    const long = step.options.length > 4 || step.options.some((o) => o.length > 40);
    return html`<ol class=${`sc-options${long ? " is-two-columns" : ""}`}>
      ${step.options.map((o, i) => html`<li key=${i}><span class="sc-option-letter" aria-hidden="true">${letter(i)}</span><span class="sc-option-text" title=${o}>${o}</span></li>`)}
    </ol>`;
  }
  if (step.kind === "scale") {
    return html`<p class="sc-poles">
      <span class="sc-pole" title=${step.left}>${step.left}</span>
      <span class="sc-pole-scale" aria-label=${`a scale from 1 to ${step.points}`}>1 ··· ${step.points}</span>
      <span class="sc-pole" title=${step.right}>${step.right}</span>
    </p>`;
  }
  return null;
}

/** The question before its results: its text, its options or poles, and the voting progress. */
function Question({ step, counts, live }) {
  if (step.kind === "info") return html`<${Paragraphs} text=${step.body} className="sc-body" />`;
  if (step.kind === "profile") {
    return html`<${Paragraphs} text=${step.body} className="sc-body sc-body-small" />
      <p class="sc-waiting">Results will appear here</p>`;
  }
  return html`
    ${step.body && html`<p class="sc-body sc-body-small sc-clamp" title=${step.body}>${step.body}</p>`}
    <${QuestionShape} step=${step} />
    <div class="sc-live">
      <${Progress} counts=${counts} />
      <${Countdown} live=${live} className="sc-countdown countdown" />
    </div>
    ${step.voting === "closed" && html`<p class="sc-waiting">Results will appear here</p>`}`;
}

/**
 * One view of the revealed results. results: the whole room, with who moved
 * (rounds of a scale) and the profile so far beside it; profile: a page of
 * the profile's dimensions; moved: who moved across the profile's series;
 * groups: a page of the results by group.
 */
function Results({ step, results, view }) {
  switch (view.name) {
    case "profile": {
      const dims = [...new Set((results.profile || []).map((e) => e.dimension))];
      const shown = new Set(pageOf(dims, view.page, view.pages, PER_VIEW.dimensions));
      return html`<div class="sc-chart sc-chart-profile">
        <${ProfileChart} profile=${(results.profile || []).filter((e) => shown.has(e.dimension))}
          gaps=${(results.gaps || []).filter((g) => shown.has(g.dimension))} size="screen" />
      </div>`;
    }
    case "moved":
      return html`<div class="sc-moved"><${ShiftSummary} shifts=${results.shifts} size="screen" level=${2} /></div>`;
    case "groups": {
      if (results.kind !== "profile") {
        return html`<div class=${`sc-groups sc-groups-${results.kind}`}>
          <${GroupResults} step=${step} results=${results} size="screen" level=${2} compact=${true}
            groups=${pageOf(results.groups || [], view.page, view.pages, step.options?.length > 4 ? PER_VIEW.wideGroups : PER_VIEW.groups)} />
        </div>`;
      }
      // Two groups' profiles on a view, each pair on as many views as their rows need.
      const dims = [...new Set((results.profile || []).map((e) => e.dimension))];
      const dimPages = Math.max(1, Math.ceil(dims.length / PER_VIEW.dimensions));
      const pairs = Math.max(1, Math.ceil(view.pages / dimPages));
      const shown = new Set(pageOf(dims, view.page % dimPages, dimPages, PER_VIEW.dimensions));
      const groups = pageOf(results.profileGroups || [], Math.floor(view.page / dimPages), pairs, PER_VIEW.profileGroups).map((g) => ({
        ...g,
        profile: g.profile && {
          entries: (g.profile.entries || []).filter((e) => shown.has(e.dimension)),
          gaps: (g.profile.gaps || []).filter((e) => shown.has(e.dimension)),
        },
      }));
      return html`<div class="sc-groups sc-groups-profile">
        <${GroupResults} step=${step} results=${results} size="screen" level=${2} compact=${true} groups=${groups} />
      </div>`;
    }
    default: {
      const shifts = results.kind === "scale" && results.shifts?.length > 0;
      // Beside the chart: who moved since the last round, else the profile so far.
      const soFar = !shifts && results.kind === "scale" && results.profile?.some((e) => e.n > 0);
      return html`<div class=${`sc-results sc-results-${results.kind}${shifts || soFar ? " has-extra" : ""}`}>
        <div class="sc-chart"><${ResultsChart} step=${step} results=${results} size="screen" /></div>
        ${(shifts || soFar) && html`<div class="sc-extra">
          ${shifts && html`<${ShiftSummary} shifts=${results.shifts} size="screen" level=${2} />`}
          ${soFar && html`<${ProfileSoFar} results=${results} size="screen" level=${2} compact=${true} />`}
        </div>`}
      </div>`;
    }
  }
}

/**
 * The stage of a step: its heading, the question or the view of its results
 * the server says, and the voting progress. state is the server's state
 * frame; live, for the countdown, what useLive gives. landmark is the
 * element it is, "main" on the screen and "div" inside another page (the
 * editor's preview).
 */
export function StepView({ state, live, landmark = "main" }) {
  const { session, step, counts, results } = state;
  const voting = isVoting(step.kind);
  const view = stageView(step, results);
  const revealed = view.name !== "step";
  const contentRef = useRef(null);
  useFit(contentRef);

  return html`<${landmark} class=${`sc-view sc-step sc-kind-${step.kind} sc-show-${view.name}${revealed ? " is-revealed" : ""}`}
    data-step=${step.index} data-view=${view.index} data-voting=${step.voting} data-round=${step.round}>
    <header class="sc-head">
      <div class="sc-head-main">
        <p class="sc-meta">
          <span class="sc-stepno">${step.index + 1} / ${session.stepCount}</span>
          ${step.round > 1 && html`<span class="sc-round">Round ${step.round}</span>`}
          ${voting && html`<${VotingState} step=${step} />`}
          ${voting && revealed && html`<span class="sc-meta-count">${turnout(counts).text}</span>`}
          ${voting && revealed && html`<${Countdown} live=${live} className="sc-countdown-small countdown" />`}
        </p>
        <h1 class=${`sc-title ${titleSize(step.title)}${step.kind === "info" ? " sc-title-info" : ""}`} title=${step.title}>${step.title}</h1>
      </div>
      <${CornerJoin} session=${session} />
    </header>
    <div class="sc-content" ref=${contentRef}>
      ${revealed
        ? html`<${Results} step=${step} results=${results} view=${view} />`
        : html`<${Question} step=${step} counts=${counts} live=${live} />`}
    </div>
  </${landmark}>`;
}

/** "Who moved · 2/2": where the facilitator is among the views of the step's stage. */
function Pager({ state }) {
  const step = state?.session?.status === "live" ? state.step : null;
  if (!step) return html`<span></span>`;
  const view = stageView(step, state.results);
  if (view.views.length < 2) return html`<span></span>`;
  return html`<p class="sc-pager" aria-live="polite" aria-atomic="true">
    <span class="sc-pager-label">${VIEW_LABELS[view.name] || ""}</span>
    <span class="sc-pager-no"><span aria-hidden="true">${view.index + 1}/${view.views.length}</span><span class="visually-hidden">view ${view.index + 1} of ${view.views.length}</span></span>
  </p>`;
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
    return html`<p class="sc-reaction-count" role="img" aria-label=${`Reactions: ${counted.map(([e, n]) => `${n} ${EMOJI_NAMES[e] || e}`).join(", ")}`}>
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
  return html`<main class="sc-view sc-ended">
    <h1 class="sc-thanks">Thank you!</h1>
    <p class="sc-ended-title" title=${state.session.title}>${state.session.title}</p>
  </main>`;
}

function Invalid({ detail }) {
  return html`<main class="sc-view sc-message">
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
    view = html`<main class="sc-view sc-message"><p class="sc-connecting" role="status">Connecting…</p></main>`;
  } else if (state.session.status === "ended") {
    view = html`<${Ended} state=${state} />`;
  } else if (state.session.status === "lobby" || !state.step) {
    view = html`<${Lobby} state=${state} />`;
  } else {
    view = html`<${StepView} state=${state} live=${live} />`;
  }

  // A fixed 16:9 stage, letterboxed on other screens; nothing on it scrolls.
  return html`<div class="sc-root">
    <div class="sc-stage">
      ${secret && live.status !== "failed" && html`<${ConnectionBanner} live=${live} />`}
      ${view}
      <footer class="sc-foot">
        <${Pager} state=${state} />
        <${Reactions} reactions=${live.reactions} stepIndex=${state?.session?.currentStep ?? -1} />
        <${Controls} theme=${theme} toggleTheme=${toggleTheme} />
      </footer>
    </div>
  </div>`;
}
