#!/bin/sh
# The demo: set up, start a throwaway cluster, train a linear model on
# mtcars inside PostgreSQL, print its coefficients and a few scored rows,
# stop the cluster.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-setup" ]; then
	. ./scripts/as_postgres.sh
	setup_then_drop_root ./scripts/demo.sh --no-setup
fi
. ./scripts/cluster.sh
psql -X -q -v ON_ERROR_STOP=1 -f demo/demo.sql
