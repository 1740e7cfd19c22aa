#!/bin/sh
# The demo: set up, start a throwaway cluster, train a linear model on
# mtcars inside PostgreSQL, print its coefficients and a few scored rows,
# stop the cluster.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-setup" ]; then
	./scripts/setup.sh
	if [ "$(id -u)" -eq 0 ]; then
		. ./scripts/as_postgres.sh
		run_as_postgres ./scripts/demo.sh --no-setup
	fi
fi
. ./scripts/cluster.sh
psql -X -q -v ON_ERROR_STOP=1 -f demo/demo.sql
