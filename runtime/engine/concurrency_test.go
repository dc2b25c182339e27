package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// concurrentCase starts a phone to case instance and moves it to research.
func concurrentCase(t *testing.T) (*env, string) {
	p := release(t, "sales")
	v := open(t, p, "dev")
	acct := v.create(v.admin(), "account", Values{"name": "Fabrikam"}, StartOptions{})
	c := v.create(v.admin(), "incident", Values{"title": "Broken", "customerid": acct.ID}, StartOptions{Flow: "phone_to_case"})
	v.must(v.admin().Next(v.ctx, c.Instance.ID, MoveOptions{}))
	return v, c.Instance.ID
}

// TestConcurrentMovesOneWinner: goroutines that all read the instance, then
// all move it from what they read: exactly one move applies, every other
// one gets a conflict, and the instance moved once.
func TestConcurrentMovesOneWinner(t *testing.T) {
	v, id := concurrentCase(t)
	const n = 8
	var read, wg sync.WaitGroup
	read.Add(n)
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := v.as("admin")
			in, err := s.Instance(v.ctx, id)
			read.Done()
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			_, errs[i] = s.Next(v.ctx, id, MoveOptions{IfVersion: in.Version})
		}()
	}
	read.Wait()
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		var c *ConflictError
		switch {
		case err == nil:
			won++
		case errors.As(err, &c) && errors.Is(err, ErrConflict):
			if want := fmt.Sprintf("instance %s was changed by someone else (version 2, now 3): read it again and retry", id); err.Error() != want {
				t.Errorf("conflict message %q, want %q", err, want)
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d moves applied, want exactly 1", won)
	}
	in := v.show(id)
	if in.ActiveStage != "resolve" || in.Version != 3 || len(in.Visits) != 3 || strings.Join(in.TraversedPath, ">") != "identify>research>resolve" {
		t.Errorf("after the race: %+v", in)
	}
}

// TestConcurrentMovesNeverLost: goroutines moving one instance back and
// forth without a version each either apply to the state they read or get
// a conflict (or a refusal of that state); no move is lost or interleaved:
// the row version, the traversed path and the stage log all count the same
// moves.
func TestConcurrentMovesNeverLost(t *testing.T) {
	v, id := concurrentCase(t)
	const workers, rounds = 4, 15
	var mu sync.Mutex
	applied, conflicts := 0, 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := v.as("admin")
			for r := range rounds {
				move := s.Next
				if (w+r)%2 == 1 {
					move = s.Prev
				}
				_, err := move(v.ctx, id, MoveOptions{})
				var ref *ErrRefused
				mu.Lock()
				switch {
				case err == nil:
					applied++
				case errors.Is(err, ErrConflict):
					conflicts++
				case errors.As(err, &ref) && (ref.Rule == RuleLastStage || ref.Rule == RuleFirstStage):
				default:
					t.Errorf("unexpected error: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	in := v.show(id)
	t.Logf("%d moves applied, %d conflicts", applied, conflicts)
	if in.Version != int64(2+applied) {
		t.Errorf("row version %d after %d moves, want %d", in.Version, applied, 2+applied)
	}
	if len(in.Visits) != 2+applied {
		t.Errorf("%d stage visits after %d moves, want %d", len(in.Visits), applied, 2+applied)
	}
	// Replaying the log gives the traversed path; each visit starts when
	// the one before it ends; only the last one is open.
	var path []string
	for i, vi := range in.Visits {
		switch vi.EnteredHow {
		case "prev":
			path = path[:len(path)-1]
		default:
			path = append(path, vi.Stage)
		}
		last := i == len(in.Visits)-1
		if (vi.LeftOn == nil) != last {
			t.Errorf("visit %d open = %t", i, vi.LeftOn == nil)
		}
		if !last && !vi.LeftOn.Equal(in.Visits[i+1].EnteredOn) {
			t.Errorf("visit %d left %v, the next one began %v", i, vi.LeftOn, in.Visits[i+1].EnteredOn)
		}
	}
	if strings.Join(path, ">") != strings.Join(in.TraversedPath, ">") || path[len(path)-1] != in.ActiveStage {
		t.Errorf("the log replays to %v; the instance has %v at %s", path, in.TraversedPath, in.ActiveStage)
	}
}
