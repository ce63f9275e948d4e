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
    myVotes: {}, // participant: step -> {id, value}
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
      return { ...l, state: frame, receivedAt: Date.now() };
    case "results": {
      if (!l.state || frame.step !== l.state.session.currentStep) return l;
      const state = { ...l.state, counts: frame.counts };
      if (frame.results) state.results = frame.results;
      return { ...l, state };
    }
    case "ack":
      return { ...l, myVotes: { ...l.myVotes, [frame.step]: { id: frame.id, value: frame.value } }, lastError: null };
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
