package environ

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

func TestLocate(t *testing.T) {
	p := &compiler.Project{Dir: "/proj"}
	for _, tc := range []struct {
		store, want, display, err string
	}{
		{"", "/proj/.bpfc/dev.db", ".bpfc/dev.db", ""},
		{"sqlite://.bpfc/other.db", "/proj/.bpfc/other.db", ".bpfc/other.db", ""},
		{"sqlite:///var/lib/bpfc/dev.db", "/var/lib/bpfc/dev.db", "/var/lib/bpfc/dev.db", ""},
		{"postgres://bpfc:pa55word@db.example/bpfc", "", "", "PostgreSQL stores are not supported yet (store = \"postgres://bpfc:***@db.example/bpfc\")"},
		{"mysql://x", "", "", `unknown store "mysql://x"`},
	} {
		loc, err := Locate(p, &compiler.Environment{Name: "dev", Store: tc.store})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "pa55word") {
				t.Errorf("store %q: error %v, want %q", tc.store, err, tc.err)
			}
			continue
		}
		if err != nil || loc.Path != filepath.FromSlash(tc.want) || loc.Display != tc.display {
			t.Errorf("store %q: %+v, %v", tc.store, loc, err)
		}
	}
	if _, err := Locate(p, &compiler.Environment{Name: "far", URL: "http://10.0.0.5:8080"}); err == nil || !strings.Contains(err.Error(), "not supported yet") {
		t.Errorf("remote environment: %v", err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	p := &compiler.Project{Dir: dir, Environments: []*compiler.Environment{{Name: "dev"}}}
	ctx := context.Background()
	if _, _, err := Open(ctx, p, "dev", Options{MustExist: true}); !errors.Is(err, ErrNotCreated) {
		t.Errorf("MustExist on a new environment: %v", err)
	}
	s, loc, err := Open(ctx, p, "dev", Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.Meta(ctx)
	s.Close()
	if m.Name != "dev" || loc.Path != filepath.Join(dir, ".bpfc", "dev.db") {
		t.Errorf("opened %+v at %+v", m, loc)
	}
	if s, _, err := Open(ctx, p, "dev", Options{MustExist: true}); err != nil {
		t.Errorf("MustExist on an existing environment: %v", err)
	} else {
		s.Close()
	}
	if _, _, err := Open(ctx, p, "prod", Options{}); err == nil || !strings.Contains(err.Error(), "the project's environments are dev") {
		t.Errorf("unknown environment: %v", err)
	}
}
