-- Rounds: a step can be asked again after a discussion, and each round's
-- votes are kept apart. The votes table gets the round in its key, which
-- SQLite can only do by building the table anew.
CREATE TABLE votes_by_round (
    session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step           INTEGER NOT NULL,
    round          INTEGER NOT NULL CHECK (round >= 1),
    participant_id TEXT NOT NULL,
    num            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    msg_id         TEXT NOT NULL,
    voted_at       INTEGER NOT NULL,
    PRIMARY KEY (session_id, step, round, participant_id),
    FOREIGN KEY (session_id, participant_id) REFERENCES participants (session_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

INSERT INTO votes_by_round (session_id, step, round, participant_id, num, text, msg_id, voted_at)
    SELECT session_id, step, 1, participant_id, num, text, msg_id, voted_at FROM votes;
DROP TABLE votes;
ALTER TABLE votes_by_round RENAME TO votes;

ALTER TABLE vote_history ADD COLUMN round INTEGER NOT NULL DEFAULT 1;

ALTER TABLE step_states ADD COLUMN round INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1);
-- '' (the facilitator reveals), 'all-voted' or 'timer'.
ALTER TABLE step_states ADD COLUMN auto_reveal TEXT NOT NULL DEFAULT '' CHECK (auto_reveal IN ('', 'all-voted', 'timer'));

-- A proxy is a participant without a phone whose votes the facilitator enters.
ALTER TABLE participants ADD COLUMN proxy INTEGER NOT NULL DEFAULT 0 CHECK (proxy IN (0, 1));

-- The session's settings as a JSON object (quorum.Settings).
ALTER TABLE sessions ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
