#!/usr/bin/env bash
# mail-stack.sh — a real, throw-away mail stack for tests, on loopback only:
#
#   client --SMTP 2525--> Postfix --LMTP 2424--> Dovecot --> Maildir <--IMAP 1143 / IMAPS 1993-- client
#
# Any address @example.test is a mailbox with password "secret"; mail to any other domain never leaves
# the machine. Everything (configs, Maildirs, queue, pid files, logs, TLS cert) lives in one state folder,
# ${MAIL_STACK_DIR:-/tmp/service-desk-mail-stack}; only `install` touches the system (apt packages). The
# configs are rendered from the templates in scripts/mail-stack/, where {{NAME}} stands for a setting.
#
# Usage (as root): scripts/mail-stack.sh COMMAND
#   install        apt-get install dovecot-imapd, dovecot-lmtpd, postfix, openssl if missing
#   start          install if needed, then start everything (a quick no-op when already healthy)
#   stop           stop everything (no-op when stopped)
#   status         print state; exit 0 only if everything is up
#   restart-imap   stop and start the IMAP/LMTP Dovecot only (mail and UIDVALIDITY survive; mail sent
#                  meanwhile waits in Postfix's queue and is delivered right after)
#   stop-smtp      stop Postfix (and its SMTP AUTH backend): port 2525 refuses connections
#   start-smtp     start them again
#   wipe USER      delete USER's mailbox entirely (the next login sees a new UIDVALIDITY)
#   queue-empty    exit 0 if Postfix's queue holds no mail (everything it accepted is delivered to Dovecot
#                  or bounced), else print how many mails wait and exit 1; for tests that must know that
#                  nothing is still on its way
#   env            print KEY=VALUE lines for tests, e.g. `eval "$(scripts/mail-stack.sh env)"`
#
# Environment: MAIL_STACK_DIR, MAIL_STACK_SMTP_PORT (2525), MAIL_STACK_IMAP_PORT (1143),
#   MAIL_STACK_IMAPS_PORT (1993), MAIL_STACK_LMTP_PORT (2424),
#   MAIL_STACK_FOREIGN=reject|bounce: mail to other domains is refused at RCPT time (default), or
#   accepted and bounced to the sender's @example.test mailbox.
#
# Processes: Postfix, Dovecot for IMAP + LMTP, and a second, auth-only Dovecot that checks Postfix's
# SMTP AUTH passwords (so that restart-imap never disturbs SMTP). Parallel callers are serialised by a
# lock in the state folder.
#
# For clients: both servers offer STARTTLS with a self-signed certificate, and clients that upgrade by
# themselves (nodemailer, imapflow) then need it as CA: tls: {ca: [readFileSync(MAIL_STACK_CA)]}.
# user+tag@example.test is delivered to user@example.test. $MAIL_STACK_DOVEADM (save, expunge, ...)
# needs the stack running. Mail still in flight during a wipe may land in the new, empty mailbox.
set -euo pipefail

readonly STACK_DIR="${MAIL_STACK_DIR:-/tmp/service-desk-mail-stack}"
readonly SMTP_PORT="${MAIL_STACK_SMTP_PORT:-2525}"
readonly IMAP_PORT="${MAIL_STACK_IMAP_PORT:-1143}"
readonly IMAPS_PORT="${MAIL_STACK_IMAPS_PORT:-1993}"
readonly LMTP_PORT="${MAIL_STACK_LMTP_PORT:-2424}"
readonly FOREIGN="${MAIL_STACK_FOREIGN:-reject}"
readonly HOST=127.0.0.1
readonly DOMAIN=example.test
readonly PASSWORD=secret

