#!/bin/sh
# The benchmark: set up, start a throwaway cluster tuned for timing,
# generate N rows of 10 float8 features and a response, then time a plain
# scan, training (serial and parallel), the training aggregate alone and
# the scoring forms, and print ratios against the scan and against the
# inline formula next to the design's goals.  Timings are reported, never
# asserted: the exit status is non-zero only on an error.
#
# Usage: bench/run.sh [-n ROWS] [-w WORKERS] [-r RUNS] [-b SHARED_BUFFERS]
#                     [--no-setup]
# Environment: BENCH_ROWS, BENCH_WORKERS, BENCH_RUNS, BENCH_SHARED_BUFFERS
# (the options win), PGPORT (default 55438), PG_CONFIG (default: the
# PostgreSQL the Debian release ships, see scripts/postgresql.sh).
set -eu
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-5000000}
WORKERS=${BENCH_WORKERS:-2}
RUNS=${BENCH_RUNS:-3}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-1GB}
SETUP=yes

usage() {
	echo "usage: $0 [-n ROWS] [-w WORKERS] [-r RUNS] [-b SHARED_BUFFERS] [--no-setup]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	-n) [ $# -ge 2 ] || usage; ROWS=$2; shift 2 ;;
	-w) [ $# -ge 2 ] || usage; WORKERS=$2; shift 2 ;;
	-r) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
	-b) [ $# -ge 2 ] || usage; SHARED_BUFFERS=$2; shift 2 ;;
	--no-setup) SETUP=no; shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
for v in "$ROWS" "$WORKERS" "$RUNS"; do
	case "$v" in
	'' | *[!0-9]*) echo "bench: ROWS, WORKERS and RUNS must be non-negative integers" >&2; exit 2 ;;
	esac
done
case "$SHARED_BUFFERS" in
'' | *[!0-9A-Za-z]*) echo "bench: bad shared_buffers value '$SHARED_BUFFERS'" >&2; exit 2 ;;
esac
if [ "$ROWS" -lt 1000 ] || [ "$RUNS" -lt 1 ] || [ "$WORKERS" -lt 1 ]; then
	echo "bench: need ROWS >= 1000, RUNS >= 1 and WORKERS >= 1" >&2
	exit 2
fi

if [ "$SETUP" = yes ]; then
	. ./scripts/as_postgres.sh
	setup_then_drop_root ./bench/run.sh --no-setup -n "$ROWS" -w "$WORKERS" \
		-r "$RUNS" -b "$SHARED_BUFFERS"
fi

# a port of its own, so that the test suite can run beside it
PGPORT=${PGPORT:-55438}
. ./scripts/cluster.sh

# Benchmark settings need a restart (shared_buffers); pg_ctl restart keeps
# the options cluster.sh started the server with.
psql -X -q -v ON_ERROR_STOP=1 <<EOF
ALTER SYSTEM SET shared_buffers = '$SHARED_BUFFERS';
ALTER SYSTEM SET jit = off;
ALTER SYSTEM SET autovacuum = off;
ALTER SYSTEM SET max_wal_size = '8GB';
ALTER SYSTEM SET checkpoint_timeout = '1h';
ALTER SYSTEM SET max_worker_processes = $((WORKERS + 8));
ALTER SYSTEM SET max_parallel_workers = $((WORKERS + 4));
ALTER SYSTEM SET max_parallel_workers_per_gather = $WORKERS;
EOF
"$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -w restart >/dev/null ||
	{ cat "$CLUSTER_DIR/server.log"; exit 1; }

PSQL="psql -X -q -v ON_ERROR_STOP=1 -v rows=$ROWS -v workers=$WORKERS -v runs=$RUNS"

echo "bench: generating $ROWS rows ..." >&2
$PSQL -f bench/setup.sql
# the first training: deployed (scoring uses it), untimed, its data pass
# shown by auto_explain
$PSQL -f bench/plan.sql 2>"$CLUSTER_DIR/plan.log" ||
	{ cat "$CLUSTER_DIR/plan.log" >&2; exit 1; }
PLAN_WORKERS=$(awk '
	/NOTICE:/ { inpass = 0 }
	/learn\.linear_partial/ { inpass = 1 }
	inpass && /Partial Aggregate/ { partial = 1 }
	inpass && /Workers Planned:/ { planned = $NF }
	inpass && /Workers Launched:/ { launched = $NF }
	END {
		printf "%s planned, %s launched%s\n", planned ? planned : 0,
			launched ? launched : 0, partial ? "" : ", NO Partial Aggregate"
	}
' "$CLUSTER_DIR/plan.log")

echo "bench: timing (median of $RUNS runs each) ..." >&2
$PSQL -f bench/measure.sql
# fresh connections, so that each peak is that of one statement alone
echo "bench: memory ..." >&2
TRAIN="SELECT learn.train('bench', 'linear', 't', 'y', params => '{\"deploy\": false}')"
$PSQL -v label=scan_serial -v nworkers=0 \
	-v query='SELECT sum(y + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10) FROM t' \
	-f bench/memory.sql
$PSQL -v label=train_serial -v nworkers=0 -v query="$TRAIN" -f bench/memory.sql
$PSQL -v label=train_parallel -v nworkers="$WORKERS" -v query="$TRAIN" -f bench/memory.sql
$PSQL -v plan_workers="$PLAN_WORKERS" -f bench/report.sql
