# Sourced by demo.sh and test.sh when run as root: initdb refuses to run as
# root, so the rest runs as the postgres user in a copy of the tree.
# Usage: run_as_postgres <script> [args...]; exits with its status.
run_as_postgres() {
	work=$(mktemp -d /tmp/pg_learn_work.XXXXXX)
	tar -c --exclude=.git . | tar -x -C "$work"
	chown -R postgres "$work"
	status=0
	runuser -u postgres -- sh -c "cd '$work' && $*" || status=$?
	rm -rf "$work"
	exit $status
}
