#!/bin/sh
# Installs what pg_learn needs on Debian (apt, as root): the PostgreSQL the
# running release ships (see postgresql.sh) with its server headers, the
# compiler, LAPACKE and the serial OpenBLAS; then builds the extension and
# installs it into that PostgreSQL.  Set PG_CONFIG to use another one, and
# WERROR=1 to make compiler warnings errors.
set -eu
cd "$(dirname "$0")/.."
. ./scripts/postgresql.sh

if [ -z "$PG_MAJOR" ]; then
	echo "pg_learn: cannot tell the PostgreSQL version of PG_CONFIG=$PG_CONFIG" >&2
	exit 1
fi
# libopenblas-serial-dev: the OpenBLAS that starts no threads in a backend
PACKAGES="make gcc libc6-dev binutils postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR \
liblapacke-dev libopenblas-serial-dev libipc-run-perl perl"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "pg_learn: missing Debian packages:$missing (run this as root to install them)" >&2
		exit 1
	fi
	echo "pg_learn: installing$missing"
	# stale or unreachable lists need not stop an install that can do without
	apt-get update -q ||
		echo "pg_learn: apt-get update failed; trying the package lists at hand" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

make -s PG_CONFIG="$PG_CONFIG"
if [ "$(id -u)" -eq 0 ] || [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
	make -s PG_CONFIG="$PG_CONFIG" install
else
	echo "pg_learn: cannot write to $("$PG_CONFIG" --pkglibdir); run 'make install' as root" >&2
	exit 1
fi
