package diff

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// openRevision builds the project as it is at a git revision: the revision
// is checked out (detached, hooks off) into a temporary worktree of the
// repository the project directory is in, the project loaded from the same
// place inside it and built into a temporary folder. The worktree is removed
// again whatever happens.
func openRevision(rev string, o Options) (side *Side, err error) {
	notFound := fmt.Errorf("%s is not a project, build folder, archive or git revision", rev)
	if strings.HasPrefix(rev, "-") {
		return nil, notFound
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("%w (git is not installed)", notFound)
	}
	top, err := git(o.Dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%w (%s is not in a git repository)", notFound, o.Dir)
	}
	prefix, err := git(o.Dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, err
	}
	sha, err := git(o.Dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil || sha == "" {
		return nil, fmt.Errorf("%w%s", notFound, branchesHint(o.Dir))
	}
	tmp, err := os.MkdirTemp("", "bpfc-diff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	noHooks := filepath.Join(tmp, "hooks")
	if err := os.Mkdir(noHooks, 0o755); err != nil {
		return nil, err
	}
	wt := filepath.Join(tmp, "worktree")
	if _, err := git(top, "-c", "core.hooksPath="+noHooks, "worktree", "add", "--detach", "--quiet", wt, sha); err != nil {
		return nil, fmt.Errorf("%s: checking out: %w", rev, err)
	}
	defer func() {
		_, rmErr := git(top, "worktree", "remove", "--force", wt)
		_, _ = git(top, "worktree", "prune")
		if rmErr != nil && err == nil {
			err = fmt.Errorf("%s: removing the temporary worktree: %w", rev, rmErr)
		}
	}()
	label := rev
	if len(sha) >= 12 && !strings.HasPrefix(sha, rev) {
		label = rev + " (" + sha[:12] + ")"
	}
	dir := filepath.Join(wt, filepath.FromSlash(prefix))
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s: the project directory %s does not exist at this revision", label, prefix)
	}
	return openProject(label, FromRevision, rev+":"+prefix, dir)
}

// branchesHint names the repository's branches, so that a revision that is
// none (main where the default branch is master) says what there is.
func branchesHint(dir string) string {
	out, err := git(dir, "for-each-ref", "--format=%(refname:short)", "refs/heads")
	if err != nil || out == "" {
		return ""
	}
	names := strings.Fields(out)
	const most = 10
	more := ""
	if len(names) > most {
		names, more = names[:most], fmt.Sprintf(" and %d more", len(names)-most)
	}
	return " (the repository's branches: " + strings.Join(names, ", ") + more + ")"
}

// git runs git in dir and returns its trimmed standard output.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if err := cmd.Run(); err != nil {
		sub := args[0]
		if sub == "-c" && len(args) > 2 {
			sub = args[2]
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", fmt.Errorf("git %s: %w", sub, err)
		}
		return "", errors.New("git " + sub + ": " + msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}
