// Package report measures an environment's business process flows: for
// each flow, its instances by state, the abandonment rate (aborted of the
// instances that ended), the cycle time of the finished instances (mean,
// median, 90th percentile of their duration), the time spent in each stage
// (the same figures over the stage log's completed stays) with the
// bottleneck named — the stage with the longest median — and how many
// instances reached each stage.
//
// Every figure is computed by the database (store.ReportTx: SQL aggregates
// and ordered-offset percentiles over indexes), never by reading every row;
// a report over a million instances reads index ranges.
//
// Entry points: Build(ctx, store, Options) returns a Report; Write renders
// it as a table, JSON, CSV or one self-contained HTML page with SVG charts.
package report
