#!/usr/bin/env bash
# test-services.sh — the servers `npm test` talks to, private to the tests: a throw-away PostgreSQL
# (initdb from Debian's binaries) and Redis, on loopback and ports of their own, in one state folder
# ${TEST_SERVICES_DIR:-/tmp/service-desk-test-services} (a -UID suffix for users other than root). They are
# reused while they run. The machine's own servers (PostgreSQL on 5432, Redis on 6379, /etc/postgresql)
# are never read, started, stopped or edited; root is needed only to apt-get install missing binaries.
#
# Usage: scripts/test-services.sh COMMAND
#   start          install if needed, start PostgreSQL and Redis (a quick no-op when they run), then the
#                  test mail stack (scripts/mail-stack.sh start). `npm test` runs this first (pretest).
#   start-servers  the same without the mail stack
#   stop           stop the private PostgreSQL and Redis (the shared mail stack is left running)
#   status         print state; exit 0 only if both run
#   env            print `export TEST_DATABASE_URL=…` and `export TEST_REDIS_URL=…` for the running
#                  servers, e.g. `eval "$(scripts/test-services.sh env)" && npm test` runs the tests on
#                  PostgreSQL; exit 1 if one is needed and not running
#   install        apt-get install postgresql and redis-server if their binaries are missing
#
# Servers of your own: with TEST_DATABASE_URL or TEST_REDIS_URL set, that part is yours; start-servers
# skips it and env prints your value back.
# Environment: TEST_SERVICES_DIR, TEST_SERVICES_PG_PORT (55440), TEST_SERVICES_REDIS_PORT (56380): the
# preferred ports, the next free one is taken when busy.
set -euo pipefail

default_dir=/tmp/service-desk-test-services
((EUID == 0)) || default_dir+="-$EUID"
readonly STATE_DIR="${TEST_SERVICES_DIR:-$default_dir}"
readonly PG_PREFERRED_PORT="${TEST_SERVICES_PG_PORT:-55440}"
readonly REDIS_PREFERRED_PORT="${TEST_SERVICES_REDIS_PORT:-56380}"
readonly HOST=127.0.0.1

readonly PG_DIR="$STATE_DIR/pg"
readonly PG_DATA="$PG_DIR/data"
readonly PG_SOCKET="$PG_DIR/socket"
readonly PG_LOG="$PG_DIR/postgres.log"
readonly REDIS_DIR="$STATE_DIR/redis"
readonly REDIS_PIDFILE="$REDIS_DIR/redis.pid"
readonly REDIS_PORTFILE="$REDIS_DIR/port"
readonly REDIS_LOG="$REDIS_DIR/redis.log"

readonly POLICY_RC=/usr/sbin/policy-rc.d
readonly POLICY_RC_BACKUP=/usr/sbin/policy-rc.d.test-services-saved

die() {
    echo "test-services: error: $*" >&2
    exit 1
}

note() { echo "test-services: $*" >&2; }

show_log() {
    if [[ -s $1 ]]; then
        echo "---- last lines of $1 ----" >&2
        tail -n 25 "$1" >&2
        echo "----" >&2
    fi
}

