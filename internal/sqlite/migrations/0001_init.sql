-- Times are unix milliseconds; NULL stands for "not yet" (a zero time.Time).
-- Tables are STRICT so that a value of the wrong type is an error, not a
-- silent conversion.

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL CHECK (length(code) = 8),
    title           TEXT NOT NULL,
    agenda          TEXT NOT NULL, -- the agenda JSON the session was created with
    status          TEXT NOT NULL CHECK (status IN ('lobby', 'live', 'ended')),
    current_step    INTEGER NOT NULL CHECK (current_step >= 0),
    host_key_hash   TEXT NOT NULL,
    screen_key_hash TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    ended_at        INTEGER
) STRICT;

-- A join code names one session among those that have not ended; an ended
-- session keeps its code, which a new session may then take.
CREATE UNIQUE INDEX sessions_open_code ON sessions (code) WHERE status <> 'ended';
-- Tells "this session has ended" from "no such code".
CREATE INDEX sessions_ended_code ON sessions (code) WHERE status = 'ended';

CREATE TABLE step_states (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step       INTEGER NOT NULL CHECK (step >= 0),
    voting     TEXT NOT NULL CHECK (voting IN ('pending', 'open', 'closed')),
    revealed   INTEGER NOT NULL CHECK (revealed IN (0, 1)),
    deadline   INTEGER,
    PRIMARY KEY (session_id, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE participants (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    segment      TEXT NOT NULL, -- '' when the participant chose no group
    joined_at    INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- Loads a session's participants, and is the parent key of the votes'
    -- foreign key, which makes sure a vote's participant is in its session.
    UNIQUE (session_id, id)
) STRICT;

-- A participant's current vote per step; the tallies are rebuilt from it.
CREATE TABLE votes (
    session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step           INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    num            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    msg_id         TEXT NOT NULL,
    voted_at       INTEGER NOT NULL,
    PRIMARY KEY (session_id, step, participant_id),
    FOREIGN KEY (session_id, participant_id) REFERENCES participants (session_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Every accepted vote change, in order, never updated: who changed their mind
-- and when. A reset deletes current votes but not their history.
CREATE TABLE vote_history (
    -- A rowid alias: it grows with every append. AUTOINCREMENT would also
    -- rule out reuse after deletes, at the cost of a write per insert.
    id             INTEGER PRIMARY KEY,
    session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step           INTEGER NOT NULL,
    participant_id TEXT NOT NULL, -- checked by the votes row written with it
    num            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    msg_id         TEXT NOT NULL,
    voted_at       INTEGER NOT NULL
) STRICT;

-- Keyed by session only, so that appends land on the last page: an index by
-- participant would dirty a page per vote.
CREATE INDEX vote_history_by_session ON vote_history (session_id);

-- The state history: every facilitator command, in order.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    step       INTEGER NOT NULL
) STRICT;

CREATE INDEX events_by_session ON events (session_id);
