package store

import "time"

// Report queries: aggregates computed in the database over a flow's
// instance table and the stage log, never by reading every row into the
// caller. Backends that answer them implement ReportTx; callers reach it by
// a type assertion on Tx (runtime/report does).

// InstanceStats are a flow's instances by state and the cycle time of the
// finished ones (their bpf_duration, in minutes).
type InstanceStats struct {
	Active, Finished, Aborted int64
	// Cycle time of the finished instances that have a duration: how
	// many, their total, and the nearest-rank median and 90th percentile
	// (the value at rank ceil(p·n), as SQL's percentile_disc).
	CycleCount            int64
	CycleTotal            int64 // minutes
	CycleMedian, CycleP90 int64 // minutes
}

// StageStats describe the stays of a flow's instances in one stage, from
// the stage log.
type StageStats struct {
	Stage     string // the stage's name
	Visits    int64  // stays that began
	Completed int64  // stays that ended (the ones with a duration)
	Reached   int64  // distinct instances that entered the stage
	// Time in the stage of the completed stays, in milliseconds: total,
	// nearest-rank median and 90th percentile.
	TotalMS, MedianMS, P90MS int64
}

// ReportTx is a transaction that can answer report queries.
type ReportTx interface {
	// InstanceStats aggregates the instance table of a flow, over the
	// instances created at or after since (zero: all).
	InstanceStats(instanceTable string, since time.Time) (InstanceStats, error)
	// StageStats aggregates the stage log of a flow (by its workflow id),
	// over the stays that began at or after since (zero: all), one entry
	// per stage that has any, sorted by stage name.
	StageStats(workflowID string, since time.Time) ([]StageStats, error)
	// HasReportIndex reports whether an instance table has the index that
	// InstanceStats reads (state, status, duration).
	HasReportIndex(instanceTable string) (bool, error)
	// CreateReportIndex creates it (a write, which the import makes;
	// idempotent).
	CreateReportIndex(instanceTable string) error
}
