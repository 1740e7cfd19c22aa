#!/bin/sh
# The benchmark: set up, start a throwaway cluster tuned for timing,
# generate N rows of 10 float8 features and a response, then time a plain
# scan, training (serial and parallel), the training aggregate alone and
# the scoring forms, and print ratios against the scan and against the
# inline formula next to the design's goals.  Timings are reported, never
# asserted: the exit status is non-zero only on an error.
#
# With -g (or --grouped), the grouped case instead: N rows (default 1M) of
# 3 features, a response and a group column, for each number of groups in
# the list; the scan, a plain GROUP BY, the training aggregate per group
# and grouped training (plain and with HC1 errors), serial and parallel,
# and the peak memory of each.
#
# With --categorical, the categorical case instead: N rows of 2 text
# columns of 50 levels each and 8 float8 features; the scan, the levels
# pass, the training aggregate and training, serial and parallel, and
# scoring by name against the model's formula written inline.
#
# With --metrics, the metric aggregates instead: learn.auc, r2, log_loss,
# accuracy and confusion_matrix over N rows against a scan of the columns
# each reads, serial and parallel.
#
# With --rolling, learn.linreg over moving window frames instead: N rows
# (default 1M) in 10 series, frames of 60 and 600 rows, against sum() over
# the same frames and against a refit of every frame.
#
# With --update, learn.update instead: a model trained on N rows (default
# 5M; ungrouped and in 1000 groups) updated with 1% more, against a scan
# of the new rows and against training on all of them.
#
# Usage: bench/run.sh [-n ROWS] [-w WORKERS] [-r RUNS] [-b SHARED_BUFFERS]
#                     [-g GROUPS[,GROUPS...] | --grouped | --logistic | --categorical |
#                      --metrics | --rolling | --update]
#                     [--hc1-runs N]
#                     [--no-setup]
# Environment: BENCH_ROWS, BENCH_WORKERS, BENCH_RUNS, BENCH_SHARED_BUFFERS,
# BENCH_GROUPS, BENCH_HC1_RUNS (the options win), PGPORT (default 55438),
# PG_CONFIG (default: the PostgreSQL the Debian release ships, see
# scripts/postgresql.sh).
set -eu
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-}
WORKERS=${BENCH_WORKERS:-2}
RUNS=${BENCH_RUNS:-3}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-1GB}
GROUPS_LIST=${BENCH_GROUPS:-}
LOGISTIC=no
CATEGORICAL=no
METRICS=no
ROLLING=no
UPDATE=no
HC1_RUNS=${BENCH_HC1_RUNS:-}
SETUP=yes
# --grouped: the numbers of groups of issue 13 and of its earlier measurement
GROUPED_DEFAULT=5000,10000,100000

usage() {
	echo "usage: $0 [-n ROWS] [-w WORKERS] [-r RUNS] [-b SHARED_BUFFERS]" >&2
	echo "       [-g GROUPS[,GROUPS...] | --grouped | --logistic | --categorical | --metrics |" >&2
	echo "        --rolling | --update]" >&2
	echo "       [--hc1-runs N] [--no-setup]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	-n) [ $# -ge 2 ] || usage; ROWS=$2; shift 2 ;;
	-w) [ $# -ge 2 ] || usage; WORKERS=$2; shift 2 ;;
	-r) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
	-b) [ $# -ge 2 ] || usage; SHARED_BUFFERS=$2; shift 2 ;;
	-g) [ $# -ge 2 ] || usage; GROUPS_LIST=$2; shift 2 ;;
	--grouped) GROUPS_LIST=$GROUPED_DEFAULT; shift ;;
	--logistic) LOGISTIC=yes; shift ;;
	--categorical) CATEGORICAL=yes; shift ;;
	--metrics) METRICS=yes; shift ;;
	--rolling) ROLLING=yes; shift ;;
	--update) UPDATE=yes; shift ;;
	--hc1-runs) [ $# -ge 2 ] || usage; HC1_RUNS=$2; shift 2 ;;
	--no-setup) SETUP=no; shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
