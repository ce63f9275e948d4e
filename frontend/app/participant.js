// The participant's phone page: enter a code, join, then follow the session
// and vote. Served for /join (type a code) and /j/{code} (code in the path).
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { html, formatCode, ConnectionBadge, ConnectionBanner, Countdown } from "./ui.js";
import { api } from "./api.js";
import { useLive } from "./live.js";
import { newId, newToken } from "./ws.js";
import { forget, load, save } from "./storage.js";
import { isVoting } from "./kinds.js";
import { namesPromise } from "./names.js";

// ---------------------------------------------------------------------------
// Charts: loaded as soon as the page starts (so they are cached before the
// network gets bad), but never allowed to break the voting page.

let charts = null; // the charts.js module, once loaded
let chartsReady = null;

/** Starts loading charts.js, once; the entry calls it first thing. */
export function loadCharts() {
  chartsReady ??= import("./charts.js")
    .then((m) => {
      charts = m;
    })
    .catch(() => {
      charts = null;
    });
  return chartsReady;
}

function useCharts() {
  const [loaded, setLoaded] = useState(() => charts);
  useEffect(() => {
    let alive = true;
    loadCharts().then(() => alive && setLoaded(() => charts));
    return () => {
      alive = false;
    };
  }, []);
  return loaded;
}

// ---------------------------------------------------------------------------
// Identity in local storage, per join code.

const storageKey = (code) => `quorum:participant:${code}`;

function loadIdentity(code) {
  if (!code) return null;
  const id = load(storageKey(code), null);
  return id && id.sessionId && id.token && id.participantId ? id : null;
}

function saveIdentity(code, identity) {
  save(storageKey(code), identity);
}

function clearIdentity(code) {
  forget(storageKey(code), lastKey(code));
}

// The last state seen, so that a reload without network still shows the
// question (and a vote waiting to be sent) instead of a blank page.
const lastKey = (code) => `quorum:participant-last:${code}`;

function saveLast(code, sessionId, live) {
  const state = live.state;
  // A countdown cannot be trusted once the frame is old: drop it.
  const step = state.step ? { ...state.step, deadline: undefined, remainingMs: undefined } : null;
  save(lastKey(code), { sessionId, state: { ...state, step }, myVotes: live.myVotes });
}

/** The 8 digits of a join code in what a person typed or pasted (also a join link). */
export function digitsOf(text) {
  const s = String(text || "");
  const link = s.match(/\/j\/([\d\s-]+)/);
  return (link ? link[1] : s).replace(/\D/g, "").slice(0, 8);
}

function setPath(path) {
  if (location.pathname !== path) history.replaceState(null, "", path);
}

// ---------------------------------------------------------------------------
// The app: entry → (lookup) → join form → live.

