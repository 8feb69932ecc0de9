#!/usr/bin/env bash
# Before `npm test`: the services the tests talk to. PostgreSQL and Redis for the worker tests, and the
# test mail stack (Postfix + Dovecot on loopback) for the email tests. Each step is quick when already up.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh >/dev/null
scripts/ensure-redis.sh >/dev/null
scripts/mail-stack.sh start >/dev/null
