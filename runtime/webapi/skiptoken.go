package webapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Skip tokens: where the next page starts. A token holds the last row's
// sort key, each value tagged with its type, and the page size; it is
// opaque to clients but not secret, and only ever becomes bind parameters.

type skipToken struct {
	Key      []any
	PageSize int
}

type wireToken struct {
	K [][]any `json:"k"`
	P int     `json:"p"`
}

func encodeSkipToken(key []any, pageSize int) string {
	w := wireToken{P: pageSize}
	for _, v := range key {
		switch x := v.(type) {
		case nil:
			w.K = append(w.K, []any{"n"})
		case string:
			w.K = append(w.K, []any{"s", x})
		case int64:
			w.K = append(w.K, []any{"i", strconv.FormatInt(x, 10)})
		case float64:
			w.K = append(w.K, []any{"f", strconv.FormatFloat(x, 'g', -1, 64)})
		case bool:
			w.K = append(w.K, []any{"b", x})
		case time.Time:
			w.K = append(w.K, []any{"t", x.UTC().Format(time.RFC3339Nano)})
		default:
			w.K = append(w.K, []any{"s", fmt.Sprint(x)})
		}
	}
	b, _ := json.Marshal(w)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSkipToken(s string) (*skipToken, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var w wireToken
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if len(w.K) == 0 || len(w.K) > 64 {
		return nil, fmt.Errorf("no key")
	}
	tok := &skipToken{PageSize: w.P}
	for _, kv := range w.K {
		if len(kv) == 0 {
			return nil, fmt.Errorf("empty key value")
		}
		tag, _ := kv[0].(string)
		if tag == "n" {
			tok.Key = append(tok.Key, nil)
			continue
		}
		if len(kv) != 2 {
			return nil, fmt.Errorf("bad key value")
		}
		var v any
		var err error
		switch tag {
		case "s":
			s, ok := kv[1].(string)
			if !ok {
				return nil, fmt.Errorf("bad text")
			}
			v = s
		case "i":
			s, _ := kv[1].(string)
			v, err = strconv.ParseInt(s, 10, 64)
		case "f":
			s, _ := kv[1].(string)
			v, err = strconv.ParseFloat(s, 64)
		case "b":
			b, ok := kv[1].(bool)
			if !ok {
				return nil, fmt.Errorf("bad flag")
			}
			v = b
		case "t":
			s, _ := kv[1].(string)
			v, err = time.Parse(time.RFC3339Nano, s)
		default:
			return nil, fmt.Errorf("unknown value type %q", tag)
		}
		if err != nil {
			return nil, err
		}
		tok.Key = append(tok.Key, v)
	}
	return tok, nil
}

// typedKey checks a skip token's key against the query's order: one value
// per term and the primary key, each of its column's kind.
func typedKey(t store.Table, order []store.Order, key []any) ([]any, error) {
	cols := make([]string, 0, len(order)+1)
	for _, o := range order {
		cols = append(cols, o.Column)
	}
	cols = append(cols, t.PrimaryKey)
	if len(key) != len(cols) {
		return nil, fmt.Errorf("it has %d values, the order %d", len(key), len(cols))
	}
	for i, name := range cols {
		c, _ := t.Column(name)
		if key[i] == nil {
			continue
		}
		ok := false
		switch key[i].(type) {
		case string:
			ok = kindOf(c) == "text"
		case int64, float64:
			ok = kindOf(c) == "number"
		case bool:
			ok = kindOf(c) == "boolean"
		case time.Time:
			ok = kindOf(c) == "date"
		}
		if !ok {
			return nil, fmt.Errorf("the value for %s is not of its type", name)
		}
	}
	return key, nil
}
