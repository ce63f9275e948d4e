// This browser's local storage, read and written one way: JSON values, and
// never an exception (private mode, a full quota or storage turned off leave
// the page working without it).

/** The value stored under key, or fallback when there is none or it is unreadable. */
export function load(key, fallback) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

/** Stores value under key; an empty object (or null, undefined) removes the key. */
export function save(key, value) {
  try {
    if (value == null || (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Private mode or a full quota: the page still works until the next reload.
  }
}

/** Removes keys. */
export function forget(...keys) {
  try {
    for (const key of keys) localStorage.removeItem(key);
  } catch {
    // Storage unavailable: nothing was stored.
  }
}
