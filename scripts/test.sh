#!/bin/sh
# The whole test suite: set up (a strict build: warnings are errors), then
# the numeric unit tests, the check of the library's exported symbols,
# pg_regress (installcheck) and the TAP tests against a throwaway cluster
# of the PostgreSQL the Debian release ships (or PG_CONFIG's).  The TAP
# test of real clients (psycopg, node-postgres, psqlODBC) requires them:
# scripts/clients.sh installs them first.  Exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
export WERROR=1
export PG_LEARN_TEST_CLIENTS=required
if [ "${1:-}" != "--no-setup" ]; then
	./scripts/clients.sh
	. ./scripts/as_postgres.sh
	setup_then_drop_root ./scripts/test.sh --no-setup
fi
. ./scripts/postgresql.sh
echo "pg_learn: testing against $("$PG_CONFIG" --version)"
make -s PG_CONFIG="$PG_CONFIG" unitcheck exportcheck
. ./scripts/cluster.sh
status=0
make -s PG_CONFIG="$PG_CONFIG" installcheck || status=$?
if [ $status -ne 0 ] && [ -f regression.diffs ]; then
	cat regression.diffs
fi
# a TAP test that died says why in its own log, not on prove's output
if [ $status -ne 0 ]; then
	for log in tmp_check/log/regress_log_*; do
		[ -f "$log" ] || continue
		if grep -qE '^(not ok|# Looks like|Bail out)|died|error running SQL' "$log"; then
			echo "---- $log: its last 40 lines ----"
			tail -n 40 "$log"
		fi
	done
fi
exit $status
