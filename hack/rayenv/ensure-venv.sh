#!/usr/bin/env bash
# Creates the Python virtualenv that the real-Ray tests (test/ray) run Ray
# from, and installs one pinned Ray release into it. Installs once: a stamp
# file records the installed version, and a later run with the same version
# does nothing.
#
# usage: ensure-venv.sh VENV_DIR RAY_VERSION [--if-possible]
#
# --if-possible: used by `make test`. When Python's venv module is missing or
# the package index cannot be reached, print why and exit 0, so the Ray tests
# skip (they say so) instead of failing the whole run.
set -euo pipefail

venv=${1:?usage: ensure-venv.sh VENV_DIR RAY_VERSION [--if-possible]}
version=${2:?usage: ensure-venv.sh VENV_DIR RAY_VERSION [--if-possible]}
optional=false
[ "${3:-}" = "--if-possible" ] && optional=true
python=${PYTHON:-python3}
stamp="$venv/.ray-$version-installed"

give_up() {
  if $optional; then
    echo "ray-venv: $1; the real-Ray tests (test/ray) will be skipped. Run 'make ray-venv' to see the error."
    exit 0
  fi
  echo "ray-venv: $1" >&2
  exit 1
}

if [ -f "$stamp" ] && [ -x "$venv/bin/ray" ]; then
  echo "ray-venv: Ray $version already installed in $venv"
  exit 0
fi

command -v "$python" >/dev/null 2>&1 || give_up "$python not found"
"$python" -c 'import venv, ensurepip' 2>/dev/null || give_up "$python has no venv/ensurepip module"

if $optional; then
  # A short reachability check, so an offline machine does not wait for
  # pip's own retries before `make test` goes on.
  if ! timeout 60 "$python" -m pip index versions ray >/dev/null 2>&1; then
    give_up "the Python package index is not reachable"
  fi
fi

echo "ray-venv: creating $venv with $("$python" --version 2>&1)"
rm -rf "$venv"
"$python" -m venv "$venv" || give_up "python3 -m venv failed"
echo "ray-venv: upgrading pip"
"$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q --upgrade pip ||
  give_up "upgrading pip failed"
echo "ray-venv: installing ray[default]==$version (about 200 MB to download, a few minutes)"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
  "ray[default]==$version" 2>&1 | grep --line-buffered -E '^(Collecting|Successfully|ERROR)'; then
  give_up "pip install ray[default]==$version failed"
fi
"$venv/bin/ray" --version >/dev/null || give_up "ray is not runnable after the install"
touch "$stamp"
echo "ray-venv: Ray $version ready in $venv"
