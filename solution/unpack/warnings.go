package unpack

import "fmt"

// Warning is something of the solution that the bpfc project does not
// express, or expresses by an assumption to check: the component it is
// about ("flow \"Package Review Process\"", "table bac_package", ...), the
// file or archive entry it comes from, and what was done.
type Warning struct {
	Component string `json:"component"`
	File      string `json:"file"`
	Message   string `json:"message"`
	// Flavour: the warning is only that the archive is managed, which the
	// project does not say (it builds both); nothing of the flows is lost,
	// so a comparison of two archives need not list it.
	Flavour bool `json:"-"`
	// LeftOutVariable: the schema name of an environment variable of the
	// archive that the project left out (a data source, say): a deployment
	// settings file pac wrote for the archive names it.
	LeftOutVariable string `json:"-"`
	// CurrentValue: the warning is only that the project does not keep a
	// current value the archive ships; an import of the archive applies it.
	CurrentValue bool `json:"-"`
}

func (w Warning) String() string {
	s := w.Component
	if w.File != "" {
		s += " (" + w.File + ")"
	}
	return s + ": " + w.Message
}

// warnings collects warnings in the order found, without duplicates.
type warnings struct {
	list []Warning
	seen map[Warning]bool
}

func (w *warnings) add(component, file, format string, args ...any) {
	w.put(Warning{Component: component, File: file, Message: fmt.Sprintf(format, args...)})
}

func (w *warnings) put(x Warning) {
	if w.seen == nil {
		w.seen = map[Warning]bool{}
	}
	if w.seen[x] {
		return
	}
	w.seen[x] = true
	w.list = append(w.list, x)
}
