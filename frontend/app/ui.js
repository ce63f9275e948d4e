// Small pieces every view shares.
import { h } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import htm from "htm";
import { remainingMs } from "./live.js";

export const html = htm.bind(h);

/** "12345678" -> "1234 5678" */
export function formatCode(code) {
  const digits = String(code || "").replace(/\D/g, "");
  return digits.length > 4 ? `${digits.slice(0, 4)} ${digits.slice(4, 8)}` : digits;
}

/** A date and time as people here write it, "" for a missing or bad one. */
export function formatDate(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The join link of a session, absolute even when the server sends a path. */
export function joinUrl(session) {
  const url = session?.joinUrl || (session?.code ? `/j/${session.code}` : "");
  return url.startsWith("/") ? location.origin + url : url;
}

/** The key in a URL fragment ("#key=…"), or "". */
export function keyFromHash() {
  return new URLSearchParams(location.hash.slice(1)).get("key") || "";
}

const STATUS_TEXT = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  failed: "Disconnected",
};

/** A small live badge with the connection state. */
export function ConnectionBadge({ live }) {
  return html`<span class=${`conn conn-${live.status}`} role="status" aria-live="polite" title=${live.detail || ""}>
    <span class="conn-dot" aria-hidden="true"></span>${STATUS_TEXT[live.status] || live.status}
  </span>`;
}

/**
 * A banner that says what is happening when the connection is not open;
 * text, when given, says it in the view's own words.
 */
export function ConnectionBanner({ live, text: own = "" }) {
  if (live.status === "open" || (live.status === "connecting" && !live.state)) return null;
  const text = own || {
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    offline: live.detail || "No network. Reconnecting when you are back online.",
    failed: live.detail || "Disconnected.",
  }[live.status];
  return html`<div class=${`banner banner-${live.status}`} role="alert">${text}</div>`;
}

/**
 * Short messages in a corner: [toasts, toast(text, kind), dismiss(id)].
 * Errors stay 8 s, others 4 s; at most three at once.
 */
export function useToasts() {
  const [toasts, setToasts] = useState([]);
  const dismiss = useCallback((id) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const toast = useCallback(
    (text, kind = "error") => {
      const id = `${Date.now()}-${Math.random()}`;
      setToasts((ts) => [...ts.slice(-2), { id, text, kind }]);
      setTimeout(() => dismiss(id), kind === "error" ? 8000 : 4000);
    },
    [dismiss],
  );
  return [toasts, toast, dismiss];
}

export function Toasts({ toasts, dismiss }) {
  return html`<div class="toasts" role="status" aria-live="polite">
    ${toasts.map(
      (t) => html`<div class=${`toast toast-${t.kind}`} key=${t.id} role=${t.kind === "error" ? "alert" : undefined}>
        <span>${t.text}</span>
        <button type="button" class="toast-close" aria-label="Dismiss message" onClick=${() => dismiss(t.id)}>×</button>
      </div>`,
    )}
  </div>`;
}

/** Re-renders every interval while mounted, for countdowns. */
export function useTick(ms = 250) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/** The countdown of the current step, "0:42", or nothing. */
export function Countdown({ live, className = "countdown" }) {
  useTick(250);
  const ms = remainingMs(live);
  if (ms == null) return null;
  const s = Math.ceil(ms / 1000);
  const text = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return html`<span class=${`${className}${s <= 10 ? " countdown-low" : ""}`} role="timer" aria-label=${`${s} seconds left`}>${text}</span>`;
}