/** The phone; code is the join code of the link it was opened with, or "". */
export function App({ code: linkCode = "" }) {
  const [flow, setFlow] = useState(() => {
    const code = linkCode;
    const identity = loadIdentity(code);
    if (identity) return { phase: "live", code, identity };
    if (code.length === 8) return { phase: "lookup", code };
    return { phase: "entry", code: "", error: code ? "A join code has 8 digits, like 1234 5678. Type the code from the shared screen." : "" };
  });

  // Look a code up before showing the join form.
  useEffect(() => {
    if (flow.phase !== "lookup") return undefined;
    let alive = true;
    api("GET", `/api/codes/${flow.code}`)
      .then((info) => {
        if (!alive) return;
        const identity = loadIdentity(flow.code);
        if (identity && identity.sessionId === info.sessionId) {
          setFlow({ phase: "live", code: flow.code, identity });
        } else {
          setFlow({ phase: "join", code: flow.code, info, notice: flow.notice });
        }
      })
      .catch((err) => {
        if (!alive) return;
        setPath("/join");
        setFlow({ phase: "entry", code: "", error: lookupMessage(err), lastCode: flow.code });
      });
    return () => {
      alive = false;
    };
  }, [flow.phase, flow.code]);

  useEffect(() => {
    const title = flow.info?.title || flow.identity?.title;
    document.title = title ? `${title} · Quorum` : "Join · Quorum";
  }, [flow.info, flow.identity]);

  const lookUp = (code) => {
    setPath(`/j/${code}`);
    const identity = loadIdentity(code);
    if (identity) setFlow({ phase: "live", code, identity });
    else setFlow({ phase: "lookup", code });
  };
  const typeAnother = () => {
    setPath("/join");
    setFlow({ phase: "entry", code: "", error: "" });
  };
  // The join happens in the live connection's hello: one round trip less on
  // a hall's Wi-Fi. The identity it brings is kept for reloads and
  // reconnects; the page stays on the same connection.
  const join = ({ name, segment }) => {
    setFlow({ phase: "live", code: flow.code, info: flow.info, join: { code: flow.code, name, segment, token: newToken() } });
  };
  const joined = (identity) => {
    const { name, segment } = flow.join;
    saveIdentity(flow.code, { ...identity, name, segment, title: flow.info?.title });
  };
  const refused = (refusal) => {
    if (refusal?.code === "code_not_found" || refusal?.code === "session_ended") {
      setPath("/join");
      setFlow({ phase: "entry", code: "", error: lookupMessage(refusal), lastCode: flow.code });
    } else {
      setFlow({ phase: "join", code: flow.code, info: flow.info, typed: flow.join, error: sentence(refusal?.message || "Joining failed. Try again.") });
    }
  };
  const lostIdentity = () => {
    clearIdentity(flow.code);
    setFlow({
      phase: "lookup",
      code: flow.code,
      notice: "Your place in this session is no longer valid, so please join again. It only takes a second.",
    });
  };

  switch (flow.phase) {
    case "live":
      return html`<${Live} code=${flow.code} identity=${flow.identity} join=${flow.join} title=${flow.info?.title}
        onJoined=${joined} onRefused=${refused} onLost=${lostIdentity} onTypeAnother=${typeAnother} />`;
    case "join":
      return html`<${JoinForm} code=${flow.code} info=${flow.info} notice=${flow.notice} error=${flow.error} typed=${flow.typed} onJoin=${join}
        onTypeAnother=${typeAnother} />`;
    case "lookup":
      return html`<${Shell}><div class="p-center" role="status"><p class="p-lead">Looking up ${formatCode(flow.code)}…</p></div></${Shell}>`;
    default:
      return html`<${CodeEntry} error=${flow.error} onCode=${lookUp} />`;
  }
}

function lookupMessage(err) {
  let text = sentence(err.message || "Something went wrong. Try again.");
  if (err.code === "session_ended") text += " Type the code of another session, or ask the facilitator.";
  return text;
}

