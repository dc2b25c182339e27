package store

import "errors"

// Filtered, ordered, paged reads of a real table's rows, for the Web API.
// A Query is a typed description, never SQL text: a backend checks every
// column it names against Query.Table's metadata and passes every value as
// a bind parameter, so nothing a client writes reaches the SQL as text.
// Backends that serve it implement QueryTx; callers reach it by a type
// assertion on Tx.

// QueryTx is a transaction that can read rows by a Query.
type QueryTx interface {
	// QueryRows reads the rows of q.Table that q selects, in q's order.
	// Each row holds the columns of q.Select (every column when empty),
	// plus the primary key and the row version, converted as GetRow
	// converts them. An unknown column or an operator that does not fit
	// a column's type is an error wrapping ErrBadQuery.
	QueryRows(q Query) ([]Row, error)
	// CountQuery counts the rows of q.Table that q.Where selects, without
	// reading them (q's Select, OrderBy, After and Limit play no part).
	CountQuery(q Query) (int, error)
}

// ErrBadQuery: a Query names an unknown column or compares a value that
// does not fit its column.
var ErrBadQuery = errors.New("bad query")

// Query selects rows of one table.
type Query struct {
	Table  Table    // the table's metadata, as Tx.Table returns it
	Select []string // the columns to read; empty = every column
	Where  Cond     // nil = every row
	// OrderBy sorts the rows; the primary key always breaks ties last, so
	// the order is total. Empty columns sort before every value (ascending).
	OrderBy []Order
	// After continues a paged read: only rows that sort strictly after the
	// row whose sort key (the OrderBy columns' values, then the primary
	// key) this is. nil = from the first row.
	After []any
	Limit int // at most this many rows; 0 = all
}

// Order is one sort term.
type Order struct {
	Column string
	Desc   bool
}

// Cond is a condition on a row: All, Any, Not, Compare or Match.
type Cond interface{ cond() }

// All holds when every condition holds (an empty All always holds).
type All []Cond

// Any holds when at least one condition holds (an empty Any never holds).
type Any []Cond

// Not holds when X does not.
type Not struct{ X Cond }

// Comparison operators, as OData names them.
const (
	OpEq = "eq"
	OpNe = "ne"
	OpGt = "gt"
	OpGe = "ge"
	OpLt = "lt"
	OpLe = "le"
)

// Compare compares a column with a value, or with another column when
// OtherColumn is set. Value is typed for the column: string (text, lookups,
// ids), int64 (integer, choice, state, status, row version), float64
// (decimal, money; integers too), bool, time.Time, or nil (an empty column:
// eq and ne only). Comparisons are two-valued: an empty column (NULL;
// empty text is a value) equals nil, differs from every value and is
// neither greater nor less than anything.
type Compare struct {
	Column      string
	Op          string
	Value       any
	OtherColumn string
}

// Match kinds.
const (
	MatchContains   = "contains"
	MatchStartsWith = "startswith"
	MatchEndsWith   = "endswith"
)

// Match holds when a text column contains, starts or ends with Text.
type Match struct {
	Column string
	Kind   string
	Text   string
	// Like says that Text is a LIKE pattern, as Dataverse reads the text
	// of its contains, startswith and endswith (ParseLike): % is any run
	// of characters, _ any one character, [a-c] and [^a] one character of
	// a set or not of it, and a backslash makes the next character itself
	// (\%, \_, \[, \\). Without it Text is matched as written.
	Like bool
}

func (All) cond()     {}
func (Any) cond()     {}
func (Not) cond()     {}
func (Compare) cond() {}
func (Match) cond()   {}

// SortKey is the key of row under q's order: what Query.After takes to
// continue after it.
func (q Query) SortKey(row Row) []any {
	key := make([]any, 0, len(q.OrderBy)+1)
	for _, o := range q.OrderBy {
		key = append(key, row[o.Column])
	}
	return append(key, row[q.Table.PrimaryKey])
}
