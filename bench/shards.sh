#!/bin/sh
# Training across postgres_fdw shards: three throwaway clusters on this
# machine, a coordinator and two shards of N rows of 5 float8 features and
# a response each.  The coordinator's source is a partitioned table of two
# foreign tables (servers with extensions 'pg_learn' and async_capable
# 'true').  Prints, each the median of RUNS runs measured in this run:
# each shard's own serial scan (SELECT sum() of the 6 columns, as the
# shard's query of the training reads them), learn.train on the
# coordinator, and their ratio against the slowest shard's scan (the
# design's goal: at most 1.3); the same training on each shard alone (a
# serial scan, as a shard's part of the training is), to tell the
# aggregate's own cost from what the shards add, and whether the shards
# ran at once; and, once, training with the rows pulled
# (servers without pg_learn in "extensions") for comparison.  Not a test:
# nothing is asserted; the exit status is non-zero only on an error.
#
# Usage: bench/shards.sh [-n ROWS_PER_SHARD] [-r RUNS] [--no-pulled]
# Environment: BENCH_ROWS (default 2000000), BENCH_RUNS (default 3), PGPORT
# (default 55440: the coordinator; the shards take the next two),
# PG_CONFIG; pg_learn must already be installed there (bench/run.sh or
# scripts/setup.sh installs it).
set -eu
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-2000000}
RUNS=${BENCH_RUNS:-3}
PULLED=yes
while [ $# -gt 0 ]; do
	case "$1" in
	-n) ROWS=$2; shift 2 ;;
	-r) RUNS=$2; shift 2 ;;
	--no-pulled) PULLED=no; shift ;;
	*) echo "usage: $0 [-n ROWS_PER_SHARD] [-r RUNS] [--no-pulled]" >&2; exit 2 ;;
	esac
done
case "$ROWS$RUNS" in '' | *[!0-9]*) echo "$0: ROWS and RUNS are numbers" >&2; exit 2 ;; esac

. ./scripts/postgresql.sh
PGBIN=$("$PG_CONFIG" --bindir)
PORT0=${PGPORT:-55440}
BASE=$(mktemp -d /tmp/pg_learn_shards.XXXXXX)
export PGHOST="$BASE" PGUSER=$(id -un) PGDATABASE=postgres

stop_all() {
	for i in 0 1 2; do
		"$PGBIN/pg_ctl" -D "$BASE/n$i" -m immediate stop >/dev/null 2>&1 || true
	done
	rm -rf "$BASE"
}
trap stop_all EXIT INT TERM

for i in 0 1 2; do
	"$PGBIN/initdb" -D "$BASE/n$i" -U "$PGUSER" -A trust --no-locale -E UTF8 >"$BASE/initdb$i.log" 2>&1 ||
		{ cat "$BASE/initdb$i.log"; exit 1; }
	"$PGBIN/pg_ctl" -D "$BASE/n$i" -l "$BASE/server$i.log" -w \
		-o "-k $BASE -p $((PORT0 + i)) -c listen_addresses='' -c shared_buffers=512MB -c jit=off -c autovacuum=off" \
		start >/dev/null || { cat "$BASE/server$i.log"; exit 1; }
