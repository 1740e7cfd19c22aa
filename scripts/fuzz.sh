#!/bin/sh
# Fuzzing: random SQL from sqlsmith, then pg_learn's functions called
# directly with odd arguments, against a database that holds pg_learn, the
# regression suite's data sets and a populated catalog (plain, grouped,
# weighted and robust models, several versions, one not deployed, one
# dropped; tests/fuzz/setup.sql, tests/fuzz/targeted.sql).  Exits non-zero
# if any backend crashed (a signal, a PANIC, a failed assertion) or the
# server is down at the end; errors of the queries themselves are expected
# and only counted.
#
#   scripts/fuzz.sh [--queries=N] [--targeted=M] [--seed=S]
#
# N sqlsmith queries (default 40000, env FUZZ_QUERIES, a minute or two),
# M direct calls (default 5000, env FUZZ_TARGETED), seed S (default 1, env
# FUZZ_SEED) for both, so that a run can be repeated.  pg_learn is built
# with -DUSE_ASSERT_CHECKING (FUZZ_ASSERTS=0 builds it as usual), which
# turns on the assertions in PostgreSQL's headers; the server is Debian's,
# without assertions.  As root it installs sqlsmith and what
# scripts/setup.sh installs, builds and installs pg_learn, and runs the
# rest as postgres in a throwaway cluster, like scripts/test.sh.  The
# server log, sqlsmith's output and the statements that crashed are kept
# in FUZZ_OUT (default /tmp/pg_learn_fuzz).  See docs/testing.md.
set -eu
cd "$(dirname "$0")/.."

for arg in "$@"; do
	case $arg in
	--queries=*) FUZZ_QUERIES=${arg#*=} ;;
	--targeted=*) FUZZ_TARGETED=${arg#*=} ;;
	--seed=*) FUZZ_SEED=${arg#*=} ;;
	--no-setup) ;;
	*) echo "usage: $0 [--queries=N] [--targeted=M] [--seed=S]" >&2; exit 2 ;;
	esac
done
export FUZZ_QUERIES=${FUZZ_QUERIES:-40000} FUZZ_SEED=${FUZZ_SEED:-1}
export FUZZ_TARGETED=${FUZZ_TARGETED:-5000}
export FUZZ_OUT=${FUZZ_OUT:-/tmp/pg_learn_fuzz}

if [ "${1:-}" != "--no-setup" ]; then
	if ! command -v sqlsmith >/dev/null; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "pg_learn: sqlsmith is missing (run this as root to install it)" >&2
			exit 1
		fi
		apt-get update -q
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends sqlsmith
	fi
	mkdir -p "$FUZZ_OUT"
	[ "$(id -u)" -ne 0 ] || chown postgres "$FUZZ_OUT"
	# PostgreSQL's own assertions in the inline functions and macros that
	# pg_learn compiles in; the objects are rebuilt for them
	if [ "${FUZZ_ASSERTS:-1}" = 1 ]; then
		export COPT="${COPT:-} -DUSE_ASSERT_CHECKING"
		make -s PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" clean
	fi
	. ./scripts/as_postgres.sh
	setup_then_drop_root ./scripts/fuzz.sh --no-setup
fi

. ./scripts/cluster.sh
mkdir -p "$FUZZ_OUT"
rm -f "$FUZZ_OUT"/targeted.log "$FUZZ_OUT"/setup.log "$FUZZ_OUT"/server.log "$FUZZ_OUT"/sqlsmith.log "$FUZZ_OUT"/crashes.txt

# SQLSTATE in every line, so errors can be counted by class
psql -qX -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %e '" \
	-c "SELECT pg_reload_conf()" >/dev/null
createdb fuzz
PGDATABASE=fuzz psql -X -f tests/fuzz/setup.sql >"$FUZZ_OUT/setup.log" 2>&1 ||
	{ cat "$FUZZ_OUT/setup.log"; exit 1; }
tail -3 "$FUZZ_OUT/setup.log"

echo "pg_learn: sqlsmith, $FUZZ_QUERIES queries, seed $FUZZ_SEED"
start=$(date +%s)
smith=0
# sqlsmith reconnects after a lost connection; it stops at the limit or
# when it cannot reconnect at all
sqlsmith --target="host=$PGHOST port=$PGPORT dbname=fuzz user=fuzzer" \
	--seed="$FUZZ_SEED" --max-queries="$FUZZ_QUERIES" --exclude-catalog \
	--verbose ${FUZZ_SQLSMITH_OPTS:-} >"$FUZZ_OUT/sqlsmith.log" 2>&1 || smith=$?

# the second phase: pg_learn's functions called directly with odd
# arguments (tests/fuzz/targeted.sql)
echo "pg_learn: targeted calls, $FUZZ_TARGETED iterations"
PGDATABASE=fuzz psql -X -v seed="$FUZZ_SEED" -v iterations="$FUZZ_TARGETED" \
	-f tests/fuzz/targeted.sql >"$FUZZ_OUT/targeted.log" 2>&1 || true
sed -n '/^ *kind *|/,$p' "$FUZZ_OUT/targeted.log"
elapsed=$(($(date +%s) - start))

up=yes
psql -qXAt -c "SELECT 1" >/dev/null 2>&1 || up=no
cp "$CLUSTER_DIR/server.log" "$FUZZ_OUT/server.log"
log=$FUZZ_OUT/server.log

# a crash: the postmaster names the process and what it was running
grep -A1 -E "server process .* was terminated|terminated by signal|PANIC|TRAP:" "$log" \
	>"$FUZZ_OUT/crashes.txt" || true
crashes=$(grep -c -E "server process .* was terminated|terminated by signal|PANIC:|TRAP:" "$log" || true)

# sqlsmith prints "queries: N" in its progress reports; the last one
# counts every query it generated
queries=$(grep -o 'queries: [0-9]*' "$FUZZ_OUT/sqlsmith.log" | tail -1 | cut -d' ' -f2)
errors=$(grep -c -E '^[^ ]+ [^ ]+ [^ ]+ \[[0-9]+\] [0-9A-Z]{5} ERROR:' "$log" || true)

echo "pg_learn: fuzz run took ${elapsed}s; sqlsmith exited with $smith"
echo "queries run: ${queries:-unknown} (limit $FUZZ_QUERIES, seed $FUZZ_SEED)"
echo "sqlsmith's errors: $errors; by SQLSTATE class (top 8):"
grep -o -E '\] [0-9A-Z]{5} ERROR:' "$log" | cut -c3-4 | sort | uniq -c | sort -rn | head -8
echo "sqlsmith's errors by SQLSTATE (top 8), first message of each:"
grep -E '\] [0-9A-Z]{5} ERROR:' "$log" | sed -E 's/^.*\] ([0-9A-Z]{5}) ERROR: +/\1 /' |
	awk '{ n[$1]++; if (!($1 in m)) m[$1] = substr($0, 7, 70) }
		 END { for (s in n) printf "%7d %s %s\n", n[s], s, m[s] }' | sort -rn | head -8
echo "failing statements that call learn.*: $(grep -c -E "STATEMENT: .*learn\\." "$log" || true)"
echo "crashes: $crashes; server up at the end: $up"
echo "logs: $FUZZ_OUT"
if [ "$crashes" -ne 0 ] || [ "$up" != yes ]; then
	echo "pg_learn: FAILED: backends crashed; what they ran:" >&2
	cat "$FUZZ_OUT/crashes.txt" >&2
	exit 1
fi
