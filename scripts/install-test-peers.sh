#!/usr/bin/env bash
# Installs the Debian packages the tests use as real peers (socat, snmpd,
# kamailio, postgresql, prometheus tools...), listed one per line in
# .ci/peers.d/*.list. Installs only what is missing. In CI (CI=true) a peer
# that cannot be installed fails the run; elsewhere it warns, and the tests
# that need it skip with a message saying so.
set -u
cd "$(dirname "$0")/.."
want=$(cat .ci/peers.d/*.list 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
[ -n "$want" ] || exit 0
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "test peers: all installed"; exit 0; }
echo "test peers: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/branchready-apt.log 2>&1; }; then
  echo "test peers: apt-get install failed (see /tmp/branchready-apt.log)"
  tail -n 20 /tmp/branchready-apt.log
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "test peers: continuing; tests needing them will skip (they fail in CI)"
fi
# Debian starts some peers as system services on install; the tests start
# their own on loopback, so stop the system ones to free their ports.
for svc in snmpd kamailio postgresql; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then $sudo systemctl stop "$svc" || true; fi
  if command -v service >/dev/null 2>&1; then $sudo service "$svc" stop >/dev/null 2>&1 || true; fi
done
exit 0
