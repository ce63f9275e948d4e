-- Agendas saved on the server from the editor (/host/agendas). A session
-- keeps its own copy of its agenda in sessions.agenda, so editing or deleting
-- a saved agenda never changes a session created from it.

CREATE TABLE agendas (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    agenda     TEXT NOT NULL, -- the agenda JSON, validated before it is saved
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL  -- the list shows the last edited first
) STRICT;
