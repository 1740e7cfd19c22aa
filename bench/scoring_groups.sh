#!/bin/sh
# Scoring a model with many groups: each query in a fresh backend (so each
# loads the model again), timed by psql.  A linear model with 3 features
# gets GROUPS groups (coefficients written directly, no training) and a
# table of 10 rows per group.  Prints milliseconds per query and the peak
# memory of a backend that scores one group, then every group.  Not a
# test: nothing is asserted.
#
# Usage: bench/scoring_groups.sh [GROUPS]   (default 100000)
# Environment: PGPORT (default 55439), PG_CONFIG; pg_learn must already be
# installed there (bench/run.sh or scripts/setup.sh installs it).
set -eu
cd "$(dirname "$0")/.."
GROUPS=${1:-100000}
case "$GROUPS" in '' | *[!0-9]*) echo "usage: $0 [GROUPS]" >&2; exit 2 ;; esac

PGPORT=${PGPORT:-55439}
. ./scripts/cluster.sh
P="psql -X -q -v ON_ERROR_STOP=1"
$P -c "ALTER SYSTEM SET jit = off" -c "ALTER SYSTEM SET autovacuum = off" \
	-c "SELECT pg_reload_conf()" >/dev/null
echo "bench: a model with $GROUPS groups ..." >&2
$P -v groups="$GROUPS" >/dev/null <<'SQL'
CREATE EXTENSION pg_learn;
CREATE TABLE small AS
SELECT i % 2 AS g, i * 0.1 AS x1, sin(i) AS x2, cos(i * 3) AS x3,
       1 + i * 0.2 + sin(i) + cos(i * 7.7) * 0.1 AS y
  FROM generate_series(1, 100) i;
SELECT 1 FROM learn.train('big', 'linear', 'small', 'y', group_by => '{g}');
INSERT INTO learn.coefficients (model_id, group_key, class, position, term, estimate)
SELECT m.id, ARRAY[k::text], '', p, CASE p WHEN 0 THEN '(intercept)' ELSE 'x' || p END, k + p * 0.5
  FROM learn.models m, generate_series(2, :groups - 1) k, generate_series(0, 3) p
 WHERE m.name = 'big';
CREATE TABLE rows AS
SELECT i % :groups AS g, i * 0.1 AS x1, sin(i) AS x2, cos(i * 3) AS x3
  FROM generate_series(1, 10 * :groups) i;
VACUUM ANALYZE rows, learn.coefficients;
SQL

PAR="SET max_parallel_workers_per_gather = 4; SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
SERIAL="SET max_parallel_workers_per_gather = 0;"
# milliseconds of $2 in a fresh backend that ran $1 (and loaded pg_learn) first
t() {
	$P -c "LOAD 'pg_learn'; $1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
row() { printf '%-52s %10s ms\n' "$1" "$(t "$2" "$3")"; }
row "1 row of 1 group" "" \
	"SELECT learn.predict('big', t) FROM (SELECT 5 g, 0.5 x1, 0.1 x2, 0.2 x3) t"
row "$GROUPS rows, one per group" "" \
	"SELECT count(learn.predict('big', t)) FROM (SELECT g, 0.5 x1, 0.1 x2, 0.2 x3 FROM generate_series(0, $GROUPS - 1) g) t"
row "table scan alone, serial" "$SERIAL" "SELECT sum(x1 + x2 + x3) FROM rows"
row "table, every group, serial" "$SERIAL" "SELECT sum(learn.predict('big', r)) FROM rows r"
row "table scan alone, 4 workers" "$PAR" "SELECT sum(x1 + x2 + x3) FROM rows"
row "table, every group, 4 workers" "$PAR" "SELECT sum(learn.predict('big', r)) FROM rows r"
row "table, rows of 10 groups, 4 workers" "$PAR" "SELECT sum(learn.predict('big', r)) FROM rows r WHERE g < 10"

# peak memory of one backend (the server runs on this machine)
$P -At <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv PID :pid
SELECT FROM (SELECT 5 g, 0.5 x1, 0.1 x2, 0.2 x3) t WHERE learn.predict('big', t) IS NULL;
\! echo "peak memory after 1 group:     $(sed -n 's/^VmHWM:[[:space:]]*//p' /proc/$PID/status)"
SELECT FROM rows r WHERE learn.predict('big', r) IS NULL;
\! echo "peak memory after every group: $(sed -n 's/^VmHWM:[[:space:]]*//p' /proc/$PID/status)"
SQL
