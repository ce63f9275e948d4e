-- The participants' token hash loses its UNIQUE index. A participant is found
-- by token only within its session, which the server holds in memory, and
-- tokens are unique by construction (32 random bytes, or SHA-256 of the
-- session id and a phone's own secret). The index took a random page per
-- join: without it a join burst writes a third of the bytes.
--
-- SQLite drops a constraint only by building the table anew. The migration
-- runs with foreign keys off, so dropping the old table deletes no votes;
-- the votes' references then name the new table.
CREATE TABLE participants_new (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL,
    name         TEXT NOT NULL,
    segment      TEXT NOT NULL, -- '' when the participant chose no group
    joined_at    INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- A proxy is a participant without a phone whose votes the facilitator enters.
    proxy        INTEGER NOT NULL DEFAULT 0 CHECK (proxy IN (0, 1)),
    -- Loads a session's participants, and is the parent key of the votes'
    -- foreign key, which makes sure a vote's participant is in its session.
    UNIQUE (session_id, id)
) STRICT;

INSERT INTO participants_new (id, session_id, token_hash, name, segment, joined_at, last_seen_at, proxy)
    SELECT id, session_id, token_hash, name, segment, joined_at, last_seen_at, proxy FROM participants;
DROP TABLE participants;
ALTER TABLE participants_new RENAME TO participants;