validate_settings() {
    local p
    [[ $STATE_DIR == /* && $STATE_DIR =~ ^[A-Za-z0-9_./-]+$ && $STATE_DIR != / ]] ||
        die "TEST_SERVICES_DIR must be an absolute path made of [A-Za-z0-9_./-], got '$STATE_DIR'"
    for p in "$PG_PREFERRED_PORT" "$REDIS_PREFERRED_PORT"; do
        if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1024 || p > 65000)); then die "invalid port '$p'"; fi
    done
}

LOCK_FD=
# Serialise start and stop: several test runs (worktrees, CI steps) may start at once.
take_lock() {
    mkdir -p "$STATE_DIR"
    chmod 0755 "$STATE_DIR" # the postgres user must reach its folder inside
    exec {LOCK_FD}>"$STATE_DIR/.lock"
    flock -w 120 "$LOCK_FD" || die "timed out waiting for $STATE_DIR/.lock"
}

# Something LISTENs on PORT, on any address (read from /proc: no probe connection).
port_busy() {
    local hex file _sl local_addr _rem state _rest
    printf -v hex ':%04X' "$1"
    for file in /proc/net/tcp /proc/net/tcp6; do
        [[ -r $file ]] || continue
        while read -r _sl local_addr _rem state _rest; do
            [[ $state == 0A && $local_addr == *"$hex" ]] && return 0
        done <"$file"
    done
    return 1
}

# The first port from PREFERRED on that nobody listens on.
free_port() {
    local port=$1
    while port_busy "$port"; do
        ((port < $1 + 200)) || die "no free port in $1-$port"
        port=$((port + 1))
    done
    echo "$port"
}

# A stopped daemon can linger as a zombie where nothing reaps orphans (containers), so `kill -0` would
# call it alive: PID is alive when it exists, is not a zombie, and its name is NAME.
pid_alive() {
    local pid=$1 name=$2 comm line
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
    [[ $comm == "$name" ]] || return 1
    while IFS= read -r line; do
        if [[ $line =~ ^State:[[:space:]]+([A-Za-z]) ]]; then
            [[ ${BASH_REMATCH[1]} != [ZX] ]]
            return
        fi
    done 2>/dev/null <"/proc/$pid/status"
    return 1
}

not() { ! "$@"; }

wait_until() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
    shift
    until "$@"; do
        ((${EPOCHREALTIME/./} < deadline)) || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------------------------------------
# Binaries and their install

# Debian keeps PostgreSQL's server binaries per major version: the newest installed one.
pg_bin_newest() {
    local dir best=
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/pg_isready ]] || continue
        local version=${dir#/usr/lib/postgresql/}
        version=${version%/bin}
        [[ $version =~ ^[0-9]+$ ]] || continue
        if [[ -z $best ]] || ((version > ${best#*:})); then best="$dir:$version"; fi
    done
    [[ -n $best ]] && echo "${best%:*}"
}

missing_packages() {
    pg_bin_newest >/dev/null || echo postgresql
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || echo redis-server
}

# Package maintainer scripts would start system-wide daemons (PostgreSQL's main cluster, Redis on 6379).
# A policy-rc.d that exits 101 tells invoke-rc.d "not allowed". An existing one that already says 101
# (Docker images ship one) is left alone; any other is set aside and restored.
POLICY_RC_STATE=
block_service_starts() {
    if [[ -e $POLICY_RC ]]; then
        local rc=0
        "$POLICY_RC" redis-server start >/dev/null 2>&1 || rc=$?
        if ((rc == 101)); then
            POLICY_RC_STATE=kept
            return
        fi
        mv -f "$POLICY_RC" "$POLICY_RC_BACKUP"
        POLICY_RC_STATE=replaced
    else
        POLICY_RC_STATE=created
    fi
    printf '#!/bin/sh\n# temporary, from scripts/test-services.sh install\nexit 101\n' >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"
}

unblock_service_starts() {
    case $POLICY_RC_STATE in
    created) rm -f "$POLICY_RC" ;;
    replaced) mv -f "$POLICY_RC_BACKUP" "$POLICY_RC" ;;
    esac
    POLICY_RC_STATE=
}

cmd_install() {
    local -a need
    mapfile -t need < <(missing_packages)
    ((${#need[@]} > 0)) || return 0
    ((EUID == 0)) || die "installing ${need[*]} needs root (or install them yourself, or set TEST_DATABASE_URL and TEST_REDIS_URL)"
    command -v apt-get >/dev/null || die "apt-get not found; install ${need[*]} by hand"
    mkdir -p "$STATE_DIR"
    local apt_log="$STATE_DIR/apt.log"
    note "installing ${need[*]} (log: $apt_log)"
    trap unblock_service_starts EXIT
    block_service_starts
    local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}")
    # Package lists may be missing or stale on a fresh machine: refresh once, only when needed.
    if ! "${apt[@]}" >"$apt_log" 2>&1; then
        note "apt-get install failed; running apt-get update and retrying"
        if ! { apt-get update -q && "${apt[@]}"; } >>"$apt_log" 2>&1; then
            unblock_service_starts
            trap - EXIT
            show_log "$apt_log"
            die "package install failed"
        fi
    fi
    unblock_service_starts
    trap - EXIT
    mapfile -t need < <(missing_packages)
    ((${#need[@]} == 0)) || die "installed, but binaries are still missing: ${need[*]}"
}

# ---------------------------------------------------------------------------------------------------------
# PostgreSQL: one cluster in $PG_DATA, trust on loopback, its unix socket in $PG_SOCKET.

PG_BIN=
# The binaries of the version the data folder was made with; the newest for a new one.
choose_pg_bin() {
    local version
    if [[ -r $PG_DATA/PG_VERSION ]]; then
        read -r version <"$PG_DATA/PG_VERSION"
        if [[ -x /usr/lib/postgresql/$version/bin/pg_ctl ]]; then
            PG_BIN=/usr/lib/postgresql/$version/bin
            return 0
        fi
    fi
    PG_BIN=$(pg_bin_newest) || return 1
}

# As root, PostgreSQL refuses to run: its commands run as the `postgres` user.
as_pg() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@") # from a folder it may enter
    else
        "$@"
    fi
}

# The port of the running server, from its postmaster.pid (pid on line 1, port on line 4); fails when it
# is not running.
pg_port() {
    local pid _dir _start port
    { read -r pid && read -r _dir && read -r _start && read -r port; } 2>/dev/null <"$PG_DATA/postmaster.pid" ||
        return 1
    pid_alive "$pid" postgres && [[ $port =~ ^[0-9]+$ ]] || return 1
    echo "$port"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h "$HOST" -p "$1" -U postgres -d postgres; }

pg_init() {
    local locale=C
    # The machine's Debian clusters use C.UTF-8 (lower() of non-ASCII letters); plain C when it is missing.
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
    rm -rf "$PG_DIR"
    mkdir -p "$PG_DATA" "$PG_SOCKET"
    chmod 0700 "$PG_DATA" "$PG_SOCKET"
    ((EUID != 0)) || chown -R postgres:postgres "$PG_DIR"
    note "initdb in $PG_DATA ($PG_BIN, locale $locale)"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale="$locale" --no-sync \
        --no-instructions >"$STATE_DIR/initdb.log" 2>&1 || {
        show_log "$STATE_DIR/initdb.log"
        die "initdb failed"
    }
    # A throw-away server: durability off for speed; room for many test files' pools in parallel.
    as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# scripts/test-services.sh: private, throw-away server for the tests
listen_addresses = '$HOST'
unix_socket_directories = '$PG_SOCKET'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

pg_start() {
    choose_pg_bin || die "no PostgreSQL server binaries under /usr/lib/postgresql (run: $0 install)"
    local port
    if port=$(pg_port) && wait_until 10 pg_ready "$port"; then return 0; fi
    [[ -r $PG_DATA/PG_VERSION && $PG_BIN == "/usr/lib/postgresql/$(<"$PG_DATA/PG_VERSION")/bin" ]] || pg_init
    # Left by a server that was killed (its zombie would make the new one believe it still runs).
    rm -f "$PG_DATA/postmaster.pid"
    port=$(free_port "$PG_PREFERRED_PORT")
    # The servers must not inherit the lock (they would hold it as long as they run).
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $port" -w -t 60 start </dev/null >/dev/null 2>&1 {LOCK_FD}>&- ||
        ! wait_until 10 pg_ready "$port"; then
        show_log "$PG_LOG"
        die "PostgreSQL did not start on $HOST:$port"
    fi
    note "PostgreSQL $(<"$PG_DATA/PG_VERSION") on $HOST:$port"
}

pg_stop() {
    pg_port >/dev/null || return 0
    choose_pg_bin || die "no PostgreSQL binaries to stop the server in $PG_DATA with"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    note "PostgreSQL stopped"
}

pg_url() { echo "postgres://postgres@$HOST:$1/postgres"; }

# ---------------------------------------------------------------------------------------------------------
# Redis: no persistence, loopback only, daemonised with its pid file in $REDIS_DIR.

# The port of the running server; fails when it is not running (a pid file can outlive its process).
redis_port() {
    local pid port
    [[ -r $REDIS_PIDFILE && -r $REDIS_PORTFILE ]] || return 1
    read -r pid <"$REDIS_PIDFILE" || return 1
    read -r port <"$REDIS_PORTFILE" || return 1
    pid_alive "$pid" redis-server && [[ $port =~ ^[0-9]+$ ]] || return 1
    echo "$port"
}

redis_ready() { [[ $(redis-cli -h "$HOST" -p "$1" ping 2>/dev/null) == PONG ]]; }

redis_start() {
    command -v redis-server >/dev/null || die "redis-server not found (run: $0 install)"
    local port
    if port=$(redis_port) && wait_until 10 redis_ready "$port"; then return 0; fi
    mkdir -p "$REDIS_DIR"
    rm -f "$REDIS_PIDFILE"
    port=$(free_port "$REDIS_PREFERRED_PORT")
    echo "$port" >"$REDIS_PORTFILE"
    redis-server --daemonize yes --bind "$HOST" --port "$port" --save '' --appendonly no \
        --dir "$REDIS_DIR" --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" </dev/null >"$REDIS_DIR/redis.out" 2>&1 {LOCK_FD}>&-
    if ! wait_until 10 redis_ready "$port"; then
        show_log "$REDIS_DIR/redis.out"
        show_log "$REDIS_LOG"
        die "Redis did not start on $HOST:$port"
    fi
    note "Redis on $HOST:$port"
}

redis_stop() {
    local port pid
    port=$(redis_port) || return 0
    read -r pid <"$REDIS_PIDFILE"
    redis-cli -h "$HOST" -p "$port" shutdown nosave >/dev/null 2>&1 || true
    wait_until 10 not pid_alive "$pid" redis-server || kill -KILL "$pid" 2>/dev/null || true
    note "Redis stopped"
}

redis_url() { echo "redis://$HOST:$1"; }

# ---------------------------------------------------------------------------------------------------------
# Commands

cmd_start_servers() {
    [[ -n ${TEST_DATABASE_URL:-} && -n ${TEST_REDIS_URL:-} ]] && return 0
    take_lock
    cmd_install
    [[ -n ${TEST_DATABASE_URL:-} ]] || pg_start
    [[ -n ${TEST_REDIS_URL:-} ]] || redis_start
}

cmd_start() {
    cmd_start_servers
    # Released first: the mail stack's daemons would otherwise inherit it.
    if [[ -n $LOCK_FD ]]; then exec {LOCK_FD}>&-; fi
    bash "$(dirname "$0")/mail-stack.sh" start >/dev/null
}

cmd_stop() {
    take_lock
    pg_stop
    redis_stop
}

cmd_status() {
    local port ok=0
    if [[ -n ${TEST_DATABASE_URL:-} ]]; then
        echo "PostgreSQL: given by TEST_DATABASE_URL (not started here)"
    elif port=$(pg_port); then
        echo "PostgreSQL $(<"$PG_DATA/PG_VERSION"): running, $(pg_url "$port") (data $PG_DATA)"
    else
        echo "PostgreSQL: stopped"
        ok=1
    fi
    if [[ -n ${TEST_REDIS_URL:-} ]]; then
        echo "Redis: given by TEST_REDIS_URL (not started here)"
    elif port=$(redis_port); then
        echo "Redis: running, $(redis_url "$port") (folder $REDIS_DIR)"
    else
        echo "Redis: stopped"
        ok=1
    fi
    return "$ok"
}

cmd_env() {
    local database=${TEST_DATABASE_URL:-} redis=${TEST_REDIS_URL:-} port
    if [[ -z $database ]]; then
        port=$(pg_port) || die "the private PostgreSQL is not running (run: $0 start)"
        database=$(pg_url "$port")
    fi
    if [[ -z $redis ]]; then
        port=$(redis_port) || die "the private Redis is not running (run: $0 start)"
        redis=$(redis_url "$port")
    fi
    printf 'export TEST_DATABASE_URL=%q\nexport TEST_REDIS_URL=%q\n' "$database" "$redis"
}

# The header comment of this file is the help text.
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

main() {
    validate_settings
    case ${1:-} in
    start) cmd_start ;;
    start-servers) cmd_start_servers ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    install) take_lock && cmd_install ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
