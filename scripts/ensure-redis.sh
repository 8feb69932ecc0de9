#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379: starts one (no persistence, loopback only) if it is
# not running, installing Debian's package first if needed.
set -euo pipefail

ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if command -v redis-cli >/dev/null && ready; then
  echo "Redis is running."
  exit 0
fi
if ! command -v redis-server >/dev/null; then
  echo "Installing Redis from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
for _ in $(seq 1 40); do
  if ready; then
    echo "Redis is running."
    exit 0
  fi
  sleep 0.25
done
echo "Redis did not start; see /var/log/redis/ci.log" >&2
exit 1
