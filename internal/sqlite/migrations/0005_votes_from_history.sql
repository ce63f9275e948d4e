-- A vote is written once, to its history. A participant's current vote on a
-- step's round is the newest of its history that no reset has voided. Keeping
-- current votes in a table keyed by participant as well took a random page
-- per vote: half the bytes and the time of a commit of a few votes.
ALTER TABLE vote_history ADD COLUMN void INTEGER NOT NULL DEFAULT 0 CHECK (void IN (0, 1));

-- For the two statements below only.
CREATE INDEX vote_history_by_key ON vote_history (session_id, step, round, participant_id, id);

-- A current vote that is not the newest of its history (none should be) is
-- appended to it, so that no current vote changes.
INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at)
SELECT v.session_id, v.step, v.round, v.participant_id, v.num, v.text, v.msg_id, v.voted_at
FROM votes AS v
WHERE NOT EXISTS (
    SELECT 1 FROM vote_history AS h
    WHERE h.id = (
        SELECT max(n.id) FROM vote_history AS n
        WHERE n.session_id = v.session_id AND n.step = v.step AND n.round = v.round
            AND n.participant_id = v.participant_id)
        AND h.num = v.num AND h.text = v.text AND h.msg_id = v.msg_id AND h.voted_at = v.voted_at);

-- The history of a vote that a reset deleted, and that was not cast again,
-- is void.
UPDATE vote_history SET void = 1
WHERE NOT EXISTS (
    SELECT 1 FROM votes AS v
    WHERE v.session_id = vote_history.session_id AND v.step = vote_history.step
        AND v.round = vote_history.round AND v.participant_id = vote_history.participant_id);

DROP INDEX vote_history_by_key;
DROP TABLE votes;

-- The current votes, for counting them. Read it by session: SQLite then
-- reads only that session's history. Loading a session picks the newest votes
-- itself (loadVotes), which is faster than this view's window and sorts.
CREATE VIEW current_votes AS
SELECT session_id, step, round, participant_id, num, text, msg_id, voted_at
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY session_id, step, round, participant_id ORDER BY id DESC) AS newest
    FROM vote_history
    WHERE void = 0)
WHERE newest = 1;

-- What the votes table's foreign key made sure of: a vote's participant is
-- in its session.
CREATE TRIGGER vote_history_participant_in_session BEFORE INSERT ON vote_history
WHEN NOT EXISTS (SELECT 1 FROM participants WHERE session_id = NEW.session_id AND id = NEW.participant_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: the vote''s participant is not in its session');
END;