SCRIPT_DIR=${BASH_SOURCE[0]%/*}
[[ $SCRIPT_DIR != "${BASH_SOURCE[0]}" ]] || SCRIPT_DIR=.
readonly TEMPLATE_DIR="$SCRIPT_DIR/mail-stack"

readonly DOVECOT_CONF="$STACK_DIR/etc/dovecot/dovecot.conf"
readonly POSTFIX_CONF_DIR="$STACK_DIR/etc/postfix"
readonly DOVECOT_RUN="$STACK_DIR/run/dovecot"
readonly DOVECOT_AUTH_CONF="$STACK_DIR/etc/dovecot/dovecot-auth.conf"
readonly DOVECOT_AUTH_RUN="$STACK_DIR/run/dovecot-auth"
readonly POSTFIX_SASL_SOCKET="$DOVECOT_AUTH_RUN/auth-postfix"
readonly POSTFIX_QUEUE="$STACK_DIR/spool/postfix"
readonly MAIL_ROOT="$STACK_DIR/mail"
readonly LOG_DIR="$STACK_DIR/log"
readonly CERT="$STACK_DIR/cert.pem"
readonly KEY="$STACK_DIR/key.pem"
readonly DOVEADM_WRAPPER="$STACK_DIR/bin/doveadm"

readonly POSTFIX_MASTER=/usr/lib/postfix/sbin/master
readonly POLICY_RC=/usr/sbin/policy-rc.d
readonly POLICY_RC_BACKUP=/usr/sbin/policy-rc.d.mail-stack-saved

LOCK_FD=
DOVECOT_CONF_CHANGED=0
POSTFIX_CONF_CHANGED=0

# ---------------------------------------------------------------------------------------------------------
# Small helpers

die() {
    echo "mail-stack: error: $*" >&2
    exit 1
}

note() { echo "mail-stack: $*" >&2; }

# Print the end of a log so a failure explains itself without the reader hunting for files.
show_log() {
    local file=$1
    if [[ -s $file ]]; then
        echo "---- last lines of $file ----" >&2
        tail -n 25 "$file" >&2
        echo "----" >&2
    fi
}

validate_settings() {
    local p
    # Paths end up unquoted in Postfix/Dovecot configs, so keep them to a safe alphabet.
    [[ $STACK_DIR == /* && $STACK_DIR =~ ^[A-Za-z0-9_./-]+$ && $STACK_DIR != / ]] ||
        die "MAIL_STACK_DIR must be an absolute path made of [A-Za-z0-9_./-], got '$STACK_DIR'"
    for p in "$SMTP_PORT" "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT"; do
        if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then
            die "invalid port '$p'"
        fi
    done
    local -A seen=()
    for p in "$SMTP_PORT" "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT"; do seen[$p]=1; done
    ((${#seen[@]} == 4)) ||
        die "the four ports must differ: smtp=$SMTP_PORT imap=$IMAP_PORT imaps=$IMAPS_PORT lmtp=$LMTP_PORT"
    [[ $FOREIGN == reject || $FOREIGN == bounce ]] || die "MAIL_STACK_FOREIGN must be reject or bounce"
}

# Serialise mutating commands: parallel test workers may all call `start` at once.
take_lock() {
    mkdir -p "$STACK_DIR"
    exec {LOCK_FD}>"$STACK_DIR/.lock"
    flock -w 120 "$LOCK_FD" || die "timed out waiting for $STACK_DIR/.lock"
}

# A stopped daemon can linger here as a zombie (nothing reaps orphans), so `kill -0` would call it alive:
# look at the State line instead.
pid_alive() {
    local pid=$1 line
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/status ]] || return 1
    while IFS= read -r line; do
        if [[ $line =~ ^State:[[:space:]]+([A-Za-z]) ]]; then
            [[ ${BASH_REMATCH[1]} != [ZX] ]]
            return
        fi
    done 2>/dev/null </proc/"$pid"/status
    return 1
}

# PID from a daemon's pid file, only if that process is alive and has the expected name (pid files
# survive crashes and PIDs get reused).
daemon_pid() {
    local pidfile=$1 want_comm=$2 pid comm
    [[ -r $pidfile ]] || return 1
    read -r pid 2>/dev/null <"$pidfile" || return 1
    pid=${pid//[[:space:]]/}
    pid_alive "$pid" || return 1
    read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
    [[ $comm == "$want_comm" ]] || return 1
    echo "$pid"
}

dovecot_pid() { daemon_pid "$DOVECOT_RUN/master.pid" dovecot; }
dovecot_auth_pid() { daemon_pid "$DOVECOT_AUTH_RUN/master.pid" dovecot; }
postfix_pid() { daemon_pid "$POSTFIX_QUEUE/pid/master.pid" master; }

# Read /proc/net/tcp instead of connecting: a probe connection would fork a Dovecot login process and
# leave noise in the logs. Succeeds if something LISTENs on PORT (on 127.0.0.1, or on any address with
# "any").
port_listening() {
    local port=$1 scope=${2:-loopback} hex _sl local_addr _rem state _rest file
    printf -v hex ':%04X' "$port"
    for file in /proc/net/tcp /proc/net/tcp6; do
        [[ $scope == any || $file == /proc/net/tcp ]] || continue
        [[ -r $file ]] || continue
        while read -r _sl local_addr _rem state _rest; do
            [[ $state == 0A && $local_addr == *"$hex" ]] || continue
            if [[ $scope == any || $local_addr == 0100007F"$hex" ]]; then
                return 0
            fi
        done <"$file"
    done
    return 1
}

# wait_until SECONDS COMMAND...: poll every 20 ms.
wait_until() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
    shift
    until "$@"; do
        ((${EPOCHREALTIME/./} < deadline)) || return 1
        sleep 0.02
    done
}

not() { ! "$@"; }

all_ports_listening() {
    local p
    for p; do port_listening "$p" || return 1; done
}

no_port_listening() {
    local p
    for p; do ! port_listening "$p" any || return 1; done
}

# Direct children of PID (the daemons' workers), so that a stop can make sure none keeps a port open.
children_of() {
    local parent=$1 stat rest ppid kids
    # The kernel lists them directly (both masters are single-threaded); scanning /proc is the fallback.
    if [[ -r /proc/$parent/task/$parent/children ]]; then
        # The list has no trailing newline, so read "fails" while still filling kids.
        read -r kids 2>/dev/null <"/proc/$parent/task/$parent/children" || true
        echo "${kids:-}"
        return 0
    fi
    for stat in /proc/[0-9]*/stat; do
        read -r rest 2>/dev/null <"$stat" || continue
        rest=${rest##*) } # skip "pid (comm) " — comm may contain spaces
        read -r _ ppid _ <<<"$rest"
        if [[ $ppid == "$parent" ]]; then
            stat=${stat#/proc/}
            echo "${stat%/stat}"
        fi
    done
}

# ---------------------------------------------------------------------------------------------------------
# install

packages_present() {
    [[ -x /usr/sbin/dovecot && -x /usr/bin/doveadm && -x /usr/lib/dovecot/imap && -x /usr/lib/dovecot/lmtp &&
        -x /usr/sbin/postfix && -x $POSTFIX_MASTER && -x /usr/bin/openssl ]]
}

# Package maintainer scripts would start system-wide daemons (on the standard ports, with /etc configs).
# A policy-rc.d that exits 101 tells invoke-rc.d "not allowed". An existing one that already says 101
# (Docker images ship one) is left alone; any other is set aside and restored.
POLICY_RC_STATE=
block_service_starts() {
    if [[ -e $POLICY_RC ]]; then
        local rc=0
        "$POLICY_RC" postfix start >/dev/null 2>&1 || rc=$?
        if ((rc == 101)); then
            POLICY_RC_STATE=kept
            return
        fi
        mv -f "$POLICY_RC" "$POLICY_RC_BACKUP"
        POLICY_RC_STATE=replaced
    else
        POLICY_RC_STATE=created
    fi
    printf '#!/bin/sh\n# temporary, from scripts/mail-stack.sh install\nexit 101\n' >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"
}

unblock_service_starts() {
    case $POLICY_RC_STATE in
    created) rm -f "$POLICY_RC" ;;
    replaced) mv -f "$POLICY_RC_BACKUP" "$POLICY_RC" ;;
    esac
    POLICY_RC_STATE=
}

