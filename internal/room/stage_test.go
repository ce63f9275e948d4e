package room

import (
	"slices"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// TestStateCarriesTheStage: hosts and screens hear the views of the current
// step's stage and the one shown; phones, which show no stage, do not.
func TestStateCarriesTheStage(t *testing.T) {
	r := revealedRoom(t, 6)
	split := quorum.DefaultSettings()
	split.SplitByGroup, split.MinGroupSize = true, 1
	now := time.Now()
	for _, cmd := range []quorum.Command{{Action: quorum.ActionSettings, Settings: &split}, {Action: quorum.ActionForward}} {
		if _, err := r.session.Do(cmd, now); err != nil {
			t.Fatal(err)
		}
	}
	want := []quorum.View{quorum.ViewResults, quorum.ViewGroups}
	for _, role := range []Role{RoleHost, RoleScreen} {
		step := r.stateFor(role, now).Step
		if !slices.Equal(step.Views, want) || step.View != 1 {
			t.Errorf("%s: views %v, view %d; want %v, view 1", role, step.Views, step.View, want)
		}
	}
	if step := r.stateFor(RoleParticipant, now).Step; step.Views != nil || step.View != 0 {
		t.Errorf("participant: views %v, view %d; want none", step.Views, step.View)
	}
}
