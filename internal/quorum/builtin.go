package quorum

import (
	"embed"
	"path"
	"sort"
	"strings"
)

//go:embed agendas/*.json
var builtinFiles embed.FS

// builtins are parsed once at start-up; a broken built-in is a bug, so it panics.
var builtins = loadBuiltins()

func loadBuiltins() map[string]*Agenda {
	entries, err := builtinFiles.ReadDir("agendas")
	if err != nil {
		panic(err)
	}
	out := map[string]*Agenda{}
	for _, e := range entries {
		data, err := builtinFiles.ReadFile(path.Join("agendas", e.Name()))
		if err != nil {
			panic(err)
		}
		a, err := ParseAgenda(data)
		if err != nil {
			panic("built-in agenda " + e.Name() + ": " + err.Error())
		}
		a.ID = strings.TrimSuffix(e.Name(), ".json")
		out[a.ID] = a
	}
	return out
}

// BuiltinAgendas lists the agendas that ship with Quorum, by id.
func BuiltinAgendas() []*Agenda {
	out := make([]*Agenda, 0, len(builtins))
	for _, a := range builtins {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// BuiltinAgenda returns a built-in agenda by id. Callers must not modify it;
// NewSession takes its own copy.
func BuiltinAgenda(id string) (*Agenda, error) {
	if a := builtins[id]; a != nil {
		return a, nil
	}
	return nil, Errorf(EAGENDANOTFOUND, "there is no built-in agenda %q", id)
}
