#!/usr/bin/env bash
# The test-suite starts its own throwaway PostgreSQL cluster from the server binaries.
# Find them; install Debian's package when we are root and allowed to; else say what to do.
set -eu
find_initdb() {
  command -v initdb 2>/dev/null && return 0
  ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 | grep . && return 0
  return 1
}
if find_initdb >/dev/null; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null && [ "${HUB_NO_APT:-}" != "1" ]; then
  echo "PostgreSQL server binaries not found: installing Debian's postgresql package" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  find_initdb >/dev/null && exit 0
fi
echo "error: the PostgreSQL server binaries (initdb, pg_ctl) are missing." >&2
echo "       install them (Debian: apt-get install postgresql) and run make test again." >&2
exit 1
