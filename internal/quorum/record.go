package quorum

import "time"

// Record is one change the store must make durable. A room collects the
// records of a batch of work and commits them together, in order, before it
// announces any of them.
type Record interface{ isRecord() }

// JoinRecord adds a participant.
type JoinRecord struct{ Participant Participant }

// VoteRecord inserts or replaces a participant's vote on a step.
type VoteRecord struct{ Vote Vote }

// SeenRecord moves a participant's last-seen time forward.
type SeenRecord struct {
	SessionID     string
	ParticipantID string
	At            time.Time
}

// StepStateAt is one step's state with its index.
type StepStateAt struct {
	Index int
	State StepState
}

// StateRecord saves the session-level state after a facilitator command,
// the step states it changed, and the command in the state history.
type StateRecord struct {
	SessionID   string
	Status      Status
	CurrentStep int
	StartedAt   time.Time
	EndedAt     time.Time
	Steps       []StepStateAt
	Event       Event
	// ResetStep deletes every vote of Event.Step's round ResetRound before
	// the rest is saved.
	ResetStep  bool
	ResetRound int
	// Settings, when set, replace the session's settings.
	Settings *Settings
}

// RecordSession is the id of the session a record belongs to.
func RecordSession(rec Record) string {
	switch r := rec.(type) {
	case JoinRecord:
		return r.Participant.SessionID
	case VoteRecord:
		return r.Vote.SessionID
	case SeenRecord:
		return r.SessionID
	case StateRecord:
		return r.SessionID
	}
	return ""
}

func (JoinRecord) isRecord()  {}
func (VoteRecord) isRecord()  {}
func (SeenRecord) isRecord()  {}
func (StateRecord) isRecord() {}

// Record returns what the store must save for change.
func (s *Session) Record(change *StateChange) StateRecord {
	rec := StateRecord{
		SessionID:   s.ID,
		Status:      s.Status,
		CurrentStep: s.CurrentStep,
		StartedAt:   s.StartedAt,
		EndedAt:     s.EndedAt,
		Event:       change.Event,
		ResetStep:   change.ResetStep,
		Settings:    change.Settings,
	}
	if change.ResetStep {
		rec.ResetRound = s.Steps[change.Event.Step].Round
	}
	for _, i := range change.Steps {
		rec.Steps = append(rec.Steps, StepStateAt{Index: i, State: s.Steps[i]})
	}
	return rec
}

// Deleted says what deleting a session removed.
type Deleted struct {
	Session      string `json:"session"`
	Participants int    `json:"participants"`
	Votes        int    `json:"votes"`
	Events       int    `json:"events"`
}