# the grouped case defaults to 1M rows, the ungrouped one to 5M
if [ -z "$ROWS" ]; then
	if [ -n "$GROUPS_LIST" ] || [ "$ROLLING" = yes ]; then ROWS=1000000; else ROWS=5000000; fi
fi
HC1_RUNS=${HC1_RUNS:-$RUNS}
for v in "$ROWS" "$WORKERS" "$RUNS" "$HC1_RUNS"; do
	case "$v" in
	'' | *[!0-9]*) echo "bench: ROWS, WORKERS, RUNS and HC1 runs must be non-negative integers" >&2; exit 2 ;;
	esac
done
case "$GROUPS_LIST" in
*[!0-9,]* | ,* | *, | *,,*)
	echo "bench: GROUPS must be a comma-separated list of numbers of groups" >&2
	exit 2
	;;
esac
case "$SHARED_BUFFERS" in
'' | *[!0-9A-Za-z]*) echo "bench: bad shared_buffers value '$SHARED_BUFFERS'" >&2; exit 2 ;;
esac
if [ "$ROWS" -lt 1000 ] || [ "$RUNS" -lt 1 ] || [ "$WORKERS" -lt 1 ] ||
	[ "$HC1_RUNS" -lt 1 ] || [ "$HC1_RUNS" -gt "$RUNS" ]; then
	echo "bench: need ROWS >= 1000, RUNS >= 1, WORKERS >= 1 and 1 <= HC1 runs <= RUNS" >&2
	exit 2
fi
for g in $(echo "$GROUPS_LIST" | tr , ' '); do
	if [ "$g" -lt 1 ] || [ "$g" -gt "$ROWS" ]; then
		echo "bench: a number of groups must be between 1 and ROWS" >&2
		exit 2
	fi
done

if [ "$SETUP" = yes ]; then
	. ./scripts/as_postgres.sh
	setup_then_drop_root ./bench/run.sh --no-setup -n "$ROWS" -w "$WORKERS" \
		-r "$RUNS" -b "$SHARED_BUFFERS" \
		${GROUPS_LIST:+-g "$GROUPS_LIST" --hc1-runs "$HC1_RUNS"} \
		$([ "$LOGISTIC" = yes ] && echo --logistic) \
		$([ "$CATEGORICAL" = yes ] && echo --categorical) \
		$([ "$METRICS" = yes ] && echo --metrics) \
		$([ "$ROLLING" = yes ] && echo --rolling) \
		$([ "$UPDATE" = yes ] && echo --update)
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

# Workers planned and launched for the training pass (the statement that
# calls learn.linear_partial), from auto_explain's NOTICEs in file $1.
pass_workers() {
	awk '
		/NOTICE:/ { inpass = 0 }
		/learn\.linear_partial/ { inpass = 1 }
		inpass && /Partial [A-Za-z]*Aggregate/ { partial = 1 }
		inpass && /Workers Planned:/ { planned = $NF }
		inpass && /Workers Launched:/ { launched = $NF }
		END {
			printf "%s planned, %s launched%s\n", planned ? planned : 0,
				launched ? launched : 0, partial ? "" : ", NO Partial Aggregate"
		}
	' "$1"
}

$PSQL -f bench/helpers.sql

if [ -n "$GROUPS_LIST" ]; then
	for g in $(echo "$GROUPS_LIST" | tr , ' '); do
		echo "bench: $g groups: generating $ROWS rows, timing (median of $RUNS runs, T_HC1 of $HC1_RUNS) ..." >&2
		$PSQL -v groups="$g" -v hc1_runs="$HC1_RUNS" -f bench/grouped.sql
		# fresh connections, so that each peak is that of one statement alone
		echo "bench: $g groups: memory ..." >&2
		for b in plain agg train train_hc1; do
			q=$(psql -X -At -v ON_ERROR_STOP=1 -c "SELECT query FROM bench_gquery WHERE base = '$b'")
			$PSQL -v label="g${g}_$b" -v nworkers=0 -v query="$q" -f bench/memory.sql
		done
		# the serial training's model: the size of its metrics, its groups
		$PSQL -v prefix="g${g}_" <<'EOF'
