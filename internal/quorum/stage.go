package quorum

import "time"

// This file lays a step out on the shared screen, a fixed 16:9 stage that
// nobody can scroll: what does not fit in one view is split into views the
// facilitator steps through (the profile, then who moved; the whole room,
// then the groups). The views follow from the agenda, the step's state, the
// settings and the answers, never from a browser's measurements, so that
// every screen of a session shows the same view and a reloaded screen comes
// back to it.

// View is what one view of a step's stage shows.
type View string

const (
	ViewStep    View = "step"    // the question or the text, before any results
	ViewResults View = "results" // the whole room's results
	ViewProfile View = "profile" // a page of the profile's dimensions
	ViewMoved   View = "moved"   // who moved from the first series to the next
	ViewGroups  View = "groups"  // a page of the results split by group
)

// How much one view holds; more goes on further views of the same kind.
const (
	GroupsPerView        = 4 // a scale or a choice of up to 4 options split by group
	WideGroupsPerView    = 2 // a choice of more options
	ProfileGroupsPerView = 2 // a profile split by group
	DimensionsPerView    = 5 // a profile's rows, for the whole room and for each group
)

// Views lists the views of step i's stage, in the order the facilitator
// steps through them; there is always at least one.
func (s *Session) Views(i int) []View {
	def, st := &s.Agenda.Steps[i], &s.Steps[i]
	if !st.Revealed || !(def.Kind.Votable() || def.Kind == KindProfile) {
		return []View{ViewStep}
	}
	var views []View
	switch def.Kind {
	case KindProfile:
		dims := dimensions(s.Profile().Entries)
		views = repeated(ViewProfile, pages(dims, DimensionsPerView))
		if len(s.SeriesShifts()) > 0 {
			views = append(views, ViewMoved)
		}
		if s.Settings.SplitByGroup {
			// Each pair of groups, on as many views as their rows need.
			n := pages(len(s.ProfileByGroup()), ProfileGroupsPerView) * pages(dims, DimensionsPerView)
			views = append(views, repeated(ViewGroups, n)...)
		}
	case KindText:
		// Text answers are never split: a small group's words would name it.
		views = []View{ViewResults}
	default:
		views = []View{ViewResults}
		if s.Settings.SplitByGroup {
			per := GroupsPerView
			if len(def.Options) > 4 {
				per = WideGroupsPerView
			}
			views = append(views, repeated(ViewGroups, pages(len(s.GroupsOf(i)), per))...)
		}
	}
	if len(views) == 0 {
		return []View{ViewResults}
	}
	return views
}

// Stage returns the views of step i's stage and the one it shows, from 0.
func (s *Session) Stage(i int) (views []View, view int) {
	views = s.Views(i)
	return views, min(s.Steps[i].View, len(views)-1)
}

// pages is how many views show n things, per on each.
func pages(n, per int) int { return (n + per - 1) / per }

// repeated is n views of v.
func repeated(v View, n int) []View {
	out := make([]View, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// dimensions counts the distinct dimensions of a profile.
func dimensions(entries []ProfileEntry) int {
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Dimension] = true
	}
	return len(seen)
}

// turn runs forward and back: the next (previous) view of the current step's
// stage while it has one, else the next (previous) step, which back enters
// on its last view.
func (s *Session) turn(forward bool, now time.Time, change *StateChange) error {
	st := &s.Steps[s.CurrentStep]
	if s.Status == StatusLive {
		views, view := s.Stage(s.CurrentStep)
		switch {
		case forward && view < len(views)-1:
			st.View = view + 1
			return nil
		case !forward && view > 0:
			st.View = view - 1
			return nil
		}
	}
	action := ActionPrev
	if forward {
		action = ActionNext
	}
	target, err := s.target(Command{Action: action})
	if err != nil {
		return err
	}
	if s.Status == StatusLobby {
		s.start(now)
	}
	change.Steps = s.moveTo(target, now)
	change.Event.Step = target
	if !forward {
		s.Steps[target].View = len(s.Views(target)) - 1
	}
	return nil
}
