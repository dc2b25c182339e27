package sqlstore

import "sync/atomic"

// Counts are the transactions and statements a store ran for its callers
// since it was opened: what a request costs the database, counted rather
// than timed, so a test can tell when a page reads more than it did.
type Counts struct {
	// Transactions are the Read and Write transactions begun.
	Transactions int64
	// Statements are the statements run in them, and the statements of
	// their own (ReadRow, one-shot writes); not BEGIN, COMMIT, nor the
	// locks a transaction takes as it begins.
	Statements int64
}

// counts holds a store's Counts as they run.
type counts struct{ transactions, statements atomic.Int64 }

// Counts is what the store ran so far.
func (s *DB) Counts() Counts {
	return Counts{Transactions: s.counts.transactions.Load(), Statements: s.counts.statements.Load()}
}

// ran counts one statement of the transaction.
func (t *tx) ran() {
	if t.counts != nil {
		t.counts.statements.Add(1)
	}
}
