#!/bin/sh
# The README's test command on every PostgreSQL Debian ships: for each
# release (bookworm: PostgreSQL 15, trixie: 17, sid: 18) a fresh minimal
# root (debootstrap --variant=minbase, from the mirror the host's apt uses),
# a copy of this checkout in it, and the README's commands run inside as
# root (chroot): ./scripts/demo.sh on the fresh root, then the test command,
# ./scripts/test.sh.  The releases run side by side; each writes a log,
# shown when it fails.  Everything lives in one temporary directory (a
# tmpfs when memory allows), unmounted and removed on every exit.  Exits
# non-zero if any release fails.  Run as root.
#
# Usage: scripts/debian-matrix.sh [RELEASE...]
# Environment: MATRIX_RELEASES (releases, when none are given; default
# "bookworm trixie sid"), MATRIX_JOBS (releases at a time, default all),
# MATRIX_TIMEOUT (seconds a release may take, default 1500), MATRIX_TMPFS_MB
# (0: no tmpfs), DEBIAN_MIRROR (default: the host's), TMPDIR.
set -eu
cd "$(dirname "$0")/.."
SRC=$(pwd)
SELF=$SRC/scripts/debian-matrix.sh
TIMEOUT=${MATRIX_TIMEOUT:-1500}

# Ends what this script started inside a root: processes whose root
# directory is in it (a server a test left behind), then its mounts.
release_root() {
	root=$1
	for p in /proc/[0-9]*; do
		link=$(readlink "$p/root" 2>/dev/null) || continue
		case "$link" in
		"$root" | "$root"/*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;;
		esac
	done
	# innermost first
	for m in $(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" || return 1
	done
}

# A copy of the checkout as it is (tracked and new files, not what is
# ignored, such as build output).
copy_checkout() {
	dest=$1
	mkdir -p "$dest"
	if git -c safe.directory="$SRC" -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -c safe.directory="$SRC" -C "$SRC" ls-files -z --cached --others --exclude-standard |
			(cd "$SRC" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
			(cd "$SRC" && tar --null -T - -c) | tar -x -C "$dest"
	else
		(cd "$SRC" && tar -c --exclude=.git --exclude='*.o' --exclude='*.so' \
			--exclude=tmp_check --exclude=results .) | tar -x -C "$dest"
	fi
}

# run_release RELEASE: bootstrap its root and run the tests in it; leaves
# the elapsed seconds and the outcome in $TOP/RELEASE.result.
run_release() {
	r=$1
	root=$TOP/$r
	log=$TOP/$r.log
	start=$(date +%s)
	status=0
	{
		script=$r
		[ -e "/usr/share/debootstrap/scripts/$r" ] || script=sid
		echo "== debootstrap --variant=minbase $r $MIRROR"
		debootstrap --variant=minbase "$r" "$root" "$MIRROR" "/usr/share/debootstrap/scripts/$script" &&
			# no services start inside, PostgreSQL's own "main" cluster included
			printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" &&
			chmod 755 "$root/usr/sbin/policy-rc.d" &&
			cp -L /etc/resolv.conf "$root/etc/resolv.conf" &&
			# a mirror that is a snapshot serves sid's Release past its
			# Valid-Until date; a test root still takes its packages
			echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99pg-learn-matrix" &&
			mount -t proc proc "$root/proc" &&
			mount -t tmpfs -o mode=1777 shm "$root/dev/shm" &&
			mkdir -p "$root/dev/pts" &&
			mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" &&
			copy_checkout "$root/root/pg_learn" &&
			echo "== the README's commands in $r: ./scripts/demo.sh, ./scripts/test.sh" &&
			timeout -k 10 "$TIMEOUT" chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
				PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
				sh -c 'cd /root/pg_learn && ./scripts/demo.sh && ./scripts/test.sh'
	} >"$log" 2>&1 </dev/null || status=$?
	end=$(date +%s)
	if [ $status -eq 0 ]; then
		outcome=pass
	elif [ $status -eq 124 ]; then
		outcome="FAIL (timed out after ${TIMEOUT}s)"
	else
		outcome="FAIL (exit $status)"
	fi
	pg=$(sed -n 's/^pg_learn: testing against //p' "$log" | head -n 1)
	echo "$((end - start)) $outcome${pg:+, $pg}" >"$TOP/$r.result"
}

# --one RELEASE (internal): one release, in a session of its own, so that
# the cleanup can end it with all that it started (debootstrap included)
if [ "${1:-}" = --one ]; then
	echo $$ >"$TOP/$2.pid"
	run_release "$2"
	rm -f "$TOP/$2.pid"
	exit 0
fi

RELEASES=${*:-${MATRIX_RELEASES:-bookworm trixie sid}}
JOBS=${MATRIX_JOBS:-0}
LOG_LINES=150

if [ "$(id -u)" -ne 0 ]; then
	echo "debian-matrix: run as root (debootstrap, mount and chroot need it)" >&2
	exit 2
fi
for r in $RELEASES; do
	case "$r" in
	'' | *[!a-z0-9-]*) echo "debian-matrix: bad release name '$r'" >&2; exit 2 ;;
	esac
done
case "$JOBS$TIMEOUT${MATRIX_TMPFS_MB:-}" in
*[!0-9]*) echo "debian-matrix: MATRIX_JOBS, MATRIX_TIMEOUT and MATRIX_TMPFS_MB must be integers" >&2; exit 2 ;;
esac

if ! command -v debootstrap >/dev/null 2>&1; then
	echo "debian-matrix: installing debootstrap"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
fi

# The Debian mirror of the host's apt sources (one-line or deb822 format),
# not its security mirror.
host_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([a-z+]*:\/\/[^[:space:]]*\).*/\2/p' \
			-e 's/^[[:space:]]*URIs:[[:space:]]*//p' |
		tr ' ' '\n' | grep -E '^[a-z+]+://[^ ]*/debian/?$' | head -n 1
}
MIRROR=${DEBIAN_MIRROR:-$(host_mirror)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

TOP=$(mktemp -d "${TMPDIR:-/tmp}/pg_learn_matrix.XXXXXX")
cleanup() {
	status=$?
	trap - EXIT INT TERM
	# releases still running: their sessions, TERM then KILL
	groups=""
	for r in $RELEASES; do
		[ -s "$TOP/$r.pid" ] && groups="$groups $(cat "$TOP/$r.pid")"
	done
	for g in $groups; do
		kill -s TERM -- "-$g" 2>/dev/null || true
	done
	[ -z "$groups" ] || sleep 2
	for g in $groups; do
		kill -s KILL -- "-$g" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	ok=yes
	for r in $RELEASES; do
		[ -d "$TOP/$r" ] || continue
		release_root "$TOP/$r" || ok=no
	done
	if [ $ok = yes ] && mountpoint -q "$TOP"; then
		umount "$TOP" || umount -l "$TOP" || ok=no
	fi
	if [ $ok = yes ]; then
		rm -rf "$TOP"
	else
		echo "debian-matrix: could not unmount everything under $TOP; left it in place" >&2
		status=1
	fi
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The roots in memory when there is room (dpkg's syncs cost nothing there,
# and the cleanup is one umount): MATRIX_TMPFS_MB, default 4 GiB a release
# (a release's root takes 1.8 GB, its test clusters up to 1.2 GB more).
nreleases=$(echo $RELEASES | wc -w)
TMPFS_MB=${MATRIX_TMPFS_MB:-$((4096 * nreleases))}
AVAIL_MB=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
if [ "$TMPFS_MB" -gt 0 ] && [ "${AVAIL_MB:-0}" -gt $((TMPFS_MB + 2048)) ]; then
	mount -t tmpfs -o "size=${TMPFS_MB}m,mode=0700" pg_learn_matrix "$TOP"
fi

echo "debian-matrix: $RELEASES from $MIRROR in $TOP"
export TOP MIRROR
matrix_start=$(date +%s)
running=0
for r in $RELEASES; do
	if [ "$JOBS" -gt 0 ] && [ $running -ge "$JOBS" ]; then
		wait
		running=0
	fi
	setsid "$SELF" --one "$r" &
	running=$((running + 1))
done
wait

failed=""
for r in $RELEASES; do
	read -r secs outcome <"$TOP/$r.result" 2>/dev/null || { secs=?; outcome="FAIL (no result)"; }
	case "$outcome" in
	pass*) ;;
	*)
		failed="$failed $r"
		echo "---- $r: last $LOG_LINES lines of its log ----"
		tail -n $LOG_LINES "$TOP/$r.log" 2>/dev/null || true
		;;
	esac
done
echo "debian-matrix: results"
for r in $RELEASES; do
	read -r secs outcome <"$TOP/$r.result" 2>/dev/null || { secs=?; outcome="FAIL (no result)"; }
	printf '  %-10s %5ss  %s\n' "$r" "$secs" "$outcome"
done
echo "debian-matrix: $(($(date +%s) - matrix_start))s in all"
[ -z "$failed" ] || { echo "debian-matrix: failed:$failed" >&2; exit 1; }