done
P() { port=$1; shift; "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -p "$port" "$@"; }

echo "bench: two shards of $ROWS rows ..." >&2
for s in 1 2; do
	P $((PORT0 + s)) -v lo=$(((s - 1) * ROWS + 1)) -v hi=$((s * ROWS)) >/dev/null <<'SQL'
CREATE EXTENSION pg_learn;
CREATE TABLE t AS
SELECT i AS id, x1, x2, x3, x4, x5,
       1 + 2 * x1 - x2 + 0.5 * x3 + 3 * x4 - 1.5 * x5 + sin(i * 0.37) AS y
FROM (SELECT i, sin(i * 0.7071) AS x1, cos(i * 0.3183) AS x2,
             ((i * 7919) % 1000) / 500.0 - 1 AS x3, cos(i * 2.2361) ^ 2 AS x4,
             sin(i * 1.4142 + 1) * cos(i * 0.0577) AS x5
      FROM generate_series(:lo::bigint, :hi::bigint) AS i) AS s;
VACUUM ANALYZE t;
SQL
done
P $PORT0 >/dev/null <<SQL
CREATE EXTENSION pg_learn;
CREATE EXTENSION postgres_fdw;
CREATE TABLE sharded (id bigint, x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, y float8)
    PARTITION BY RANGE (id);
CREATE TABLE pulled (LIKE sharded) PARTITION BY RANGE (id);
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$BASE', port '$((PORT0 + 1))', dbname 'postgres', extensions 'pg_learn', async_capable 'true');
CREATE SERVER shard2 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$BASE', port '$((PORT0 + 2))', dbname 'postgres', extensions 'pg_learn', async_capable 'true');
CREATE SERVER plain1 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$BASE', port '$((PORT0 + 1))', dbname 'postgres', async_capable 'true');
CREATE SERVER plain2 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$BASE', port '$((PORT0 + 2))', dbname 'postgres', async_capable 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard1;
CREATE USER MAPPING FOR CURRENT_USER SERVER shard2;
CREATE USER MAPPING FOR CURRENT_USER SERVER plain1;
CREATE USER MAPPING FOR CURRENT_USER SERVER plain2;
CREATE FOREIGN TABLE sharded_1 PARTITION OF sharded FOR VALUES FROM (1) TO ($ROWS + 1)
    SERVER shard1 OPTIONS (table_name 't');
CREATE FOREIGN TABLE sharded_2 PARTITION OF sharded FOR VALUES FROM ($ROWS + 1) TO (2 * $ROWS + 1)
    SERVER shard2 OPTIONS (table_name 't');
CREATE FOREIGN TABLE pulled_1 PARTITION OF pulled FOR VALUES FROM (1) TO ($ROWS + 1)
    SERVER plain1 OPTIONS (table_name 't', fetch_size '10000');
CREATE FOREIGN TABLE pulled_2 PARTITION OF pulled FOR VALUES FROM ($ROWS + 1) TO (2 * $ROWS + 1)
    SERVER plain2 OPTIONS (table_name 't', fetch_size '10000');
SQL

SCAN="SET max_parallel_workers_per_gather = 0;
SELECT sum(y), sum(x1), sum(x2), sum(x3), sum(x4), sum(x5) FROM t"
TRAIN="SELECT 1 FROM learn.train('m', 'linear', 'sharded', 'y', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'])"
LOCAL="SET max_parallel_workers_per_gather = 0;
SELECT 1 FROM learn.train('m', 'linear', 't', 'y', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'])"
# milliseconds of the last statement of $2 on port $1
ms() {
	P "$1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# warm every cache once
ms $((PORT0 + 1)) "$SCAN" >/dev/null
ms $((PORT0 + 2)) "$SCAN" >/dev/null
ms $PORT0 "$TRAIN" >/dev/null

: >"$BASE/scan1" && : >"$BASE/scan2" && : >"$BASE/train" && : >"$BASE/local1" && : >"$BASE/local2"
r=0
while [ $r -lt "$RUNS" ]; do
	ms $((PORT0 + 1)) "$SCAN" >>"$BASE/scan1"
	ms $((PORT0 + 2)) "$SCAN" >>"$BASE/scan2"
	ms $PORT0 "$TRAIN" >>"$BASE/train"
	ms $((PORT0 + 1)) "$LOCAL" >>"$BASE/local1"
	ms $((PORT0 + 2)) "$LOCAL" >>"$BASE/local2"
	r=$((r + 1))
done
S1=$(median <"$BASE/scan1")
S2=$(median <"$BASE/scan2")
T=$(median <"$BASE/train")
L1=$(median <"$BASE/local1")
L2=$(median <"$BASE/local2")
SMAX=$(echo "$S1 $S2" | awk '{ print ($1 > $2 ? $1 : $2) }')
LMAX=$(echo "$L1 $L2" | awk '{ print ($1 > $2 ? $1 : $2) }')

echo "pass 1 on the shards: the coordinator's plan"
P $PORT0 -c "EXPLAIN (COSTS OFF)
SELECT learn.linear_merge(s.state) FROM (
  SELECT learn.linear_partial(y, 1, x1, x2, x3, x4, x5) FROM ONLY sharded_1
  UNION ALL SELECT learn.linear_partial(y, 1, x1, x2, x3, x4, x5) FROM ONLY sharded_2) AS s(state)"
printf '%-56s %10s\n' "rows per shard" "$ROWS"
printf '%-56s %10s ms\n' "shard 1: serial scan, sum() of 6 columns" "$S1"
printf '%-56s %10s ms\n' "shard 2: serial scan, sum() of 6 columns" "$S2"
printf '%-56s %10s ms\n' "learn.train on the coordinator (median of $RUNS)" "$T"
printf '%-56s %10s   (goal <= 1.3)\n' "train / slowest shard's scan" \
	"$(echo "$T $SMAX" | awk '{ printf "%.2f", $1 / $2 }')"
printf '%-56s %10s ms\n' "shard 1: learn.train of its own rows, serial" "$L1"
printf '%-56s %10s ms\n' "shard 2: learn.train of its own rows, serial" "$L2"
printf '%-56s %10s\n' "slowest shard's own training / its scan" \
	"$(echo "$LMAX $SMAX" | awk '{ printf "%.2f", $1 / $2 }')"
printf '%-56s %10s\n' "train / slowest shard's own training" \
	"$(echo "$T $LMAX" | awk '{ printf "%.2f", $1 / $2 }')"
printf '%-56s %10s   (1: one after the other)\n' "train / sum of the shards' own trainings" \
	"$(echo "$T $L1 $L2" | awk '{ printf "%.2f", $1 / ($2 + $3) }')"
if [ "$PULLED" = yes ]; then
	TP=$(ms $PORT0 "SELECT 1 FROM learn.train('p', 'linear', 'pulled', 'y', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'])" 2>/dev/null)
	printf '%-56s %10s ms\n' "learn.train, rows pulled (no extensions option, once)" "$TP"
	printf '%-56s %10s\n' "rows pulled / slowest shard's scan" \
		"$(echo "$TP $SMAX" | awk '{ printf "%.2f", $1 / $2 }')"
fi
