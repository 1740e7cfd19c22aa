# Sourced by setup.sh, cluster.sh, test.sh, demo.sh and bench/run.sh: which
# PostgreSQL to build against and run.  Unless PG_CONFIG is set, it is the
# pg_config of the PostgreSQL the running Debian release ships: postgresql-N,
# the version Debian's "postgresql" package depends on (15 on bookworm, 17
# on trixie, 18 on sid).  Without apt's package lists it is the newest
# installed /usr/lib/postgresql/N; as root, apt-get update is the last
# resort.  Exports PG_CONFIG and PG_MAJOR (N).

release_pg_major() {
	apt-cache depends postgresql 2>/dev/null |
		sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1
}

installed_pg_major() {
	for c in /usr/lib/postgresql/*/bin/pg_config; do
		[ -x "$c" ] && echo "$c"
	done | sed -n 's|^/usr/lib/postgresql/\([0-9][0-9]*\)/bin/pg_config$|\1|p' |
		sort -n | tail -n 1
}

if [ -n "${PG_CONFIG:-}" ]; then
	if [ -x "$PG_CONFIG" ] || command -v "$PG_CONFIG" >/dev/null 2>&1; then
		PG_MAJOR=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')
	else
		# not installed yet: Debian's layout names the version
		PG_MAJOR=$(echo "$PG_CONFIG" | sed -n 's|^/usr/lib/postgresql/\([0-9][0-9]*\)/bin/pg_config$|\1|p')
	fi
else
	PG_MAJOR=$(release_pg_major)
	[ -n "$PG_MAJOR" ] || PG_MAJOR=$(installed_pg_major)
	if [ -z "$PG_MAJOR" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -q >&2
		PG_MAJOR=$(release_pg_major)
	fi
	if [ -z "$PG_MAJOR" ]; then
		echo "pg_learn: cannot tell which PostgreSQL this Debian ships (no apt package lists, none installed); run as root or set PG_CONFIG" >&2
		exit 1
	fi
	PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
fi
export PG_CONFIG PG_MAJOR
