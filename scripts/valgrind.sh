#!/bin/sh
# Memory checking: the pg_regress suite (and any SQL scenario files given as
# arguments) against a throwaway PostgreSQL 15 cluster whose postmaster runs
# under valgrind's memcheck, every backend and parallel worker with it.
# Exits non-zero if valgrind reported an error in any postgres process.
#
#   scripts/valgrind.sh [--no-suite] [scenario.sql ...]
#
# The scenarios run with psql in a database of their own after the suite
# (tests/valgrind/*.sql by default; errors in them are allowed, valgrind
# errors are not); --no-suite runs the scenarios alone.  The TAP tests are not run: they start clusters of their
# own, outside valgrind.  Suppressions: tests/valgrind.supp.  Valgrind's
# logs, one per process, and the server log are kept in VALGRIND_OUT
# (default /tmp/pg_learn_valgrind).  As root it installs valgrind and what
# scripts/setup.sh installs and runs the rest as postgres, like
# scripts/test.sh.  See docs/testing.md for what memcheck can and cannot
# see in a server built without --enable-valgrind.
set -eu
cd "$(dirname "$0")/.."
export VALGRIND_OUT=${VALGRIND_OUT:-/tmp/pg_learn_valgrind}

if [ "${1:-}" != "--no-setup" ]; then
	if ! command -v valgrind >/dev/null; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "pg_learn: valgrind is missing (run this as root to install it)" >&2
			exit 1
		fi
		apt-get update -q
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends valgrind
	fi
	mkdir -p "$VALGRIND_OUT"
	[ "$(id -u)" -ne 0 ] || chown postgres "$VALGRIND_OUT"
	. ./scripts/as_postgres.sh
	setup_then_drop_root ./scripts/valgrind.sh --no-setup "$@"
fi
[ "${1:-}" != "--no-setup" ] || shift
suite=yes
if [ "${1:-}" = "--no-suite" ]; then
	suite=no
	shift
fi
scenarios=${*:-$(ls tests/valgrind/*.sql 2>/dev/null || true)}

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
# initdb and a first start as usual; then the same data directory again,
# under valgrind
. ./scripts/cluster.sh
"$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null
rm -rf "$VALGRIND_OUT/vg"
mkdir -p "$VALGRIND_OUT/vg"
start=$(date +%s)
valgrind --quiet --trace-children=yes --track-origins=yes \
	--read-var-info=yes --read-inline-info=yes --leak-check=no --error-exitcode=128 \
	--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END --num-callers=30 \
	--suppressions="$(pwd)/tests/valgrind.supp" \
	--log-file="$VALGRIND_OUT/vg/%p.log" \
	"$PGBIN/postgres" -D "$CLUSTER_DIR/data" -k "$CLUSTER_DIR" -p "$PGPORT" \
	-c listen_addresses='' >>"$CLUSTER_DIR/server.log" 2>&1 &
postmaster=$!
for _ in $(seq 1 300); do
	"$PGBIN/pg_isready" -q && break
	kill -0 $postmaster 2>/dev/null || break
	sleep 1
done
"$PGBIN/pg_isready" -q || { echo "pg_learn: the server did not start under valgrind" >&2; cat "$CLUSTER_DIR/server.log"; exit 1; }
echo "pg_learn: server under valgrind after $(($(date +%s) - start))s"

# The suite's result is reported, but only valgrind's errors fail the run:
# valgrind computes x87 instructions in double, not extended, precision,
# and OpenBLAS's dnrm2 squares on the x87 unit, so fits of values near
# 1e300 overflow under valgrind alone (10_linear_accuracy).
status=0
if [ $suite = yes ]; then
	make -s PG_CONFIG="$PG_CONFIG" installcheck TAP_TESTS= || status=$?
	if [ $status -ne 0 ] && [ -f regression.diffs ]; then
		cp regression.diffs "$VALGRIND_OUT/"
		echo "pg_learn: the suite differs under valgrind; see $VALGRIND_OUT/regression.diffs"
	fi
fi
for f in $scenarios; do
	echo "pg_learn: scenario $f"
	psql -qX -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS scenario" -c "CREATE DATABASE scenario"
	PGDATABASE=scenario psql -X -c "CREATE EXTENSION pg_learn" -f "$f" \
		>"$VALGRIND_OUT/$(basename "$f" .sql).out" 2>&1 || true
done

"$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w -t 600 stop >/dev/null || true
elapsed=$(($(date +%s) - start))
cp "$CLUSTER_DIR/server.log" "$VALGRIND_OUT/server.log"

# one log per process; with --quiet only processes with errors write one
errors=0
for log in "$VALGRIND_OUT"/vg/*.log; do
	[ -s "$log" ] || continue
	n=$(grep -c VALGRINDERROR-BEGIN "$log" || true)
	[ "$n" -gt 0 ] || continue
	errors=$((errors + n))
	echo "valgrind: $n error(s) in process $(basename "$log" .log):"
	sed -n '/VALGRINDERROR-BEGIN/,/VALGRINDERROR-END/p' "$log" | head -40
done
echo "pg_learn: under valgrind for ${elapsed}s; suite: $suite (exit status $status); scenarios: $scenarios"
echo "valgrind errors: $errors"
echo "logs: $VALGRIND_OUT"
[ "$errors" -eq 0 ] || { echo "pg_learn: FAILED: valgrind reported errors" >&2; exit 1; }
