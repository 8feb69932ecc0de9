#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432: starts the machine's cluster if it is stopped,
# installs and creates one (trust auth on loopback, for tests) if there is none.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if command -v pg_isready >/dev/null && ready; then
  echo "PostgreSQL is running."
  exit 0
fi

if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  echo "Installing PostgreSQL from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
cluster=$(pg_lsclusters -h | awk 'NR==1 {print $2}')
hba="/etc/postgresql/$version/$cluster/pg_hba.conf"
# Tests connect as postgres over loopback without a password.
if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start 2>/dev/null \
  || pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" reload 2>/dev/null || true

for _ in $(seq 1 60); do
  if ready; then
    echo "PostgreSQL $version/$cluster is running."
    exit 0
  fi
  sleep 0.5
done
echo "PostgreSQL did not start; see /var/log/postgresql/" >&2
exit 1
