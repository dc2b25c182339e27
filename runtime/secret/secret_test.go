package secret

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func noEnv(string) string { return "" }

func TestKeyFileCreatedOnFirstSeal(t *testing.T) {
	dir := t.TempDir()
	k := NewKeyring(dir, noEnv)
	path := filepath.Join(dir, KeyFile)
	if _, err := os.Stat(path); err == nil {
		t.Fatal("key file exists before first use")
	}
	sealed, err := k.Seal("hunter2", "dev/cts_key")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", info.Mode().Perm())
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Error("the sealed value contains the clear text")
	}
	// A new keyring (another process) opens it with the same file.
	got, err := NewKeyring(dir, noEnv).Open(sealed, "dev/cts_key")
	if err != nil || got != "hunter2" {
		t.Errorf("Open = %q, %v", got, err)
	}
	// Bound to its place.
	if _, err := NewKeyring(dir, noEnv).Open(sealed, "prod/cts_key"); err == nil {
		t.Error("a value sealed for dev opened for prod")
	}
}

func TestEnvKey(t *testing.T) {
	dir := t.TempDir()
	key := hex.EncodeToString(bytes.Repeat([]byte{7}, 32))
	env := func(k string) string {
		if k == EnvKey {
			return key
		}
		return ""
	}
	sealed, err := NewKeyring(dir, env).Seal("s3cret", "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
		t.Error("a key file was created although BPFC_SECRET_KEY is set")
	}
	if got, err := NewKeyring(dir, env).Open(sealed, "a"); err != nil || got != "s3cret" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := NewKeyring(dir, noEnv).Open(sealed, "a"); err == nil {
		t.Error("opened without the key")
	}
	bad := func(string) string { return "short" }
	if _, err := NewKeyring(dir, bad).Seal("x", "a"); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Errorf("bad key: %v", err)
	}
}

func TestKeyFileReadableByOthersRefused(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewKeyring(dir, noEnv).Seal("x", "a"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, KeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewKeyring(dir, noEnv).Seal("x", "a"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: %v", err)
	}
}

// TestKeyFileFoundAfterFailedOpen: a keyring that found no key file (a
// server checking its secrets at start) reads the file a deploy through
// the server creates later, where it kept the first failure until the
// process restarted and every webhook job failed.
func TestKeyFileFoundAfterFailedOpen(t *testing.T) {
	dir := t.TempDir()
	server := NewKeyring(dir, noEnv)
	if _, err := server.Open([]byte{version}, "dev/cts_key"); err == nil {
		t.Fatal("opened a value with no key file")
	}
	sealed, err := NewKeyring(dir, noEnv).Seal("hunter2", "dev/cts_key") // the deploy's keyring
	if err != nil {
		t.Fatal(err)
	}
	if got, err := server.Open(sealed, "dev/cts_key"); err != nil || got != "hunter2" {
		t.Errorf("Open after the key file was created = %q, %v", got, err)
	}
}

// TestSealAfterOpenWithoutKey: an Open before any key exists (comparing a
// value with one the environment kept, say) fails, and a Seal by the same
// keyring after it still creates the key: the missing file is not kept as
// the keyring's outcome.
func TestSealAfterOpenWithoutKey(t *testing.T) {
	dir := t.TempDir()
	k := NewKeyring(dir, noEnv)
	if _, err := k.Open([]byte{version}, "dev/cts_key"); err == nil {
		t.Fatal("Open without a key succeeded")
	}
	sealed, err := k.Seal("hunter2", "dev/cts_key")
	if err != nil {
		t.Fatalf("Seal after an Open without a key: %v", err)
	}
	if got, err := k.Open(sealed, "dev/cts_key"); err != nil || got != "hunter2" {
		t.Errorf("Open = %q, %v", got, err)
	}
}

// TestConcurrentKeyCreation: keyrings of several processes sealing at once
// with no key file all end up with the one key; the ones that lose the
// race to create it never read a key file that is still being written
// (empty, "the key must be 32 bytes").
func TestConcurrentKeyCreation(t *testing.T) {
	for round := 0; round < 50; round++ {
		dir := t.TempDir()
		const n = 8
		sealed := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				sealed[i], errs[i] = NewKeyring(dir, noEnv).Seal("hunter2", "dev/cts_key")
			}(i)
		}
		wg.Wait()
		for i := 0; i < n; i++ {
			if errs[i] != nil {
				t.Fatalf("round %d: keyring %d: %v", round, i, errs[i])
			}
			// Every value opens with the key file left behind: one key won.
			if got, err := NewKeyring(dir, noEnv).Open(sealed[i], "dev/cts_key"); err != nil || got != "hunter2" {
				t.Fatalf("round %d: value %d: Open = %q, %v", round, i, got, err)
			}
		}
		entries, err := os.ReadDir(filepath.Dir(filepath.Join(dir, KeyFile)))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("round %d: .bpfc holds %v, want only the key file", round, names)
		}
	}
}
