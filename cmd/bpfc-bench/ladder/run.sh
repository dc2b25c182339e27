#!/bin/sh
# The ladder: what each part of a PostgreSQL move's one statement costs, with no
# server and no Go in the way. pgbench runs pgbench's single-row update (0) and four
# statements, each one more part of a move (1 the instance row, 2 the stage log's row,
# 3 the previous stay looked up, 4 the environment's fence), at 2 and then 1 clients,
# in rounds, and prints each one's rate and its ratio to pgbench's of the same round.
#
# usage: run.sh URL [seconds] [rounds]
#   URL  the database a `bpfc-bench -store postgres -keep` run kept ("scratch
#        databases kept: NAME": the login's URL with that database)
# The statements are written here by hand after the one sqlstore sends (see
# runtime/store/postgres/doc.go): check them against pg_stat_statements after a
# change to a move's path.
set -eu
url=$1
secs=${2:-4}
rounds=${3:-3}
dir=$(dirname "$0")
export PGOPTIONS="-c search_path=bpfc_dev,public"
set -- $(psql "$url" -Atc "SELECT businessprocessflowinstanceid FROM cts_phonetocase ORDER BY 1 LIMIT 2")
[ $# -eq 2 ] || { echo "run.sh: $url has no two phone-to-case instances: keep the database of a bpfc-bench run with 2 writers or more" >&2; exit 1; }
i0=$1 i1=$2
set -- $(psql "$url" -At -F ' ' -c "SELECT activestageid, processid, modifiedby FROM cts_phonetocase WHERE businessprocessflowinstanceid = '$i0'")
vars="-D i0=$i0 -D i1=$i1 -D stage=$1 -D wf=$2 -D usr=$3 -D now=2026-01-01T00:00:00Z"
pgbench -i -q "$url" >/dev/null 2>&1
for r in $(seq "$rounds"); do
	for c in 2 1; do
		base=
		for s in 0_pgbench 1_instance 2_stagelog 3_previous 4_fence; do
			# shellcheck disable=SC2086 # vars are words
			tps=$(pgbench -n -M prepared -c "$c" -j "$c" -T "$secs" $vars -f "$dir/$s.sql" "$url" 2>&1 |
				awk '/^tps/ {printf "%.0f", $3}')
			base=${base:-$tps}
			echo "round $r, $c clients, $s: $tps tps = $((100 * tps / base)) %"
		done
	done
done
