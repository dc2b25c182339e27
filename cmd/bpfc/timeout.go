package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// timeoutFlag adds --timeout to a command that imports or plans through
// a remote environment's server: a CI step bounds its wait for a server
// that took the connection and never answers, where the client's own
// limits (15 minutes for an import, a plan or an export, 2 for the rest)
// are long.
func timeoutFlag(cmd *cobra.Command, s *string) {
	cmd.Flags().StringVar(s, "timeout", "", "give up on a remote environment's server (url = …) that has not answered a request within `DURATION` (30s, 5m; "+
		"default 15m for an import, 2m for other requests); a local environment's store bounds its own waits")
}

// parseTimeout reads --timeout: 0 when it is not given, else a positive
// duration; anything else is a usage error naming the command.
func parseTimeout(command, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, usageErr("%s: --timeout %q is not a positive duration: write a number with its unit (30s, 5m, 1h30m)", command, s)
	}
	return d, nil
}
