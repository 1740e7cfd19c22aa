#!/bin/sh
# Installs the database clients that tests/t/012_drivers.pl scores with,
# from Debian (apt, as root): psycopg 3, pyodbc with psqlODBC under
# unixODBC, and Node.js with node-postgres.  scripts/test.sh runs it before
# the suite, which then requires them; the extension itself needs none.
#
# Debian's node-pg fits Debian's nodejs only.  Where another Node.js is
# installed (one that brings its own npm), node-pg is left out and the test
# installs pg from the npm registry into a temporary directory instead.
# Exits non-zero when a client is missing and cannot be installed.
set -eu

PACKAGES="python3 python3-psycopg python3-pyodbc unixodbc odbc-postgresql nodejs"

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

missing=""
for p in $PACKAGES; do
	installed "$p" || missing="$missing $p"
done
node_pg=yes
installed node-pg || command -v npm >/dev/null 2>&1 || node_pg=no
[ -n "$missing" ] || [ $node_pg = no ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	[ $node_pg = yes ] || missing="$missing node-pg"
	echo "pg_learn: the test clients need Debian packages:$missing (run this as root to install them)" >&2
	exit 1
fi
echo "pg_learn: installing the test clients:$missing"
apt-get update -q ||
	echo "pg_learn: apt-get update failed; trying the package lists at hand" >&2
if [ -n "$missing" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
if ! installed node-pg && ! command -v npm >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends node-pg
fi
