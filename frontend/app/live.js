// useLive: a Preact hook that keeps a view's picture of the session, built
// from the server's frames (welcome, state, results, ack, error).
import { useEffect, useRef, useState } from "preact/hooks";
import { Connection } from "./ws.js";

export function useLive({ role, session, secret, participantId = "" }) {
  const [live, setLive] = useState({
    status: "connecting",
    detail: "",
    welcome: null,
    state: null, // the last state frame, with results frames merged in
    myVotes: {}, // participant: step -> {id, value, round}
    reactions: [], // screen: the latest reactions, {key, emoji}
    lastError: null,
    receivedAt: 0, // when the state arrived, for countdowns
  });
  const connRef = useRef(null);

  useEffect(() => {
    if (!session || !secret) return undefined;
    const conn = new Connection({
      role,
      session,
      secret,
      participantId,
      onStatus: ({ status, detail }) => setLive((l) => ({ ...l, status, detail })),
      onFrame: (frame) => setLive((l) => reduce(l, frame)),
    });
    connRef.current = conn;
    return () => conn.close();
  }, [role, session, secret, participantId]);

  return [live, connRef];
}

function reduce(l, frame) {
  switch (frame.type) {
    case "welcome":
      return { ...l, welcome: frame, myVotes: { ...(frame.votes || {}) } };
    case "state":
      return { ...l, state: frame, receivedAt: Date.now(), myVotes: forRound(l.myVotes, frame.step) };
    case "results": {
      if (!l.state || frame.step !== l.state.session.currentStep) return l;
      const state = { ...l.state, counts: frame.counts };
      if (frame.results) state.results = frame.results;
      return { ...l, state };
    }
    case "ack": {
      const step = l.state?.step;
      const round = step && step.index === frame.step ? step.round : undefined;
      return { ...l, myVotes: { ...l.myVotes, [frame.step]: { id: frame.id, value: frame.value, round } }, lastError: null };
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

/** Drops my vote on the current step when it belongs to an earlier round;
 * a vote from the welcome (no round yet) takes the current round. */
function forRound(myVotes, step) {
  const mine = step && myVotes[step.index];
  if (!mine || mine.round === step.round) return myVotes;
  const next = { ...myVotes };
  if (mine.round == null) next[step.index] = { ...mine, round: step.round };
  else delete next[step.index];
  return next;
}
