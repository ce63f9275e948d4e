-- The schema of internal/sqlite as its migrations have left it, in
-- PostgreSQL's types. Times are kept to the millisecond, as SQLite keeps
-- them; NULL stands for "not yet" (a zero time.Time).

CREATE TABLE sessions (
    id              text PRIMARY KEY,
    code            text NOT NULL CHECK (length(code) = 8),
    title           text NOT NULL,
    agenda          text NOT NULL, -- the agenda JSON the session was created with
    status          text NOT NULL CHECK (status IN ('lobby', 'live', 'ended')),
    current_step    integer NOT NULL CHECK (current_step >= 0),
    host_key_hash   text NOT NULL,
    screen_key_hash text NOT NULL,
    created_at      timestamptz NOT NULL,
    started_at      timestamptz,
    ended_at        timestamptz,
    settings        text NOT NULL DEFAULT '{}' -- quorum.Settings as JSON
);

-- A join code names one session among those that have not ended; an ended
-- session keeps its code, which a new session may then take.
CREATE UNIQUE INDEX sessions_open_code ON sessions (code) WHERE status <> 'ended';
-- Tells "this session has ended" from "no such code".
CREATE INDEX sessions_ended_code ON sessions (code) WHERE status = 'ended';

CREATE TABLE step_states (
    session_id  text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step        integer NOT NULL CHECK (step >= 0),
    voting      text NOT NULL CHECK (voting IN ('pending', 'open', 'closed')),
    revealed    boolean NOT NULL,
    deadline    timestamptz,
    round       integer NOT NULL CHECK (round >= 1),
    auto_reveal text NOT NULL CHECK (auto_reveal IN ('', 'all-voted', 'timer')),
    PRIMARY KEY (session_id, step)
);

CREATE TABLE participants (
    id           text PRIMARY KEY,
    session_id   text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Not unique, and not indexed: a participant is found by token only
    -- within its session, which the server holds in memory.
    token_hash   text NOT NULL,
    name         text NOT NULL,
    segment      text NOT NULL, -- '' when the participant chose no group
    joined_at    timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    -- A proxy is a participant without a phone whose votes the facilitator enters.
    proxy        boolean NOT NULL,
    -- Loads a session's participants, and finds a vote's participant in its
    -- session (vote_history_participant_in_session).
    UNIQUE (session_id, id)
);

-- Every accepted vote, in order. A participant's current vote on a step's
-- round is the newest of its history that no reset has voided.
CREATE TABLE vote_history (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id     text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step           integer NOT NULL,
    round          integer NOT NULL,
    participant_id text NOT NULL, -- checked by vote_history_participant_in_session
    num            integer NOT NULL,
    text           text NOT NULL,
    msg_id         text NOT NULL,
    voted_at       timestamptz NOT NULL,
    void           boolean NOT NULL DEFAULT false
);

-- Keyed by session only, so that appends land on the last pages.
CREATE INDEX vote_history_by_session ON vote_history (session_id);

-- A vote's participant must be in its session. A trigger, not a foreign key
-- to participants (session_id, id): deleting a session would then look up the
-- history once per participant, through an index by session, where the
-- cascade from sessions deletes it in one statement.
CREATE FUNCTION vote_history_participant_in_session() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM participants WHERE session_id = NEW.session_id AND id = NEW.participant_id) THEN
        RAISE foreign_key_violation USING MESSAGE = format(
            'the vote''s participant %s is not in its session %s', NEW.participant_id, NEW.session_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER vote_history_participant_in_session BEFORE INSERT ON vote_history
FOR EACH ROW EXECUTE FUNCTION vote_history_participant_in_session();

-- The current votes. Read it by session: the condition on session_id goes
-- into the DISTINCT ON, which then reads that session's history only.
CREATE VIEW current_votes AS
SELECT DISTINCT ON (session_id, step, round, participant_id)
    session_id, step, round, participant_id, num, text, msg_id, voted_at
FROM vote_history
WHERE NOT void
ORDER BY session_id, step, round, participant_id, id DESC;

-- The state history: every facilitator command, in order.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    action     text NOT NULL,
    step       integer NOT NULL
);

CREATE INDEX events_by_session ON events (session_id);

-- Agendas saved on the server from the editor. A session keeps its own copy
-- of its agenda in sessions.agenda.
CREATE TABLE agendas (
    id         text PRIMARY KEY,
    title      text NOT NULL,
    agenda     text NOT NULL, -- the agenda JSON, validated before it is saved
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL -- the list shows the last edited first
);
