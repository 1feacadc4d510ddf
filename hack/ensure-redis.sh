#!/usr/bin/env bash
# Makes sure redis-server is on PATH: installs Debian's package when missing and
# running as root, otherwise says what to install.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server not found: installing Debian's redis-server package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
  # the package starts a system service on 6379; tests start their own servers
  (service redis-server stop || systemctl stop redis-server || true) >/dev/null 2>&1
  command -v redis-server >/dev/null && exit 0
fi
echo "redis-server is required by the tests. Install it (e.g. 'sudo apt-get install redis-server') and run again." >&2
exit 1
