// The one WebSocket connection module every view uses: hello with the stored
// token or key (or, for a phone joining, with the join code: one round trip
// instead of a join request first), reconnect with backoff and jitter,
// re-send unacknowledged votes, and report the connection state. See
// docs/protocol.md.
import { load, save } from "./storage.js";

const FATAL = new Map([
  [4400, "The app sent something the server did not understand. Reload the page."],
  [4401, "This link or token is not valid for this session."],
  [4404, "This session no longer exists."],
]);
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;

/**
 * A phone's own secret for joining: 32 random bytes in base64url. Sent with
 * a join in the hello, it makes a join retried after a lost welcome the same
 * participant instead of a second one; the welcome brings the token to keep.
 */
export function newToken() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

let counter = 0;
/** A message id unique enough per device: time, counter, randomness. */
export function newId(prefix) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Connection keeps one live WebSocket to the server for a role.
 * Listeners: onFrame(frame), onStatus({status, detail, refusal}), onJoined(identity).
 * status: "connecting" | "open" | "reconnecting" | "offline" | "failed".
 * A participant without a session yet passes join: {code, name, segment,
 * token} (token from newToken) instead of session and secret; the welcome brings its identity
 * ({sessionId, participantId, token}, handed to onJoined), which reconnects
 * use. A refused join fails with refusal: the server's {code, message}.
 */
export class Connection {
  constructor({ role, session, secret, participantId = "", join = null, onFrame, onStatus, onJoined }) {
    this.role = role;
    this.join = join;
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.onJoined = onJoined;
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.stopped = false;
    this.refusal = null; // an error frame before the welcome of a join
    this.actions = new Map(); // id -> {resolve, reject}
    this.identify(session, secret, participantId);
    this.wake = () => this.reconnectNow();
    this.goneOffline = () => this.setStatus("offline");
    window.addEventListener("online", this.wake);
    window.addEventListener("offline", this.goneOffline);
    document.addEventListener("visibilitychange", this.wake);
    this.open();
  }

  identify(session, secret, participantId) {
    this.session = session;
    this.secret = secret;
    this.pendingKey = `quorum:pending:${session}:${participantId}`;
    this.pending = load(this.pendingKey, {}); // step -> {id, step, value, round}
    this.unsent = {}; // step -> a pending vote dropped on reconnect: its step or round was over
  }

  setStatus(status, detail = "") {
    this.status = status;
    this.onStatus?.({ status, detail, refusal: this.refusal });
  }

  open() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    this.ws = ws;
    this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    ws.onopen = () => {
      let hello;
      if (this.join) {
        hello = { type: "hello", role: this.role, code: this.join.code, name: this.join.name, token: this.join.token };
        if (this.join.segment) hello.segment = this.join.segment;
      } else {
        hello = { type: "hello", role: this.role, session: this.session };
        if (this.role === "participant") hello.token = this.secret;
        else hello.key = this.secret;
      }
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.handle(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const { reject } of this.actions.values()) reject(new Error("The connection dropped; try again."));
      this.actions.clear();
      if (FATAL.has(event.code)) {
        this.stopped = true;
        this.setStatus("failed", this.refusal?.message || FATAL.get(event.code));
        return;
      }
      this.scheduleReconnect();
    };
  }

  handle(frame) {
    switch (frame.type) {
      case "welcome":
        if (this.join && frame.token) {
          this.join = null;
          this.identify(frame.session, frame.token, frame.participant?.id || "");
          this.onJoined?.({ sessionId: frame.session, participantId: frame.participant?.id, token: frame.token });
        }
        this.attempt = 0;
        this.setStatus("open");
        // Votes the server committed before the connection dropped are done.
        for (const [step, vote] of Object.entries(this.pending)) {
          if (frame.votes?.[step]?.id === vote.id) delete this.pending[step];
        }
        this.savePending();
        this.resumed = true;
        break;
      case "state":
        if (this.resumed) {
          this.resumed = false;
          this.resendPending(frame);
        }
        break;
      case "ack":
        if (this.pending[frame.step]?.id === frame.id) {
          delete this.pending[frame.step];
          this.savePending();
        }
        break;
      case "error":
        if (this.join) this.refusal = { code: frame.code, message: frame.message };
        this.settleVoteError(frame);
        break;
      case "done":
        break;
    }
    if (frame.id && this.actions.has(frame.id) && (frame.type === "done" || frame.type === "error")) {
      const { resolve, reject } = this.actions.get(frame.id);
      this.actions.delete(frame.id);
      if (frame.type === "done") resolve(frame);
      else reject(Object.assign(new Error(frame.message), { code: frame.code }));
    }
    this.onFrame?.(frame);
  }

  // A vote refused for good (voting closed, invalid) is no longer pending;
  // one kept while offline and refused because voting closed meanwhile was
  // not sent in time, as one dropped on reconnect (resendPending).
  settleVoteError(frame) {
    for (const [step, vote] of Object.entries(this.pending)) {
      if (vote.id !== frame.id) continue;
      if (vote.offline && frame.code === "voting_closed") this.unsent[step] = vote;
      delete this.pending[step];
    }
    this.savePending();
  }

  // After a reconnect, the first state tells which unacknowledged votes can
  // still count: those on the current step while voting is open.
  resendPending(state) {
    const step = state.step;
    for (const [index, vote] of Object.entries(this.pending)) {
      // A vote for an earlier round of the step does not carry over.
      const stillOpen = step && step.index === Number(index) && step.voting === "open" && (vote.round == null || vote.round === step.round);
      if (stillOpen) this.send({ type: "vote", id: vote.id, step: vote.step, value: vote.value, round: vote.round });
      else {
        this.unsent[index] = vote;
        delete this.pending[index];
      }
    }
    this.savePending();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    if (!navigator.onLine) {
      this.setStatus("offline");
    } else {
      this.setStatus("reconnecting");
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * base; // ±50 % jitter, so a hall does not reconnect in lockstep
    this.attempt += 1;
    this.timer = setTimeout(() => this.open(), delay);
  }

  reconnectNow() {
    if (this.stopped || document.visibilityState === "hidden") return;
    // Back online while the old socket still looks open: it may be dead, and
    // the status says "offline" until it closes. Start afresh.
    if (this.status === "offline" && this.ws?.readyState === WebSocket.OPEN) {
      const old = this.ws;
      this.ws = null;
      old.close(1000);
    }
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    this.attempt = 0;
    this.open();
  }

  send(frame) {
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  /** Sends a vote; it stays pending (and survives a reload) until acknowledged. */
  vote(step, value, round) {
    const vote = { id: newId("v"), step, value, round };
    if (!navigator.onLine || this.status !== "open") vote.offline = true;
    this.pending[step] = vote;
    delete this.unsent[step];
    this.savePending();
    this.send({ type: "vote", id: vote.id, step, value, round });
    return vote;
  }

  /** Sends a host command; resolves on "done", rejects with the server's message. */
  action(action, extra = {}) {
    return this.request("action", { action, ...extra });
  }

  /** Sends a frame the server answers with "done" or "error" (actions, proxy votes). */
  request(type, fields) {
    const id = newId("a");
    return new Promise((resolve, reject) => {
      if (!this.send({ type, id, ...fields })) {
        reject(new Error("Not connected; the console reconnects by itself."));
        return;
      }
      this.actions.set(id, { resolve, reject });
    });
  }

  savePending() {
    save(this.pendingKey, this.pending);
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.wake);
    window.removeEventListener("offline", this.goneOffline);
    document.removeEventListener("visibilitychange", this.wake);
    this.ws?.close(1000);
  }
}