INSERT INTO bench_info
SELECT :'prefix' || v.key, v.value
FROM learn.models AS m,
	 LATERAL (VALUES ('metrics_bytes', pg_column_size(m.metrics)::text),
					 ('metrics_text', octet_length(m.metrics::text)::text),
					 ('n_groups', m.metrics->>'n_groups'),
					 ('n_failed', m.metrics->>'n_failed')) AS v(key, value)
WHERE m.id = (SELECT max(id) FROM learn.models
			  WHERE name = 'bg' AND params->>'robust' = 'false');
EOF
		# The parallel training, leader only, with auto_explain showing the
		# workers of its pass: statements of 20 ms or more, so not the
		# catalog inserts (one a term).
		q=$(psql -X -At -v ON_ERROR_STOP=1 -c "SELECT query FROM bench_gquery WHERE base = 'train'")
		$PSQL -v label="g${g}_train_parallel" -v nworkers="$WORKERS" -v query="$q" \
			-c "LOAD 'auto_explain'" -c "SET auto_explain.log_min_duration = 20" \
			-c "SET auto_explain.log_nested_statements = on" \
			-c "SET auto_explain.log_analyze = on" -c "SET auto_explain.log_timing = off" \
			-c "SET auto_explain.log_level = notice" -c "SET client_min_messages = notice" \
			-f bench/memory.sql 2>"$CLUSTER_DIR/plan_$g.log" ||
			{ cat "$CLUSTER_DIR/plan_$g.log" >&2; exit 1; }
		echo "INSERT INTO bench_info VALUES (:'key', :'value');" |
			$PSQL -v key="g${g}_train_workers" -v value="$(pass_workers "$CLUSTER_DIR/plan_$g.log")"
		$PSQL -c "SELECT learn.drop_model('bg')" -c "VACUUM learn.models, learn.coefficients" >/dev/null
	done
	$PSQL -v hc1_runs="$HC1_RUNS" -f bench/grouped_report.sql
	exit 0
fi

if [ "$LOGISTIC" = yes ]; then
	echo "bench: logistic: generating $ROWS rows, timing (median of $RUNS runs) ..." >&2
	$PSQL -f bench/logistic.sql
	exit 0
fi

if [ "$CATEGORICAL" = yes ]; then
	echo "bench: categorical: generating $ROWS rows, timing (median of $RUNS runs) ..." >&2
	$PSQL -f bench/categorical.sql
	exit 0
fi

if [ "$METRICS" = yes ]; then
	echo "bench: metrics: generating $ROWS rows, timing (median of $RUNS runs) ..." >&2
	$PSQL -f bench/metrics.sql
	exit 0
fi

if [ "$ROLLING" = yes ]; then
	echo "bench: rolling: generating $ROWS rows, timing (median of $RUNS runs) ..." >&2
	$PSQL -f bench/rolling.sql
	exit 0
fi

if [ "$UPDATE" = yes ]; then
	echo "bench: update: generating $ROWS rows, timing (median of $RUNS runs) ..." >&2
	$PSQL -f bench/update.sql
	exit 0
fi

echo "bench: generating $ROWS rows ..." >&2
$PSQL -f bench/setup.sql
# the first training: deployed (scoring uses it), untimed, its data pass
# shown by auto_explain
$PSQL -f bench/plan.sql 2>"$CLUSTER_DIR/plan.log" ||
	{ cat "$CLUSTER_DIR/plan.log" >&2; exit 1; }
PLAN_WORKERS=$(pass_workers "$CLUSTER_DIR/plan.log")

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
