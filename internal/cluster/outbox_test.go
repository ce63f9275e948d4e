package cluster

import (
	"strings"
	"testing"
)

// An outbox puts a node's entries in as few messages as it can, and never
// lets an entry pass another that the same node hears: entries for one
// node gather between two for everyone, and those for everyone gather
// between two for a node.
func TestOutboxGroupsWithoutReordering(t *testing.T) {
	o := newOutbox(&Node{id: "n1-abc"}, "out", 3)
	var queued []outgoing
	for _, q := range []struct{ subject, op string }{
		{"out.n2", "a"}, {"out.n3", "b"}, {"out.n2", "c"},
		{"out", "d"}, {"out", "e"},
		{"out.n3", "f"}, {"out.n2", "g"}, {"out.n3", "h"},
		{"out", "i"},
	} {
		queued = append(queued, outgoing{q.subject, entry{op: q.op}})
	}
	var got []string
	for _, m := range o.messages(queued, 3) {
		entries, err := decodeEntries(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		var ops []string
		for _, e := range entries {
			ops = append(ops, e.op)
		}
		if epochOf(m) != 3 || m.Header.Get(hdrOp) != opBatch {
			t.Errorf("message to %s: epoch %d, op %q; want 3, %q", m.Subject, epochOf(m), m.Header.Get(hdrOp), opBatch)
		}
		got = append(got, m.Subject+":"+strings.Join(ops, ""))
	}
	want := "out.n2:ac out.n3:b out:de out.n3:fh out.n2:g out:i"
	if strings.Join(got, " ") != want {
		t.Errorf("messages %q, want %q", strings.Join(got, " "), want)
	}
}