# Stop daemons that a package install may have started anyway (their pid files are the system ones, not
# ours, so our own stack is never touched here).
stop_system_daemons() {
    local pid
    for pid in $(daemon_pid /run/dovecot/master.pid dovecot || true) \
        $(daemon_pid /var/spool/postfix/pid/master.pid master || true); do
        note "stopping a system-wide $(<"/proc/$pid/comm") (pid $pid), e.g. one a package install started"
        kill -TERM "$pid" 2>/dev/null || true
        wait_until 5 not pid_alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
    done
}

missing_packages() {
    local p status
    for p in dovecot-imapd dovecot-lmtpd postfix openssl; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [[ $status == installed ]] || echo "$p"
    done
}

# apt_install PACKAGE...: apt-get install them without letting them start system-wide daemons.
apt_install() {
    local apt_log="$LOG_DIR/apt.log" ok=1
    local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@")
    mkdir -p "$LOG_DIR"
    note "installing $* (log: $apt_log)"
    trap unblock_service_starts EXIT
    block_service_starts
    # Without this Postfix's install asks which mail setup to write into /etc/postfix; we use our own.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # Package lists may be missing or stale on a fresh machine: refresh once, only when needed.
    if ! "${apt[@]}" >"$apt_log" 2>&1; then
        note "apt-get install failed; running apt-get update and retrying"
        { apt-get update -q && "${apt[@]}"; } >>"$apt_log" 2>&1 || ok=0
    fi
    unblock_service_starts
    trap - EXIT
    if ((!ok)); then
        show_log "$apt_log"
        die "package install failed"
    fi
}

