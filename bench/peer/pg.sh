#!/bin/sh
# bench/peer/pg.sh: make sure PostgreSQL's server binaries are installed,
# from Debian's packages. The peer (package bench/peer) then runs its own
# server: initdb in a temporary directory, postgres on a free port of
# 127.0.0.1 with its unix socket in that directory, durability on, and
# removes it all at the end. initdb and postgres refuse to run as root; as
# root the peer runs them as the user "postgres" that the package creates.
# The package's own default cluster (port 5432) is neither used nor started.
set -eu
for d in /usr/lib/postgresql/*/bin; do
	if [ -x "$d/postgres" ] && [ -x "$d/initdb" ]; then
		echo "$d"
		exit 0
	fi
done
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y postgresql >&2
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/postgres" ] && echo "$d" && exit 0
done
echo "pg.sh: postgresql installed but no server binaries found" >&2
exit 1
