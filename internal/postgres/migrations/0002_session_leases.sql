-- Which node owns a session in a cluster: one row per session, timed by the
-- database's clock. A node takes a free or expired lease by raising the
-- epoch, and every commit it makes checks, in its own transaction, that the
-- lease is still its own with that epoch (fence_session): an owner that was
-- paused, partitioned or replaced can never commit.
CREATE TABLE session_leases (
    session_id  text PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    owner_node  text NOT NULL,
    epoch       bigint NOT NULL CHECK (epoch >= 1),
    lease_until timestamptz NOT NULL
);

-- Fails the transaction, with SQLSTATE QR001, unless node holds the lease of
-- the session with epoch. The row stays locked until the transaction ends,
-- so that nobody takes the lease over between the check and the commit.
CREATE FUNCTION fence_session(p_session text, p_node text, p_epoch bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM session_leases
    WHERE session_id = p_session AND owner_node = p_node AND epoch = p_epoch AND lease_until > now()
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'node % does not hold the lease of session % with epoch %', p_node, p_session, p_epoch
            USING ERRCODE = 'QR001';
    END IF;
END
$$;
