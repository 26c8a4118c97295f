#!/usr/bin/env bash
# Install the system peers the tests talk to (net-snmp, NUT, Prometheus tools, Chromium, nftables, iproute2),
# when any is missing. As root this uses apt-get; otherwise it says what to install and fails.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
have snmpd            || need+=(snmpd)
have snmpget          || need+=(snmp)
have /lib/nut/upsd    || need+=(nut-server)
have /lib/nut/dummy-ups || need+=(nut-server)
have upsc             || need+=(nut-client)
have promtool         || need+=(prometheus)
have prometheus-snmp-exporter || need+=(prometheus-snmp-exporter)
have chromium         || need+=(chromium)
have nft              || need+=(nftables)
have ip               || need+=(iproute2)
have wrk              || need+=(wrk)
have curl             || need+=(curl)
[ ${#need[@]} -eq 0 ] && exit 0
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: missing packages: ${need[*]}; install them (Debian: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
