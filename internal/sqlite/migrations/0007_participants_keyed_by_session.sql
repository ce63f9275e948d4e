-- Participants are kept in one B-tree keyed by (session_id, id) instead of a
-- rowid table with two indexes (id, and (session_id, id)). Every query names
-- the session, and ids are time-ordered (UUIDv7), so a join burst appends to
-- the end of one tree: a commit of a batch of joins writes a third of the
-- pages it did, and a join burst spends less in the store.
--
-- SQLite changes a table's key only by building the table anew, with foreign
-- keys off (see 0004); the votes' references then name the new table. The
-- trigger of 0005 names the table too: it is dropped first and made again.

CREATE TABLE participants_new (
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    name         TEXT NOT NULL,
    segment      TEXT NOT NULL, -- '' when the participant chose no group
    joined_at    INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- A proxy is a participant without a phone whose votes the facilitator enters.
    proxy        INTEGER NOT NULL DEFAULT 0 CHECK (proxy IN (0, 1)),
    -- Loads a session's participants, and is the parent key of the votes'
    -- foreign key, which makes sure a vote's participant is in its session.
    PRIMARY KEY (session_id, id)
) STRICT, WITHOUT ROWID;

DROP TRIGGER vote_history_participant_in_session;

INSERT INTO participants_new (session_id, id, token_hash, name, segment, joined_at, last_seen_at, proxy)
    SELECT session_id, id, token_hash, name, segment, joined_at, last_seen_at, proxy FROM participants;
DROP TABLE participants;
ALTER TABLE participants_new RENAME TO participants;

CREATE TRIGGER vote_history_participant_in_session BEFORE INSERT ON vote_history
WHEN NOT EXISTS (SELECT 1 FROM participants WHERE session_id = NEW.session_id AND id = NEW.participant_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: the vote''s participant is not in its session');
END;
