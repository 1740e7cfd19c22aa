#!/bin/sh
# Installs what pg_learn needs on Debian 12 (apt, as root), then builds and
# installs the extension into PostgreSQL 15.
set -eu
cd "$(dirname "$0")/.."

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PACKAGES="make gcc libc6-dev postgresql-15 postgresql-server-dev-15 \
liblapacke-dev libopenblas-dev libipc-run-perl perl"

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
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

make -s PG_CONFIG="$PG_CONFIG"
if [ "$(id -u)" -eq 0 ] || [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
	make -s PG_CONFIG="$PG_CONFIG" install
else
	echo "pg_learn: cannot write to $("$PG_CONFIG" --pkglibdir); run 'make install' as root" >&2
	exit 1
fi
