# Sourced by demo.sh, test.sh and bench/run.sh: a throwaway cluster of the
# PostgreSQL that postgresql.sh picks (PG_CONFIG), in a temporary directory,
# stopped and removed on exit.  Exports PGHOST, PGPORT, PGUSER and
# PGDATABASE for psql and pg_regress.
. ./scripts/postgresql.sh
PGBIN=$("$PG_CONFIG" --bindir)
CLUSTER_DIR=$(mktemp -d /tmp/pg_learn_cluster.XXXXXX)
export PGHOST="$CLUSTER_DIR" PGPORT=${PGPORT:-55437} PGUSER=$(id -un) PGDATABASE=postgres

cluster_stop() {
	"$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$CLUSTER_DIR"
}
trap cluster_stop EXIT INT TERM

"$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U "$PGUSER" -A trust --no-locale -E UTF8 >"$CLUSTER_DIR/initdb.log" 2>&1 ||
	{ cat "$CLUSTER_DIR/initdb.log"; exit 1; }
"$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
	-o "-k $CLUSTER_DIR -p $PGPORT -c listen_addresses=''" start >/dev/null ||
	{ cat "$CLUSTER_DIR/server.log"; exit 1; }
