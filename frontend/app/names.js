// What a session promises about names, in the words the phone shows. The
// host page offers the choice in these same words, and docs/protocol.md and
// docs/export.md quote them: a session's names are "hidden" (the default)
// or "visible", fixed when it is created, and every export keeps the promise.

export const NAMES_PROMISE = {
  hidden: "Your answers are anonymous. Your name only shows on your own phone.",
  visible: "Your name, and your role if you pick one, will be visible to the facilitator next to your answers.",
};

/** namesPromise is the sentence a phone shows for a session's names setting. */
export function namesPromise(names) {
  return names === "visible" ? NAMES_PROMISE.visible : NAMES_PROMISE.hidden;
}