/** The server's message as a sentence: capital first letter, final full stop. */
function sentence(text) {
  const t = String(text).trim();
  if (!t) return t;
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

/** A page without a live connection: brand line, then the content. */
function Shell({ children }) {
  return html`<div class="p-page">
    <header class="p-top"><div class="p-header"><span class="p-brand">Quorum</span></div></header>
    <main class="p-main">${children}</main>
  </div>`;
}

// ---------------------------------------------------------------------------
// Entry: type the code.

function CodeEntry({ error: initialError, onCode }) {
  const [code, setCode] = useState("");
  const [error, setError] = useState(initialError || "");
  const inputRef = useRef(null);
  useEffect(() => setError(initialError || ""), [initialError]);
  useEffect(() => inputRef.current?.focus(), []);

  const onInput = (e) => {
    const formatted = formatCode(digitsOf(e.target.value));
    setCode(formatted);
    // Keep the field showing the grouped code even when the digits did not change.
    if (e.target.value !== formatted) e.target.value = formatted;
    setError("");
  };
  const onSubmit = (e) => {
    e.preventDefault();
    const digits = digitsOf(code);
    if (digits.length !== 8) {
      setError("A join code has 8 digits, like 1234 5678. It is on the shared screen.");
      inputRef.current?.focus();
      return;
    }
    onCode(digits);
  };

  return html`<${Shell}>
    <form class="p-entry" onSubmit=${onSubmit} novalidate>
      <h1 class="p-title">Join a session</h1>
      ${error && html`<div id="code-error" class="p-error" role="alert">${error}</div>`}
      <div class="field">
        <label for="code">Join code</label>
        <input id="code" ref=${inputRef} class="p-code-input" type="text" inputmode="numeric" autocomplete="off"
          autocorrect="off" spellcheck=${false} enterkeyhint="go" placeholder="1234 5678" value=${code} onInput=${onInput}
          aria-describedby=${error ? "code-error code-hint" : "code-hint"} aria-invalid=${error ? "true" : "false"} />
        <div id="code-hint" class="field-hint">The 8 digits on the shared screen.</div>
      </div>
      <button class="primary p-big" type="submit">Continue</button>
    </form>
  </${Shell}>`;
}

// ---------------------------------------------------------------------------
// Join form: name and segment, both optional.

// typed: what the phone typed before a refused join, to fix rather than retype.
function JoinForm({ code, info, notice, error, typed, onJoin, onTypeAnother }) {
  const [name, setName] = useState(typed?.name || "");
  const [segment, setSegment] = useState(typed?.segment || "");
  const segments = info.segments || [];

  const onSubmit = (e) => {
    e.preventDefault();
    onJoin({ name: name.trim(), segment });
  };

  return html`<${Shell}>
    <form class="p-join" onSubmit=${onSubmit} novalidate>
      ${notice && html`<div class="p-notice" role="alert">${notice}</div>`}
      <p class="p-kicker">You are joining</p>
      <h1 class="p-title">${info.title}</h1>
      <p class="muted p-code-line">Code ${formatCode(code)}</p>
      <div class="field">
        <label for="name">Your name (optional)</label>
        <input id="name" type="text" autocomplete="nickname" maxlength="40" enterkeyhint="done" value=${name}
          onInput=${(e) => setName(e.target.value)} aria-describedby="name-hint" />
        <div id="name-hint" class="field-hint">${namesPromise(info.names)}</div>
      </div>
      ${segments.length > 0 &&
      html`<fieldset class="p-segments">
        <legend>Your role (optional)</legend>
        <div class="p-segment-grid">
          ${segments.map(
            (s, i) => html`<label class=${`p-radio${segment === s ? " is-checked" : ""}`} key=${s}>
              <input type="radio" name="segment" id=${`segment-${i}`} value=${s} checked=${segment === s}
                onChange=${() => setSegment(s)} />
              <span>${s}</span>
            </label>`,
          )}
        </div>
        ${segment && html`<button type="button" class="p-link" onClick=${() => setSegment("")}>Clear my choice</button>`}
      </fieldset>`}
      ${error && html`<div class="p-error" role="alert">${error}</div>`}
      <div class="p-join-submit">
        <button class="primary p-big" type="submit">Join</button>
      </div>
      <p class="p-other"><button type="button" class="p-link" onClick=${onTypeAnother}>Not this session? Type another code</button></p>
    </form>
  </${Shell}>`;
}

// ---------------------------------------------------------------------------
// Live: follow the session.

// Live follows the session with the stored identity, or joins it (join:
// {code, name, segment}) in the connection's hello.
function Live({ code, identity, join, title: joinTitle, onJoined, onRefused, onLost, onTypeAnother }) {
  const [live, conn] = useLive({
    role: "participant",
    session: identity?.sessionId,
    secret: identity?.token,
    participantId: identity?.participantId,
    join: identity ? null : join,
    onJoined,
  });
  const sessionId = identity?.sessionId || live.welcome?.session;
  // Until the first state arrives (a reload without network), show the last one seen.
  const [cached] = useState(() => {
    const last = identity && load(lastKey(code), null);
    return last && last.sessionId === identity.sessionId && last.state ? last : null;
  });
  useEffect(() => {
    if (live.state && sessionId && live.state.session?.status !== "ended") saveLast(code, sessionId, live);
  }, [live.state, live.myVotes]);
  const view = live.state || !cached ? live : { ...live, state: cached.state, myVotes: cached.myVotes || {} };
  const state = view.state;
  const ended = state?.session?.status === "ended";

  // A join refused: say why on the join form (or the code form). A token no
  // longer valid (or the session gone): join again.
  useEffect(() => {
    if (live.status !== "failed") return;
    if (!identity && live.refusal) onRefused(live.refusal);
    else onLost();
  }, [live.status]);

  // An ended session frees its code for a new one: forget this identity, so
  // that the next visit with the same code looks it up afresh.
  useEffect(() => {
    if (ended) clearIdentity(code);
  }, [ended, code]);

  const title = state?.session?.title || identity?.title || joinTitle || "";
  useEffect(() => {
    if (title) document.title = `${title} · Quorum`;
  }, [title]);
  const name = live.welcome?.participant?.name || identity?.name || join?.name || "";

  let content;
  if (!state) {
    content = html`<div class="p-center" role="status"><p class="p-lead">Connecting to the session…</p></div>`;
  } else if (ended) {
    content = html`<section class="p-center p-ended">
      <h1 class="p-title">The session has ended. Thank you for taking part!</h1>
      <p><button type="button" class="p-link" onClick=${onTypeAnother}>Join another session</button></p>
    </section>`;
  } else if (state.session.status === "lobby" || !state.step) {
    content = html`<section class="p-center p-wait">
      <p class="p-kicker">You are in</p>
      <h1 class="p-title">Look at the shared screen</h1>
      <p class="muted">The session starts soon. Keep this page open; it follows along by itself.</p>
    </section>`;
  } else {
    content = html`<${StepView} live=${view} conn=${conn} />`;
  }

  return html`<div class="p-page">
    <${Header} live=${live} state=${state} title=${title} name=${name} />
    <main class="p-main">${content}</main>
    ${state?.session?.status === "live" && state.session.settings?.reactions && html`<${ReactionBar} live=${live} conn=${conn} />`}
    <p class="visually-hidden" aria-live="polite">${announcement(state)}</p>
  </div>`;
}

/** The phone's top bar: what the connection is doing, the session, my name. */
export function Header({ live, state, title, name }) {
  return html`<header class="p-top">
    <${ConnectionBanner} live=${live} text=${bannerText(live.status, state)} />
    <div class="p-header">
      <span class="p-session-title" title=${title || "Quorum"}>${title || "Quorum"}</span>
      ${name && html`<span class="p-name" title=${`Your name: ${name}`}>${name}</span>`}
      <${ConnectionBadge} live=${live} />
    </div>
  </header>`;
}

/** Paragraphs from a body text with blank lines. */
function Body({ text, className = "p-body" }) {
  if (!text) return null;
  return html`<div class=${className}>${text.split(/\n{2,}/).map((p) => html`<p>${p}</p>`)}</div>`;
}

/**
 * A step on the phone: the question and its controls while voting is open,
 * a calm view otherwise, the results once revealed. live is what useLive
 * gives (state, myVotes, status, lastError); conn.current the connection
 * that votes, if any. idPrefix keeps its element ids apart from another
 * page's (the editor's preview).
 */
export function StepView({ live, conn, idPrefix = "" }) {
  const titleId = `${idPrefix}step-title`;
  const step = live.state.step;
  const results = live.state.results;
  const revealed = step.revealed && results && results.step === step.index;
  const votable = isVoting(step.kind);
  const online = live.status === "open";

  // A "reset" drops every vote of the step and puts its voting back to
  // "pending", but no frame tells a phone its vote is gone: remember which
  // acknowledged vote to ignore from then on (a new vote has a new id).
  const [dropped, setDropped] = useState({}); // step -> vote id
  const rawAck = live.myVotes[step.index];
  useEffect(() => {
    if (step.voting === "pending" && rawAck && dropped[step.index] !== rawAck.id) {
      setDropped((old) => ({ ...old, [step.index]: rawAck.id }));
    }
  }, [step.index, step.voting, rawAck?.id]);
  const acked = rawAck && dropped[step.index] !== rawAck.id && step.voting !== "pending" ? rawAck : null;

  // ws.js keeps a vote pending (also across reloads) until the server's ack;
  // one sent for an earlier round of this step is not this round's vote.
  const queued = conn.current?.pending?.[step.index] || null;
  const pending = queued && (queued.round == null || queued.round === step.round) ? queued : null;

  // Errors the server answered for this page's votes: step -> {message, ackId}.
  const knownIds = useRef(new Map()); // vote id -> step
  if (pending) knownIds.current.set(pending.id, step.index);
  const [errors, setErrors] = useState({});
  useEffect(() => {
    const e = live.lastError;
    if (!e || !e.id || !knownIds.current.has(e.id)) return;
    const at = knownIds.current.get(e.id);
    setErrors((old) => ({ ...old, [at]: { message: e.message || "This vote was not accepted.", ackId: live.myVotes[at]?.id } }));
  }, [live.lastError]);
  // A step opened again starts with a clean slate.
  useEffect(() => {
    if (step.voting === "open") setErrors((old) => (old[step.index] ? { ...old, [step.index]: undefined } : old));
  }, [step.index, step.voting]);
  const err = errors[step.index];
  const errored = !pending && err && err.ackId === rawAck?.id ? err.message : "";
  const selected = pending ? pending.value : acked ? acked.value : undefined;

  // A vote given offline is kept (ws.js, also across a reload) and sent on
  // the way back; it counts if voting is still open then.
  const vote = (value) => {
    if (step.voting !== "open") return;
    if (pending && pending.value === value) return; // already on its way
    if (!pending && acked && acked.value === value && !errored) return; // already the recorded vote
    const v = conn.current?.vote(step.index, value, step.round);
    if (!v) return;
    knownIds.current.set(v.id, step.index);
    setErrors((old) => ({ ...old, [step.index]: undefined }));
  };

  // A vote kept offline that could not count: voting closed before the phone was back.
  const lost = conn.current?.unsent?.[step.index];
  const unsent = lost && !acked && !pending && (lost.round == null || lost.round === step.round) ? lost : null;

  let status = null;
  if (pending) {
    status = online
      ? html`<p class="p-status p-status-sending">Sending…</p>`
      : html`<p class="p-status p-status-offline"><strong>Saved on this phone</strong><span class="p-status-more"> — sent as soon as you are back online</span></p>`;
  } else if (errored) {
    status = html`<p class="p-status p-status-error">${sentence(errored)}</p>`;
  } else if (acked) {
    status = html`<p class="p-status p-status-ok"><strong>Vote received ✓</strong><span class="p-status-more"> — you can change it until voting closes</span></p>`;
  }

  // The confirmation is what the phone is for: bring it into view when it
  // changes, by as little as needed, before the frame that shows it is
  // painted.
  const statusRef = useRef(null);
  const statusKind = pending ? (online ? "sending" : "saved") : errored ? "error" : acked ? `ok-${acked.id}` : "";
  useLayoutEffect(() => {
    const el = statusRef.current;
    if (!el || !statusKind || statusKind === "sending") return;
    const r = el.getBoundingClientRect();
    if (r.top >= 0 && r.bottom <= window.innerHeight) return;
    const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    el.scrollIntoView({ block: "nearest", behavior: still ? "auto" : "smooth" });
  }, [statusKind]);

  const heading = html`<div class="p-step-head">
    <h1 class="p-title" id=${titleId}>${step.title}</h1>
    <${Countdown} live=${live} className="countdown p-countdown" />
  </div>`;

  // Info steps and anything not opened yet: a calm waiting view.
  if (!votable && !revealed) {
    return html`<section class="p-step p-wait" key=${`s${step.index}`}>
      ${step.kind === "info"
        ? html`<h1 class="p-title">${step.title}</h1><${Body} text=${step.body} />`
        : html`<h1 class="p-title">${step.title}</h1>`}
      <p class="p-look">Look at the shared screen</p>
    </section>`;
  }

  const parts = [];
  if (votable && step.voting === "pending" && !revealed) {
    return html`<section class="p-step p-wait p-center" key=${`s${step.index}`}>
      <p class="p-kicker">${step.round > 1 ? `Round ${step.round} coming up` : "Next question coming up"}</p>
      <h1 class="p-title">Look at the shared screen</h1>
      <p class="muted">Voting opens in a moment.</p>
    </section>`;
  }

  if (votable && step.voting === "open") {
    if (step.round > 1) {
      parts.push(html`<p class="p-round">Round ${step.round} — vote again<span class="p-round-hint">Earlier rounds keep their answers; this one starts afresh.</span></p>`);
    }
    parts.push(html`<${Body} text=${step.body} className="p-body p-body-small" />`);
    if (step.kind === "choice") parts.push(html`<${ChoiceVote} step=${step} selected=${selected} pending=${pending} onVote=${vote} titleId=${titleId} />`);
    if (step.kind === "scale") parts.push(html`<${ScaleVote} step=${step} selected=${selected} onVote=${vote} />`);
    if (step.kind === "text") parts.push(html`<${TextVote} step=${step} acked=${acked} pending=${pending} onVote=${vote} idPrefix=${idPrefix} />`);
    parts.push(html`<div class="p-status-box" role="status" aria-live="polite" ref=${statusRef}>${status}</div>`);
    if (!online) parts.push(html`<p class="p-hint">Your vote is kept on this phone until the connection is back. If voting closes before then, it cannot count.</p>`);
  } else if (votable && step.voting === "closed" && !revealed) {
    parts.push(html`<div class="p-closed" role="status">
      <p class="p-closed-title">Voting is closed</p>
      ${errored && html`<p class="p-status p-status-error">${`Your last tap was not counted: ${errored.replace(/[.!]?$/, ".")}`}</p>`}
      ${unsent && html`<p class="p-status p-status-error">Your answer “${answerText(step, unsent.value)}” was not sent in time: voting closed while this phone was offline.</p>`}
      ${!unsent && html`<${MyAnswer} step=${step} vote=${acked} />`}
      <p class="p-look">Look at the shared screen</p>
    </div>`);
  }

  if (revealed) {
    parts.push(html`<${Revealed} step=${step} results=${results} acked=${acked} />`);
  }

  // Keyed by round too: a new round starts with an empty answer field.
  return html`<section class="p-step" key=${`s${step.index}-r${step.round}`} aria-labelledby=${titleId}>
    ${heading}${parts}
  </section>`;
}

/** What the phone can do while the connection is down, said as it is. */
function bannerText(status, state) {
  const voting = state?.session?.status === "live" && state.step?.voting === "open";
  if (status === "offline") {
    return voting
      ? "Offline. You can still vote: your vote is sent when you are back."
      : "Offline. This page catches up when you are back.";
  }
  if (status === "reconnecting" && voting) return "Reconnecting… You can still vote: your vote is sent when the connection is back.";
  return "";
}

/** One short sentence for screen readers whenever the page moves on. */
function announcement(state) {
  if (!state) return "";
  if (state.session.status === "ended") return "The session has ended.";
  const step = state.step;
  if (state.session.status === "lobby" || !step) return "";
  if (step.kind === "info") return step.title;
  if (step.revealed && state.results) return `Results: ${step.title}`;
  if (step.voting === "open") return `${step.round > 1 ? `Round ${step.round}: voting` : "Voting"} is open: ${step.title}`;
  if (step.voting === "closed") return `Voting is closed: ${step.title}`;
  return "";
}

/** A vote value as words: the option's text, "5 of 7", or the text answer. */
function answerText(step, value) {
  if (value === undefined || value === null) return "";
  if (step.kind === "choice") return step.options?.[value] ?? String(value);
  if (step.kind === "scale") return `${value} of ${step.points} (${scalePosition(step, value)})`;
  return String(value);
}

function scalePosition(step, value) {
  const points = step.points || 5;
  const mid = (points + 1) / 2;
  if (value === mid) return `halfway between ${step.left} and ${step.right}`;
  if (value === 1) return step.left;
  if (value === points) return step.right;
  return `closer to ${value < mid ? step.left : step.right}`;
}

function MyAnswer({ step, vote }) {
  if (!vote) return html`<p class="p-mine muted">You did not answer this one.</p>`;
  return html`<p class="p-mine">Your answer: <strong>${answerText(step, vote.value)}</strong></p>`;
}

// ---------------------------------------------------------------------------
// Voting controls.

function ChoiceVote({ step, selected, pending, onVote, titleId }) {
  return html`<div class="p-options" role="group" aria-labelledby=${titleId}>
    ${(step.options || []).map((opt, i) => {
      const on = selected === i;
      const done = on && !pending;
      return html`<button type="button" key=${i} class=${`p-option${on ? " is-selected" : ""}`} aria-pressed=${on ? "true" : "false"}
        onClick=${() => onVote(i)}>
        <span class="p-option-text">${opt}</span>
        <span class=${`p-mark${done ? " is-done" : on ? " is-pending" : ""}`} aria-hidden="true">${done ? "✓" : on ? "…" : ""}</span>
      </button>`;
    })}
  </div>`;
}

function ScaleVote({ step, selected, onVote }) {
  const points = step.points || 5;
  const values = Array.from({ length: points }, (_, i) => i + 1);
  return html`<div class="p-scale">
    <div class="p-poles" aria-hidden="true">
      <span class="p-pole p-pole-left">← ${step.left}</span>
      <span class="p-pole p-pole-right">${step.right} →</span>
    </div>
    <div class="p-points" role="group" aria-label=${`${step.title}: from 1, ${step.left}, to ${points}, ${step.right}`}>
      ${values.map((v) => {
        const on = selected === v;
        return html`<button type="button" key=${v} class=${`p-point${on ? " is-selected" : ""}`} aria-pressed=${on ? "true" : "false"}
          aria-label=${`${v} of ${points}, between ${step.left} and ${step.right}`} onClick=${() => onVote(v)}>${v}</button>`;
      })}
    </div>
    ${selected !== undefined && html`<p class="p-scale-choice">Your choice: <strong>${answerText(step, selected)}</strong></p>`}
  </div>`;
}

function TextVote({ step, acked, pending, onVote, idPrefix }) {
  const id = `${idPrefix}answer`;
  const max = step.maxLength || 80;
  const [draft, setDraft] = useState(() => String(pending?.value ?? acked?.value ?? ""));
  const blank = draft.trim() === "";
  const sentValue = pending ? pending.value : acked?.value;
  const onSubmit = (e) => {
    e.preventDefault();
    if (blank) return;
    onVote(draft.trim().replace(/\s+/g, " "));
  };
  return html`<form class="p-text" onSubmit=${onSubmit} novalidate>
    <label for=${id}>Your answer</label>
    <textarea id=${id} rows="3" maxlength=${max} value=${draft} enterkeyhint="send" aria-describedby=${`${id}-count`}
      onInput=${(e) => setDraft(e.target.value)}
      onKeyDown=${(e) => {
        if (e.key === "Enter" && !e.shiftKey) onSubmit(e);
      }}></textarea>
    <div class="p-text-row">
      <span id=${`${id}-count`} class=${`p-count${draft.length >= max ? " is-full" : ""}`}>${draft.length} / ${max}</span>
      <button class="primary p-send" type="submit" disabled=${blank}>Send</button>
    </div>
    ${sentValue !== undefined && sentValue !== "" && html`<p class="p-sent">You sent: <strong>${sentValue}</strong></p>`}
  </form>`;
}

// ---------------------------------------------------------------------------
// Results after the reveal.

function Revealed({ step, results, acked }) {
  const loaded = useCharts();
  const Chart = loaded?.ResultsChart;
  const Shifts = loaded?.ShiftSummary;
  const hasCorrect = step.kind === "choice" && Number.isInteger(results.correct) && step.options?.[results.correct] !== undefined;
  let verdict = null;
  if (hasCorrect) {
    const right = step.options[results.correct];
    let mine;
    if (!acked) mine = html`<p class="p-verdict">You did not vote on this one. Now you know!</p>`;
    else if (acked.value === results.correct) mine = html`<p class="p-verdict p-verdict-match">✓ You chose this too. Well done!</p>`;
    else mine = html`<p class="p-verdict">You chose “${answerText(step, acked.value)}”. Not this time, and a good one to talk about.</p>`;
    verdict = html`<div class="p-answer" role="status"><p class="p-answer-line">${`Answer: ${right}`}</p>${mine}</div>`;
  }
  return html`<div class="p-results">
    <h2 class="p-results-title">${results.round > 1 ? `Results · round ${results.round}` : "Results"}</h2>
    ${verdict}
    <div class="p-chart">
      ${Chart ? html`<${Chart} step=${step} results=${results} size="phone" />` : html`<${FallbackChart} step=${step} results=${results} />`}
    </div>
    ${Shifts && results.shifts?.length > 0 && html`<div class="p-chart"><${Shifts} shifts=${results.shifts} size="phone" level=${3} /></div>`}
    ${!hasCorrect && step.kind !== "profile" && acked && html`<p class="p-mine">Your answer: <strong>${answerText(step, acked.value)}</strong></p>`}
  </div>`;
}

// ---------------------------------------------------------------------------
// Reactions to the shared screen.

const REACTIONS = [
  ["👍", "thumbs up"],
  ["❤️", "heart"],
  ["😂", "laughing"],
  ["🤔", "thinking"],
  ["👏", "applause"],
];
const REACTION_PAUSE_MS = 2000; // the server takes one reaction every 2 s

/** A row of emoji that float up on the shared screen; one tap every 2 s. */
function ReactionBar({ live, conn }) {
  const [sent, setSent] = useState(""); // the emoji just sent, during the pause
  const [error, setError] = useState("");
  const ids = useRef(new Set());
  const online = live.status === "open";

  useEffect(() => {
    const e = live.lastError;
    if (e?.id && ids.current.has(e.id)) setError(sentence(e.message || "The reaction was not sent."));
  }, [live.lastError]);
  useEffect(() => {
    if (!sent) return undefined;
    const timer = setTimeout(() => setSent(""), REACTION_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [sent]);

  const react = (emoji) => {
    if (sent || !online) return;
    const id = newId("r");
    if (!conn.current?.send({ type: "react", id, emoji })) return;
    ids.current.add(id);
    setError("");
    setSent(emoji);
  };

  let hint = "React on the shared screen";
  if (!online) hint = "Reactions come back with the connection";
  else if (sent) hint = `Sent ${sent} · you can react again in 2 seconds`;
  return html`<aside class=${`p-react${sent ? " is-paused" : ""}`} aria-label="Reactions">
    <div class="p-react-row" role="group" aria-describedby="react-hint">
      ${REACTIONS.map(([emoji, name]) => html`<button type="button" key=${emoji} class="p-react-button" aria-label=${`React: ${name}`}
        disabled=${Boolean(sent) || !online} onClick=${() => react(emoji)}>${emoji}</button>`)}
    </div>
    <p id="react-hint" class=${error ? "p-react-hint p-react-error" : "p-react-hint"} role="status">${error || hint}</p>
  </aside>`;
}

/** A plain list of the numbers, only while charts.js is missing or failed. */
function FallbackChart({ step, results }) {
  if (step.kind === "choice") {
    return html`<ul class="p-fallback">${(step.options || []).map((o, i) => html`<li>${o}: ${results.counts?.[i] ?? 0}</li>`)}</ul>`;
  }
  if (step.kind === "scale") {
    return html`<p class="p-fallback">Average: ${results.mean != null ? results.mean.toFixed(1) : "–"} of ${step.points}</p>`;
  }
  if (step.kind === "text") {
    return html`<ul class="p-fallback">${(results.words || []).slice(0, 15).map((w) => html`<li>${w.text} (${w.count})</li>`)}</ul>`;
  }
  return html`<p class="p-fallback">Look at the shared screen</p>`;
}
