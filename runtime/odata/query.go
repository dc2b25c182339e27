package odata

import (
	"fmt"
	"strconv"
	"strings"
)

// Order is one $orderby term.
type Order struct {
	Column string
	Desc   bool
}

// ParseOrderBy parses "name desc, createdon".
func ParseOrderBy(s string) ([]Order, error) {
	var out []Order
	for i, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 || !isName(f[0]) {
			return nil, fmt.Errorf("$orderby term %d %q: expected a property name, optionally followed by asc or desc", i+1, strings.TrimSpace(part))
		}
		o := Order{Column: f[0]}
		if len(f) == 2 {
			switch strings.ToLower(f[1]) {
			case "asc":
			case "desc":
				o.Desc = true
			default:
				return nil, fmt.Errorf("$orderby term %d: %q is not asc or desc", i+1, f[1])
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// ParseSelect parses "name,revenue".
func ParseSelect(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		n := strings.TrimSpace(part)
		if !isName(n) {
			return nil, fmt.Errorf("$select: %q is not a property name", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// ParseTop parses $top: a whole number, 0 or more. OData allows 0, which
// clients send with $count=true to have the count without rows.
func ParseTop(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("$top must be a whole number, 0 or more, not %q", s)
	}
	return n, nil
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}
