package room

import (
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// maxWords bounds a word cloud on the wire; the tally keeps every answer.
const maxWords = 100

// stateFor builds the full state as role may see it. A phone does not need
// the waiting count, and computing it for each of thousands of attaching
// phones would cost a pass over the room each.
func (r *Room) stateFor(role Role, now time.Time) *StateMsg {
	return r.stateWith(role, now, r.counts(role != RoleParticipant))
}

// stateWith builds the state with counts computed once for every role of a
// broadcast.
func (r *Room) stateWith(role Role, now time.Time, counts Counts) *StateMsg {
	s := r.session
	msg := &StateMsg{
		Type: "state",
		Session: SessionView{
			ID:          s.ID,
			Code:        s.Code,
			CodeDisplay: quorum.FormatJoinCode(s.Code),
			Title:       s.Title,
			Status:      s.Status,
			CurrentStep: s.CurrentStep,
			StepCount:   len(s.Steps),
			Segments:    s.Agenda.Segments,
			Names:       s.Names,
			Settings:    s.Settings,
		},
		Counts: counts,
	}
	if role != RoleParticipant && r.rooms.cfg.JoinURL != nil {
		msg.Session.JoinURL = r.rooms.cfg.JoinURL(s.Code)
	}
	if s.Status != quorum.StatusLobby || role == RoleHost {
		msg.Step = stepView(s, s.CurrentStep, role, now)
		msg.Results = r.resultsFor(role)
	}
	if role == RoleHost {
		msg.Session.Owner = r.rooms.cfg.NodeID
		msg.Steps = make([]StepBrief, len(s.Steps))
		for i := range s.Steps {
			def := &s.Agenda.Steps[i]
			msg.Steps[i] = StepBrief{Kind: def.Kind, Title: def.Title, Voting: s.Steps[i].Voting, Revealed: s.Steps[i].Revealed, Votes: s.Tally(i).N, Round: s.Steps[i].Round}
		}
		for _, p := range s.Proxies() {
			msg.Proxies = append(msg.Proxies, ProxyView{ID: p.ID, Name: p.Name})
		}
	}
	return msg
}

func stepView(s *quorum.Session, i int, role Role, now time.Time) *StepView {
	def, st := &s.Agenda.Steps[i], s.Steps[i]
	v := &StepView{
		Index:      i,
		Kind:       def.Kind,
		Title:      def.Title,
		Body:       def.Body,
		Options:    def.Options,
		Left:       def.Left,
		Right:      def.Right,
		Points:     def.Points,
		Dimension:  def.Dimension,
		Series:     def.Series,
		Voting:     st.Voting,
		Revealed:   st.Revealed,
		Round:      st.Round,
		AutoReveal: st.AutoReveal,
	}
	if def.Kind == quorum.KindText {
		v.MaxLength = def.TextLimit()
	}
	if role == RoleHost {
		v.Notes = def.Notes
	}
	if role != RoleParticipant {
		v.Views, v.View = s.Stage(i)
	}
	if !st.Deadline.IsZero() {
		deadline := st.Deadline.UTC()
		v.Deadline = &deadline
		v.RemainingMs = max(0, st.Deadline.Sub(now).Milliseconds())
	}
	return v
}

// resultsFor returns the current step's results if role may see them: the
// host always, everyone else only once the step is revealed.
func (r *Room) resultsFor(role Role) *ResultsView {
	s := r.session
	if role != RoleHost && !s.Steps[s.CurrentStep].Revealed {
		return nil
	}
	return resultsView(s, s.CurrentStep)
}

func resultsView(s *quorum.Session, i int) *ResultsView {
	def, t := &s.Agenda.Steps[i], s.Tally(i)
	v := &ResultsView{Step: i, Kind: def.Kind, N: t.N}
	if round := s.Steps[i].Round; round > 1 {
		v.Round = round
	}
	split := s.Settings.SplitByGroup
	switch def.Kind {
	case quorum.KindChoice:
		v.Counts = append([]int(nil), t.Counts...)
		v.Correct = def.Correct
	case quorum.KindScale:
		v.Counts = append([]int(nil), t.Counts...)
		mean, sd := t.Mean(), t.StdDev()
		v.Mean, v.StdDev = &mean, &sd
		v.Shifts = s.RoundShifts(i)
		if def.Dimension != "" {
			// The profile so far, so that it builds up as its scales are answered.
			p := s.Profile()
			v.Profile, v.Gaps = p.Entries, p.Gaps
		}
	case quorum.KindText:
		v.Words = t.Words(maxWords)
		split = false // a word list per group would name small groups' words
	case quorum.KindProfile:
		p := s.Profile()
		v.Profile, v.Gaps = p.Entries, p.Gaps
		v.Shifts = s.SeriesShifts()
		if split {
			v.ProfileGroups = s.ProfileByGroup()
		}
		return v
	default:
		return nil
	}
	if split {
		for _, g := range s.GroupsOf(i) {
			gv := GroupView{Group: g.Group, Pooled: g.Pooled, Hidden: g.Hidden}
			if !g.Hidden {
				gv.N = g.Tally.N
				gv.Counts = g.Tally.Counts
				if def.Kind == quorum.KindScale {
					mean := g.Tally.Mean()
					gv.Mean = &mean
				}
			}
			v.Groups = append(v.Groups, gv)
		}
	}
	return v
}

func (r *Room) counts(withNotVoted bool) Counts {
	s := r.session
	c := Counts{Joined: s.Joined(), Connected: len(r.present)}
	if s.Status == quorum.StatusLive {
		c.Voted = s.Tally(s.CurrentStep).N
		if withNotVoted {
			c.NotVoted = r.notVoted()
		}
	}
	return c
}

// notVoted counts the connected participants without a vote on the current
// step's round; on a step without votes, nobody is waited for.
func (r *Room) notVoted() int {
	s := r.session
	if !s.Current().Kind.Votable() {
		return 0
	}
	n := 0
	for id := range r.present {
		if _, ok := s.VoteOf(s.CurrentStep, id); !ok {
			n++
		}
	}
	return n
}
