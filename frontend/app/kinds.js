// The kinds of step (docs/agenda.md), and which of them people vote on.

export const VOTING_KINDS = ["choice", "scale", "text"];

/** Whether people vote on a step of this kind (a choice, a scale, a text). */
export const isVoting = (kind) => VOTING_KINDS.includes(kind);

/** The letter of an option: 0 -> "A". */
export const letter = (i) => String.fromCharCode(65 + i);
