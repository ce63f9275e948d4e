// The kinds of step (docs/agenda.md), and which of them people vote on.

export const VOTING_KINDS = ["choice", "scale", "text"];

/** Whether people vote on a step of this kind (a choice, a scale, a text). */
export const isVoting = (kind) => VOTING_KINDS.includes(kind);

/** The letter of an option: 0 -> "A". */
export const letter = (i) => String.fromCharCode(65 + i);

/** What each view of the shared screen's stage shows (docs/protocol.md, "The stage"). */
export const VIEW_LABELS = { results: "Whole room", profile: "Profile", moved: "Who moved", groups: "By group" };
