#!/usr/bin/env bash
# Installs the system packages wamp-push builds against (and any extra ones named as arguments),
# with apt-get when run as root; otherwise prints exactly what to install and fails.
# With --optional first, the named packages are installed when possible and their absence is
# only reported (tests that need them skip with a reason).
set -euo pipefail
optional=0
if [ "${1:-}" = "--optional" ]; then optional=1; shift; packages=("$@"); else packages=(libssl-dev libsqlite3-dev libzmq3-dev "$@"); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "wamp-push: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    [ "$optional" -eq 1 ] || exit 1
    echo "wamp-push: could not install ${missing[*]}; tests that need them are skipped" >&2
  fi
elif [ "$optional" -eq 1 ]; then
  echo "wamp-push: optional test peers not installed (tests that need them are skipped): ${missing[*]}" >&2
else
  echo "wamp-push: missing system packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
