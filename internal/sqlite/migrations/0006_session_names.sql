-- Who sees the names participants give, chosen when the session is created:
-- 'hidden' (answers are anonymous) or 'visible' (the facilitator sees names
-- next to answers). Sessions from before had phones that said "Your answers
-- stay anonymous either way", so they keep that promise: hidden.
ALTER TABLE sessions ADD COLUMN names TEXT NOT NULL DEFAULT 'hidden' CHECK (names IN ('hidden', 'visible'));
