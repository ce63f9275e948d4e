// useLive: a Preact hook that keeps a view's picture of the session, built
// from the server's frames (welcome, state, results, ack, error).
import { useEffect, useRef, useState } from "preact/hooks";
import { Connection } from "./ws.js";

// A phone joining passes join ({code, name, segment}) instead of session and
// secret, and hears of its identity in onJoined; the connection stays the
// same one (see Connection in ws.js).
export function useLive({ role, session, secret, participantId = "", join = null, onJoined }) {
  const [live, setLive] = useState({
    status: "connecting",
    detail: "",
    refusal: null, // a refused join: the server's {code, message}
    welcome: null,
    state: null, // the last state frame, with results frames merged in
    myVotes: {}, // participant: step -> {id, value, round}, the current round's only
    reactions: [], // screen: the latest reactions, {key, emoji}
    lastError: null,
    receivedAt: 0, // when the state arrived, for countdowns
  });
  const connRef = useRef(null);
  const joinedRef = useRef(onJoined);
  joinedRef.current = onJoined;

  useEffect(() => {
    if (!join && (!session || !secret)) return undefined;
    const conn = new Connection({
      role,
      session,
      secret,
      participantId,
      join,
      onStatus: ({ status, detail, refusal }) => setLive((l) => ({ ...l, status, detail, refusal })),
      onFrame: (frame) => setLive((l) => reduce(l, frame)),
      onJoined: (identity) => joinedRef.current?.(identity),
    });
    connRef.current = conn;
    return () => conn.close();
    // A join is made once: a new one only for another code.
  }, [role, session, secret, participantId, join?.code]);

  return [live, connRef];
}

function reduce(l, frame) {
  switch (frame.type) {
    case "welcome":
      // welcome.votes has each step's vote in the latest round voted in.
      return { ...l, welcome: frame, myVotes: forRound({ ...(frame.votes || {}) }, l.state?.step) };
    case "state":
      return { ...l, state: frame, receivedAt: Date.now(), myVotes: forRound(l.myVotes, frame.step) };
    case "results": {
      if (!l.state || frame.step !== l.state.session.currentStep) return l;
      const state = { ...l.state, counts: frame.counts };
      if (frame.results) state.results = frame.results;
      return { ...l, state };
    }
    case "ack": {
      // A re-sent vote may be acknowledged as its step's earlier round.
      const myVotes = { ...l.myVotes, [frame.step]: { id: frame.id, value: frame.value, round: frame.round } };
      return { ...l, myVotes: forRound(myVotes, l.state?.step), lastError: null };
    }
    case "reactions": {
      // One floating emoji per reaction, a few at most per update so that a
      // hall's worth does not flood the screen.
      const fresh = [];
      for (const [emoji, count] of Object.entries(frame.counts || {})) {
        for (let i = 0; i < Math.min(count, 5); i++) fresh.push({ key: `${Date.now()}-${emoji}-${i}-${Math.random()}`, emoji });
      }
      return { ...l, reactions: [...l.reactions, ...fresh].slice(-40) };
    }
    case "error":
      return { ...l, lastError: frame };
    default:
      return l;
  }
}

/** Milliseconds left on the current step's countdown, or null. */
export function remainingMs(live, now = Date.now()) {
  const step = live.state?.step;
  if (!step || step.voting !== "open" || step.remainingMs == null) return null;
  return Math.max(0, step.remainingMs - (now - live.receivedAt));
}

/** Drops my vote on the current step when it belongs to another round. */
function forRound(myVotes, step) {
  const mine = step && myVotes[step.index];
  if (!mine || mine.round === step.round) return myVotes;
  const next = { ...myVotes };
  delete next[step.index];
  return next;
}