cmd_install() {
    local -a need
    mapfile -t need < <(missing_packages)
    if ((${#need[@]} > 0)); then
        ((EUID == 0)) || die "installing ${need[*]} needs root"
        command -v apt-get >/dev/null || die "apt-get not found; install ${need[*]} by hand"
        apt_install "${need[@]}"
    fi
    stop_system_daemons
    packages_present || die "packages look installed but binaries are missing (dovecot, doveadm, postfix, openssl)"
}

# ---------------------------------------------------------------------------------------------------------
# Configuration, rendered from the templates in scripts/mail-stack/. Files are rewritten only when their
# content changes, and then backdated: Postfix waits 2 s at start when main.cf or master.cf is younger
# than a second.

# The settings a template may name as {{NAME}}; render also takes values of its own.
readonly TEMPLATE_VARS=(STACK_DIR HOST DOMAIN PASSWORD SMTP_PORT IMAP_PORT IMAPS_PORT LMTP_PORT MAIL_ROOT LOG_DIR
    CERT KEY DOVECOT_RUN DOVECOT_AUTH_RUN DOVECOT_CONF POSTFIX_QUEUE POSTFIX_SASL_SOCKET)

# render TEMPLATE [NAME=VALUE...]: fills RENDERED with the template's text, each {{NAME}} replaced by the
# VALUE given here or else by the setting $NAME from TEMPLATE_VARS; any other placeholder is an error.
# One pass, so a value is never searched for placeholders. No command substitution: forks cost ~10 ms
# each here.
RENDERED=
render() {
    local file=$TEMPLATE_DIR/$1 text out="" pair name placeholder value
    local re='\{\{([A-Za-z0-9_]+)\}\}'
    local -A given=()
    shift
    for pair; do given[${pair%%=*}]=${pair#*=}; done
    [[ -r $file ]] || die "template $file is missing"
    IFS= read -r -d '' text <"$file" || true
    while [[ $text =~ $re ]]; do
        placeholder=${BASH_REMATCH[0]} name=${BASH_REMATCH[1]}
        if [[ -v given[$name] ]]; then
            value=${given[$name]}
        elif [[ " ${TEMPLATE_VARS[*]} " == *" $name "* ]]; then
            value=${!name}
        else
            die "$file: unknown placeholder $placeholder"
        fi
        out+=${text%%"$placeholder"*}$value
        text=${text#*"$placeholder"}
    done
    RENDERED=$out$text
}

# write_file PATH MODE CONTENT → returns 0 if the file changed.
write_file() {
    local path=$1 mode=$2 content=${3%$'\n'} old
    if [[ -f $path ]]; then
        old=$(<"$path")
        [[ $old == "$content" ]] && return 1
    fi
    printf '%s\n' "$content" >"$path.tmp"
    chmod "$mode" "$path.tmp"
    touch -d "@$((EPOCHSECONDS - 10))" "$path.tmp"
    mv -f "$path.tmp" "$path"
    return 0
}

ensure_dirs() {
    # Laid out already (the marker is written last)? Then save the forks.
    [[ -f $STACK_DIR/.layout && -d $MAIL_ROOT && -d $POSTFIX_QUEUE ]] && return 0
    mkdir -p "$STACK_DIR"/{etc/dovecot,etc/postfix,run,lib,spool,bin} "$POSTFIX_QUEUE" "$LOG_DIR" "$MAIL_ROOT"
    # Dovecot's unprivileged login/auth users and Postfix's smtpd must traverse the state folder.
    chmod 0755 "$STACK_DIR" "$STACK_DIR"/{etc,run,lib,spool,bin} "$POSTFIX_QUEUE"
    # Mailboxes are created by Dovecot running as user "mail".
    chown mail:mail "$MAIL_ROOT"
    chmod 0750 "$MAIL_ROOT"
    : >"$STACK_DIR/.layout"
}

ensure_cert() {
    [[ -s $CERT && -s $KEY ]] && return 0
    # One self-signed certificate, also usable as its own CA by clients (MAIL_STACK_CA). The SAN carries
    # the IP because clients connect to 127.0.0.1; the extensions keep strict verifiers happy.
    if ! openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$HOST" \
        -addext "subjectAltName=IP:$HOST,DNS:localhost,DNS:mail.$DOMAIN" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
        -addext "extendedKeyUsage=serverAuth" \
        -keyout "$KEY.tmp" -out "$CERT.tmp" >"$LOG_DIR/openssl.log" 2>&1; then
        show_log "$LOG_DIR/openssl.log"
        die "could not create the TLS certificate"
    fi
    chmod 0600 "$KEY.tmp"
    chmod 0644 "$CERT.tmp"
    mv -f "$KEY.tmp" "$KEY"
    mv -f "$CERT.tmp" "$CERT"
}

# Users, shared by both Dovecot instances: every address @$DOMAIN exists with password "$PASSWORD",
# any other login is unknown (Postfix only ever hands @$DOMAIN recipients to LMTP).
render_dovecot_common() {
    local mail_uid="" name _x uid _rest
    while IFS=: read -r name _x uid _rest; do
        [[ $name == mail ]] && mail_uid=$uid && break
    done </etc/passwd
    [[ -n $mail_uid ]] || die "there is no user 'mail' on this system"
    render dovecot-common.conf.tmpl "MAIL_UID=$mail_uid"
}

# The IMAP + LMTP Dovecot. Sets DOVECOT_CONF_CHANGED.
write_imap_config() {
    DOVECOT_CONF_CHANGED=0
    render_dovecot_common
    render dovecot.conf.tmpl "DOVECOT_COMMON=$RENDERED"
    write_file "$DOVECOT_CONF" 0644 "$RENDERED" && DOVECOT_CONF_CHANGED=1
    return 0
}

# Postfix and its SMTP AUTH backend, restarted together. Sets POSTFIX_CONF_CHANGED.
write_smtp_configs() {
    POSTFIX_CONF_CHANGED=0
    # Postfix checks SMTP AUTH passwords through a second, auth-only Dovecot instance. Through the main
    # one, every restart-imap would break SMTP: a new smtpd that cannot reach its SASL socket exits, and
    # Postfix then throttles smtpd for 60 s, refusing even unauthenticated submissions.
    render_dovecot_common
    render dovecot-auth.conf.tmpl "DOVECOT_COMMON=$RENDERED"
    write_file "$DOVECOT_AUTH_CONF" 0644 "$RENDERED" && POSTFIX_CONF_CHANGED=1
    if [[ $FOREIGN == reject ]]; then
        render postfix-main.cf.tmpl RELAY_RESTRICTIONS=reject_unauth_destination REJECT_UNLISTED=yes
    else
        # Relaying allowed from loopback, but default_transport turns it into a bounce to the sender.
        # smtpd would otherwise already refuse such recipients since they can only go to "error".
        render postfix-main.cf.tmpl REJECT_UNLISTED=no \
            RELAY_RESTRICTIONS="permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
    fi
    write_file "$POSTFIX_CONF_DIR/main.cf" 0644 "$RENDERED" && POSTFIX_CONF_CHANGED=1
    # Debian's stock master.cf with chroot off (the chroot would need copies of /etc files) and the SMTP
    # listener on loopback and our port.
    render postfix-master.cf.tmpl
    write_file "$POSTFIX_CONF_DIR/master.cf" 0644 "$RENDERED" && POSTFIX_CONF_CHANGED=1
    return 0
}

prepare() {
    ensure_dirs
    ensure_cert
    write_imap_config
    write_smtp_configs
    render doveadm.tmpl
    write_file "$DOVEADM_WRAPPER" 0755 "$RENDERED" || true
}

# ---------------------------------------------------------------------------------------------------------
# Daemons. Starting is split into launch (the command returns once the daemon has forked) and await
# (ports or socket ready), so that the three daemons come up in parallel.

check_ports_free() {
    local p
    for p; do
        ! port_listening "$p" any ||
            die "port $p is already in use by another process (another mail stack with a different MAIL_STACK_DIR?)"
    done
}

# await NAME HEALTH_CHECK WHAT LOG...: wait until HEALTH_CHECK passes, else show the logs and fail.
await() {
    local name=$1 healthy=$2 what=$3 log
    shift 3
    wait_until 10 "$healthy" && return 0
    for log; do show_log "$log"; done
    die "$name did not come up ($what)"
}

# launch_dovecot NAME CONF
launch_dovecot() {
    local name=$1 conf=$2
    local out="$LOG_DIR/$name.out"
    # Dovecot keeps its caller's stdio open for its lifetime: without these redirections a caller that
    # reads our output through a pipe would hang. The lock fd must not be inherited either.
    if ! /usr/sbin/dovecot -c "$conf" </dev/null >"$out" 2>&1 {LOCK_FD}>&-; then
        show_log "$out"
        show_log "$LOG_DIR/$name.log"
        die "$name failed to start"
    fi
}

dovecot_healthy() {
    dovecot_pid >/dev/null && all_ports_listening "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT"
}

launch_imap() {
    check_ports_free "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT"
    launch_dovecot dovecot "$DOVECOT_CONF"
}

await_imap() {
    await dovecot dovecot_healthy "listening on $HOST:$IMAP_PORT/$IMAPS_PORT/$LMTP_PORT" \
        "$LOG_DIR/dovecot.out" "$LOG_DIR/dovecot.log"
}

dovecot_auth_healthy() {
    dovecot_auth_pid >/dev/null && [[ -S $POSTFIX_SASL_SOCKET ]]
}

postfix_healthy() {
    postfix_pid >/dev/null && port_listening "$SMTP_PORT"
}

# The SMTP side is Postfix plus its auth backend; they are started and stopped together.
smtp_healthy() {
    dovecot_auth_healthy && postfix_healthy
}

# Postfix reports errors only to a terminal or syslog; `script` gives it a terminal to talk to.
postfix_diagnostics() {
    show_log "$LOG_DIR/postfix.out"
    show_log "$LOG_DIR/postfix.log"
    echo "---- postfix check ----" >&2
    script -qc "/usr/sbin/postfix -c $POSTFIX_CONF_DIR check" /dev/null </dev/null >&2 || true
    echo "----" >&2
}

launch_smtp() {
    check_ports_free "$SMTP_PORT"
    launch_dovecot dovecot-auth "$DOVECOT_AUTH_CONF"
    # `postfix start` creates missing queue directories and checks owners and queue files, which takes
    # ~1 s. Its own "quick-start" marker skips that; stop_parts leaves it behind, and it is only trusted
    # while the configuration is unchanged.
    if ((POSTFIX_CONF_CHANGED)); then
        rm -f "$POSTFIX_QUEUE/quick-start"
    fi
    # It returns once the master is up. Its helpers inherit stdio, hence the redirections.
    if ! /usr/sbin/postfix -c "$POSTFIX_CONF_DIR" start </dev/null >"$LOG_DIR/postfix.out" 2>&1 {LOCK_FD}>&-; then
        postfix_diagnostics
        die "postfix failed to start"
    fi
}

await_smtp() {
    await dovecot-auth dovecot_auth_healthy "socket $POSTFIX_SASL_SOCKET" \
        "$LOG_DIR/dovecot-auth.out" "$LOG_DIR/dovecot-auth.log"
    if ! wait_until 10 postfix_healthy; then
        postfix_diagnostics
        die "postfix did not come up on $HOST:$SMTP_PORT"
    fi
}

# stop_masters "PORT..." PID...: SIGTERM the masters together with their workers (Dovecot's master would
# otherwise wait ~1 s for them by design), wait until they and the ports are gone, escalate to SIGKILL
# if that takes too long.
stop_masters() {
    local pid
    local -a ports all=()
    read -ra ports <<<"$1"
    shift
    (($# > 0)) || return 0
    for pid; do
        # shellcheck disable=SC2207 # children_of prints PIDs (digits only): splitting them is intended
        all+=("$pid" $(children_of "$pid"))
    done
    kill -TERM "${all[@]}" 2>/dev/null || true
    if wait_until 8 none_alive "$@" && wait_until 3 no_port_listening "${ports[@]}"; then
        return 0
    fi
    note "stopping pids $* on SIGTERM took too long; killing them"
    kill -KILL "${all[@]}" 2>/dev/null || true
    if ! wait_until 3 none_alive "$@" || ! wait_until 3 no_port_listening "${ports[@]}"; then
        die "pids $* or their workers still hold a port among: ${ports[*]}"
    fi
}

none_alive() {
    local pid
    for pid; do ! pid_alive "$pid" || return 1; done
}

# Prints the PIDs of the running masters among: imap, smtp (Postfix and its auth Dovecot).
running_masters() {
    local part
    for part; do
        case $part in
        imap) dovecot_pid || true ;;
        smtp)
            postfix_pid || true
            dovecot_auth_pid || true
            ;;
        esac
    done
}

# stop_parts imap|smtp...: stop those parts at once.
stop_parts() {
    local part had_postfix=0
    local -a pids ports=()
    mapfile -t pids < <(running_masters "$@")
    for part; do
        case $part in
        imap) ports+=("$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT") ;;
        smtp)
            ports+=("$SMTP_PORT")
            postfix_pid >/dev/null && had_postfix=1
            ;;
        esac
    done
    stop_masters "${ports[*]}" "${pids[@]}"
    # Same as `postfix quick-stop`: the next start may skip the slow integrity checks.
    if ((had_postfix)); then
        touch "$POSTFIX_QUEUE/quick-start"
    fi
}

# After Dovecot comes back, deliver what Postfix queued meanwhile right away (if anything: the flush
# command costs ~0.1 s).
flush_postfix_queue() {
    local f queued=0
    for f in "$POSTFIX_QUEUE"/deferred/*/* "$POSTFIX_QUEUE"/active/* "$POSTFIX_QUEUE"/incoming/*; do
        if [[ -e $f ]]; then
            queued=1
            break
        fi
    done
    ((queued)) || return 0
    if postfix_healthy; then
        /usr/sbin/postfix -c "$POSTFIX_CONF_DIR" flush </dev/null >>"$LOG_DIR/postfix.out" 2>&1 {LOCK_FD}>&- || true
    fi
}

# ---------------------------------------------------------------------------------------------------------
# Commands

ensure_installed() {
    packages_present || cmd_install
}

# restart_parts imap|smtp...: stop those parts, then start them side by side (launch_PART, await_PART).
restart_parts() {
    local part
    stop_parts "$@"
    for part; do "launch_$part"; done
    for part; do "await_$part"; done
}

cmd_start() {
    take_lock
    ensure_installed
    prepare
    # Whatever is half up (a crashed worker, a stale config) is restarted from scratch.
    local -a parts=()
    if ((DOVECOT_CONF_CHANGED)) || ! dovecot_healthy; then parts+=(imap); fi
    if ((POSTFIX_CONF_CHANGED)) || ! smtp_healthy; then parts+=(smtp); fi
    if ((${#parts[@]} > 0)); then
        restart_parts "${parts[@]}"
        # Mail that Postfix queued while Dovecot was down goes out now rather than at the next retry.
        flush_postfix_queue
    fi
    echo "mail stack up: smtp $HOST:$SMTP_PORT, imap $HOST:$IMAP_PORT, imaps $HOST:$IMAPS_PORT (state: $STACK_DIR)"
}

cmd_stop() {
    [[ -d $STACK_DIR ]] || return 0
    take_lock
    stop_parts smtp imap
    echo "mail stack stopped"
}

cmd_status() {
    local ok=0 pid
    if pid=$(dovecot_pid); then
        if all_ports_listening "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT"; then
            echo "dovecot: running (pid $pid), imap $HOST:$IMAP_PORT, imaps $HOST:$IMAPS_PORT, lmtp $HOST:$LMTP_PORT"
        else
            echo "dovecot: running (pid $pid) but not listening on all of $IMAP_PORT/$IMAPS_PORT/$LMTP_PORT"
            ok=1
        fi
    else
        echo "dovecot: stopped"
        ok=1
    fi
    if pid=$(postfix_pid); then
        if port_listening "$SMTP_PORT"; then
            echo "postfix: running (pid $pid), smtp $HOST:$SMTP_PORT"
        else
            echo "postfix: running (pid $pid) but not listening on $SMTP_PORT"
            ok=1
        fi
    else
        echo "postfix: stopped"
        ok=1
    fi
    if pid=$(dovecot_auth_pid) && [[ -S $POSTFIX_SASL_SOCKET ]]; then
        echo "dovecot-auth (SMTP AUTH for postfix): running (pid $pid)"
    else
        echo "dovecot-auth (SMTP AUTH for postfix): stopped"
        ok=1
    fi
    return "$ok"
}

cmd_restart_imap() {
    take_lock
    ensure_installed
    prepare
    restart_parts imap
    flush_postfix_queue
    echo "imap restarted: $HOST:$IMAP_PORT, $HOST:$IMAPS_PORT"
}

cmd_stop_smtp() {
    [[ -d $STACK_DIR ]] || return 0
    take_lock
    stop_parts smtp
    echo "smtp stopped"
}

cmd_start_smtp() {
    take_lock
    ensure_installed
    prepare
    if ((POSTFIX_CONF_CHANGED)) || ! smtp_healthy; then
        restart_parts smtp
    fi
    echo "smtp up: $HOST:$SMTP_PORT"
}

# Dovecot picks a new mailbox's UIDVALIDITY from a counter file in the Maildir root, or from the clock
# when that file is missing, so deleting everything could hand out the same UIDVALIDITY again within
# the same second. The new, empty Maildir therefore gets the old counter: its next UIDVALIDITY is larger
# than any it handed out before.

# uidvalidity_counter HOME: prints the counter of HOME's Maildir (the larger of the file and its marker
# file's name), 0 if there is none.
uidvalidity_counter() {
    local counter=0 f v
    for f in "$1"/Maildir/dovecot-uidvalidity "$1"/Maildir/dovecot-uidvalidity.*; do
        [[ -f $f ]] || continue
        if [[ $f == */dovecot-uidvalidity ]]; then
            read -r v 2>/dev/null <"$f" || v=
        else
            v=${f##*.}
        fi
        [[ $v =~ ^[0-9a-fA-F]{1,8}$ ]] && ((16#$v > counter)) && counter=$((16#$v))
    done
    echo "$counter"
}

# new_home DIR COUNTER: makes DIR a mailbox home with an empty Maildir that goes on from COUNTER.
new_home() {
    local dir=$1 counter=$2 hex
    mkdir -m 0700 "$dir/Maildir"
    if ((counter > 0)); then
        printf -v hex '%08x' "$counter"
        printf '%s' "$hex" >"$dir/Maildir/dovecot-uidvalidity"
        : >"$dir/Maildir/dovecot-uidvalidity.$hex"
        chmod 0600 "$dir/Maildir/dovecot-uidvalidity"
        chmod 0444 "$dir/Maildir/dovecot-uidvalidity.$hex"
    fi
    chmod 0700 "$dir"
    chown -R mail:mail "$dir"
}

cmd_wipe() {
    local user=${1:-}
    [[ -n $user ]] || die "usage: $0 wipe USER@$DOMAIN"
    user=${user,,} # Dovecot lowercases user names (auth_username_format = %Lu)
    [[ $user =~ ^[a-z0-9_%+=-][a-z0-9._%+=-]*@example\.test$ ]] || die "wipe: '$user' is not an address @$DOMAIN"
    take_lock
    local domain_dir="$MAIL_ROOT/$DOMAIN" home="$MAIL_ROOT/$DOMAIN/${user%@*}"
    if [[ ! -e $home ]]; then
        echo "wipe: $user has no mailbox yet"
        return 0
    fi
    # Build the replacement next to the old one and swap by rename, so a client logging in meanwhile
    # never sees a Maildir without the counter.
    local fresh trash
    fresh=$(mktemp -d "$domain_dir/.wipe-new.XXXXXX")
    new_home "$fresh" "$(uidvalidity_counter "$home")"
    trash=$(mktemp -d "$domain_dir/.wipe-old.XXXXXX")
    mv -T "$home" "$trash"
    mv -T "$fresh" "$home"
    rm -rf "$trash"
    # Open sessions still hold the old mailbox state: disconnect them like a server would.
    if dovecot_healthy; then
        /usr/bin/doveadm -c "$DOVECOT_CONF" kick "$user" </dev/null >/dev/null 2>&1 {LOCK_FD}>&- || true
    fi
    echo "wiped mailbox of $user"
}

# Every mail Postfix has accepted is a file in one of these queues until it is delivered or bounced (a
# bounce is queued before the mail it reports leaves), and moves between them by rename: no files, no mail
# in flight. Read from the folders, so this works with Postfix stopped too.
cmd_queue_empty() {
    local queue files
    local -a queues=()
    for queue in maildrop incoming active deferred hold; do
        [[ -d $POSTFIX_QUEUE/$queue ]] && queues+=("$POSTFIX_QUEUE/$queue")
    done
    ((${#queues[@]} > 0)) || return 0
    files=$(find "${queues[@]}" -type f -printf x) || die "cannot read Postfix's queue in $POSTFIX_QUEUE"
    if [[ -n $files ]]; then
        echo "mail-stack: ${#files} mail(s) in Postfix's queue"
        return 1
    fi
}

cmd_env() {
    cat <<EOF
MAIL_STACK_DIR=$STACK_DIR
MAIL_STACK_SMTP_HOST=$HOST
MAIL_STACK_SMTP_PORT=$SMTP_PORT
MAIL_STACK_IMAP_HOST=$HOST
MAIL_STACK_IMAP_PORT=$IMAP_PORT
MAIL_STACK_IMAPS_PORT=$IMAPS_PORT
MAIL_STACK_LMTP_PORT=$LMTP_PORT
MAIL_STACK_DOMAIN=$DOMAIN
MAIL_STACK_PASSWORD=$PASSWORD
MAIL_STACK_CA=$CERT
MAIL_STACK_DOVEADM=$DOVEADM_WRAPPER
MAIL_STACK_DOVECOT_CONF=$DOVECOT_CONF
MAIL_STACK_LOG_DIR=$LOG_DIR
EOF
}

# The header comment of this file is the help text.
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

need_root() {
    ((EUID == 0)) || die "'$1' must run as root (Dovecot and Postfix switch users, Postfix's queue is its own; install uses apt-get)"
}

main() {
    validate_settings
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    case $cmd in
    install | start | stop | restart-imap | stop-smtp | start-smtp | wipe | queue-empty) need_root "$cmd" ;;
    esac
    case $cmd in
    install) take_lock && cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart-imap) cmd_restart_imap ;;
    stop-smtp) cmd_stop_smtp ;;
    start-smtp) cmd_start_smtp ;;
    wipe) cmd_wipe "$@" ;;
    queue-empty) cmd_queue_empty ;;
    env) cmd_env ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
