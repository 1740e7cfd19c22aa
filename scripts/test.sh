#!/bin/sh
# The whole test suite: set up, then the numeric unit tests, pg_regress
# (installcheck) and the TAP tests against a throwaway cluster.  Exits
# non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-setup" ]; then
	. ./scripts/as_postgres.sh
	setup_then_drop_root ./scripts/test.sh --no-setup
fi
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
make -s PG_CONFIG="$PG_CONFIG" unitcheck
. ./scripts/cluster.sh
status=0
make -s PG_CONFIG="$PG_CONFIG" installcheck || status=$?
if [ $status -ne 0 ] && [ -f regression.diffs ]; then
	cat regression.diffs
fi
exit $status
