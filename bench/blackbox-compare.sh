#!/usr/bin/env bash
# CPU time per probe: Prometheus' blackbox_exporter versus branchready's
# tcp and http checks, probing the same loopback targets the same number of
# times. Loopback only; every step is bounded by timeout(1).
#
#   bench/blackbox-compare.sh            # 10 tcp + 10 http targets, K=4000 probes, C=4 in flight
#   NTCP=20 NHTTP=0 K=8000 C=8 bench/blackbox-compare.sh   # tcp only, more load
#
# NTCP and NHTTP (default 10 each) set the targets of each kind.
# Needs: go, prometheus-blackbox-exporter (Debian), Linux /proc.
set -euo pipefail
cd "$(dirname "$0")/.."
NTCP=${NTCP:-10} NHTTP=${NHTTP:-10} K=${K:-4000} C=${C:-4}
BBX=$(command -v prometheus-blackbox-exporter || command -v blackbox_exporter || true)
[[ -n $BBX ]] || { echo "blackbox_exporter not found: apt-get install prometheus-blackbox-exporter" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/benchtool" ./bench/benchtool
"$work/benchtool" targets -tcp "$NTCP" -http "$NHTTP" -out "$work/targets.txt" -for 5m &
pids+=($!)
for _ in $(seq 50); do [[ -s $work/targets.txt ]] && break; sleep 0.1; done

cat >"$work/blackbox.yml" <<'YAML'
modules:
  http_2xx:
    prober: http
    timeout: 5s
    http: {preferred_ip_protocol: ip4}
  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp: {preferred_ip_protocol: ip4}
YAML
port=$("$work/benchtool" freeport)
"$BBX" --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$port" --log.level=warn &
bbx=$!
pids+=($bbx)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== $((NTCP + NHTTP)) loopback targets ($NTCP tcp, $NHTTP http), $K probes, $C in flight; $(nproc) cores, $(go version | cut -d' ' -f3)"
echo "== $("$BBX" --version 2>&1 | head -1)"
theirs=$(timeout 120 "$work/benchtool" drive -targets "$work/targets.txt" -url "http://127.0.0.1:$port" -pid "$bbx" -k "$K" -c "$C")
echo "$theirs" | grep -v '^RESULT'
kill "$bbx"
ours=$(timeout 120 "$work/benchtool" probe -targets "$work/targets.txt" -k "$K" -c "$C")
echo "$ours" | grep -v '^RESULT'

b=$(echo "$theirs" | sed -n 's/^RESULT blackbox_us=\([0-9.]*\).*/\1/p')
o=$(echo "$ours" | sed -n 's/^RESULT ours_us=\([0-9.]*\).*/\1/p')
cat <<TXT
== Fairness: blackbox_exporter's figure includes serving each /probe request (HTTP parsing, a
   registry and the text exposition of its metrics) over kept-alive connections; our checks have no
   such front door (the agent spools and ships results per sweep instead, not counted here). The
   load driver's own CPU is excluded on both sides; the targets' CPU is counted on neither.
TXT
awk -v b="$b" -v o="$o" 'BEGIN { printf "== CPU per probe: blackbox_exporter %.1f µs, branchready %.1f µs, ratio ours/theirs %.2f (target <= 0.50)\n", b, o, o / b }'
