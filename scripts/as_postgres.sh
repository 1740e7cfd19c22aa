# Sourced by demo.sh, test.sh and bench/run.sh before they start a cluster.
#
# setup_then_drop_root <command> [args...]: runs scripts/setup.sh; then, as
# root, runs <command> as the postgres user in a copy of the tree and exits
# with its status (initdb refuses to run as root).  As any other user it
# returns, and the caller goes on itself.  PG_CONFIG and WERROR are passed
# on, so that the command uses the PostgreSQL setup.sh built for.
setup_then_drop_root() {
	./scripts/setup.sh
	[ "$(id -u)" -eq 0 ] || return 0
	. ./scripts/postgresql.sh
	work=$(mktemp -d /tmp/pg_learn_work.XXXXXX)
	tar -c --exclude=.git . | tar -x -C "$work"
	chown -R postgres "$work"
	status=0
	runuser -u postgres -- env PG_CONFIG="$PG_CONFIG" ${WERROR:+WERROR="$WERROR"} \
		sh -c "cd '$work' && $*" || status=$?
	rm -rf "$work"
	exit $status
}
