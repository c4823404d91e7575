#!/usr/bin/env bash
# Makes the REAL capture fixtures in fixtures/pcap/real/ (needs root, tcpdump, dumpcap):
#   apt-get update && apt-get install -y tcpdump tshark
#   scripts/make-pcap-fixtures.sh
# Each capture records scripts/pcap-traffic.ts on the loopback interface. Tests never
# run this; they read the committed files. Then it prints tshark's own reading of each
# file (frame count, first and last timestamps), which the tests hold as literal data.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
out=fixtures/pcap/real
mkdir -p "$out"

LP=15050
API=15051
FILTER="tcp port $LP or tcp port $API"

# capture <file> <command...>: starts the capture, runs the traffic, stops the capture by its pid.
capture() {
  local file=$1 host=$2
  shift 2
  "$@" &
  local pid=$!
  sleep 1.5
  node scripts/pcap-traffic.ts "$host" "$LP" "$API"
  sleep 1
  kill -INT "$pid"
  wait "$pid" || true
  chmod 644 "$file"
}

capture "$out/lo-ipv4.pcap" 127.0.0.1 tcpdump -q -i lo -s 0 -w "$out/lo-ipv4.pcap" "$FILTER"
capture "$out/lo-ipv6.pcap" ::1 tcpdump -q -i lo -s 0 -w "$out/lo-ipv6.pcap" "$FILTER"
capture "$out/lo-ipv4-nanos.pcap" 127.0.0.1 \
  tcpdump -q -i lo -s 0 --time-stamp-precision=nano -w "$out/lo-ipv4-nanos.pcap" "$FILTER"
capture "$out/lo-dumpcap.pcapng" 127.0.0.1 dumpcap -q -i lo -f "$FILTER" -w "$out/lo-dumpcap.pcapng"
capture "$out/any-sll2.pcap" 127.0.0.1 tcpdump -q -i any -s 0 -w "$out/any-sll2.pcap" "$FILTER"
capture "$out/any-sll.pcap" 127.0.0.1 tcpdump -q -i any -y LINUX_SLL -s 0 -w "$out/any-sll.pcap" "$FILTER"
# A short snap length: every data segment is cut.
capture "$out/lo-snaplen-128.pcap" 127.0.0.1 tcpdump -q -i lo -s 128 -w "$out/lo-snaplen-128.pcap" "$FILTER"
# tshark rewrites a pcap as pcapng (its own SHB/IDB options).
tshark -r "$out/lo-ipv4.pcap" -F pcapng -w "$out/lo-ipv4-tshark.pcapng"

for f in "$out"/*.pcap "$out"/*.pcapng; do
  count=$(tshark -r "$f" -T fields -e frame.number | wc -l)
  first=$(tshark -r "$f" -T fields -e frame.time_epoch -c 1)
  last=$(tshark -r "$f" -T fields -e frame.time_epoch | tail -1)
  echo "$(basename "$f") frames=$count first=$first last=$last"
done
