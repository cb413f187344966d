#!/usr/bin/env bash
# Make sure the local infrastructure Cohesion needs is up: uv, PostgreSQL,
# RabbitMQ and the RabbitMQ management API (used by the tests to create a
# virtual host and partner users per test run).
#
# Usage: deploy/infra.sh [ensure|uv|tools]
#   ensure (default)  uv + PostgreSQL + RabbitMQ + management API
#   uv                only make sure the uv tool is installed
#   tools             the tools the tests run: HAProxy (in front of the test's RabbitMQ
#                     cluster) and promtool (the Prometheus rules), from Debian's packages,
#                     and CloudNativePG's CRD schemas from the npm registry (npm ci)
#
# Idempotent: when everything is already up it only does a few cheap checks
# (pg_isready, one TCP connect, one HTTP request) and returns in well under a
# second. It starts services only when they are on this machine; a remote
# server that is down is reported, not "fixed".
#
# Environment (same names and defaults as shared/settings.py where they exist):
#   PGHOST, PGPORT               default 127.0.0.1, 5432
#   COHESION_AMQP_URL            default amqp://guest:guest@127.0.0.1:5672/
#   COHESION_RABBITMQ_API_URL    default http://guest:guest@127.0.0.1:15672
#   COHESION_PG_CLUSTERS         default /etc/postgresql (Debian's cluster configs)
set -euo pipefail

PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
AMQP_URL="${COHESION_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
API_URL="${COHESION_RABBITMQ_API_URL:-http://guest:guest@127.0.0.1:15672}"
API_URL="${API_URL%/}"
PG_CLUSTERS="${COHESION_PG_CLUSTERS:-/etc/postgresql}"

PG_WAIT=30      # seconds to wait for PostgreSQL after starting it
RABBIT_WAIT=60  # seconds to wait for RabbitMQ (and then for its management API)

say() { printf '%s\n' "$*"; }
die() { printf '%s\n' "$*" >&2; exit 1; }

# True if something accepts TCP connections on host:port (bash's /dev/tcp,
# so no dependency on nc). `timeout` guards against a black-holed host.
tcp_open() {
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

is_local() {
    case "$1" in
        127.0.0.1 | localhost | ::1 | /*) return 0 ;;  # /* = unix socket dir
        *) return 1 ;;
    esac
}

# Host and port of the AMQP broker, from amqp://user:pass@host:port/vhost.
amqp_host_port() {
    local rest="${AMQP_URL#*://}"
    rest="${rest#*@}"     # drop credentials
    rest="${rest%%/*}"    # drop vhost
    local host="${rest%%:*}" port=5672
    [[ "$rest" == *:* ]] && port="${rest##*:}"
    printf '%s %s\n' "${host:-127.0.0.1}" "$port"
}

# The API URL without its password, for messages.
api_url_shown() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$API_URL"; }

# ---------------------------------------------------------------- uv
ensure_uv() {
    if command -v uv >/dev/null 2>&1; then
        say "uv: present ($(uv --version 2>/dev/null | awk '{print $2}'))"
        return
    fi
    say "uv: not found, installing with: python3 -m pip install --quiet uv"
    python3 -m pip install --quiet uv
    hash -r
    # pip may put the script in a bin dir that is not on PATH (e.g. ~/.local/bin
    # for --user installs, or a pyenv version that needs a rehash).
    command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
    if command -v uv >/dev/null 2>&1; then
        say "uv: installed ($(uv --version | awk '{print $2}'))"
    else
        die "uv: installed but not on PATH; add $(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))') to PATH"
    fi
}

# ---------------------------------------------------------------- PostgreSQL
pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PGHOST" -p "$PGPORT"
    else
        tcp_open "$PGHOST" "$PGPORT"
    fi
}

ensure_postgres() {
    if pg_up; then
        say "postgresql: running ($PGHOST:$PGPORT)"
        return
    fi
    is_local "$PGHOST" || die "postgresql: not reachable at $PGHOST:$PGPORT (remote host, not starting it)"

    local missing=()
    command -v pg_ctlcluster >/dev/null 2>&1 || missing+=("pg_ctlcluster")
    [[ -d "$PG_CLUSTERS" ]] && [[ -n "$(ls -A "$PG_CLUSTERS")" ]] || missing+=("$PG_CLUSTERS")
    if ((${#missing[@]})); then
        die "postgresql: not running and not installed (missing: ${missing[*]}).
Install it with: apt-get install -y postgresql"
    fi

    # Newest installed major version; Debian's default cluster is "main".
    # --skip-systemctl-redirect: there is no systemd here (containers, CI).
    local version
    version="$(ls "$PG_CLUSTERS" | sort -V | tail -n1)"
    if pg_ctlcluster --skip-systemctl-redirect "$version" main status >/dev/null 2>&1; then
        die "postgresql: cluster $version/main is running but $PGHOST:$PGPORT does not accept connections
Check port/listen_addresses in $PG_CLUSTERS/$version/main/postgresql.conf, or PGHOST/PGPORT"
    fi
    say "postgresql: not running, starting cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start

    local i
    for ((i = 0; i < PG_WAIT; i++)); do
        if pg_up; then
            say "postgresql: started ($PGHOST:$PGPORT)"
            return
        fi
        sleep 1
    done
    die "postgresql: started cluster $version/main but $PGHOST:$PGPORT is not ready after ${PG_WAIT}s
See: /var/log/postgresql/postgresql-$version-main.log"
}

# ---------------------------------------------------------------- RabbitMQ
ensure_rabbitmq() {
    local host port
    read -r host port < <(amqp_host_port)
    if tcp_open "$host" "$port"; then
        say "rabbitmq: running ($host:$port)"
        return
    fi
    is_local "$host" || die "rabbitmq: not reachable at $host:$port (remote host, not starting it)"
    command -v rabbitmq-server >/dev/null 2>&1 || die "rabbitmq: not running and not installed (missing: rabbitmq-server).
Install it with: apt-get install -y rabbitmq-server"

    # The Erlang node can be up with the rabbit app stopped (`rabbitmqctl
    # stop_app`); then rabbitmq-server would refuse to start a second node.
    if rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
        say "rabbitmq: node up but app stopped, running rabbitmqctl start_app"
        rabbitmqctl -q start_app
    else
        say "rabbitmq: not running, starting rabbitmq-server -detached"
        rabbitmq-server -detached
    fi

    local deadline=$((SECONDS + RABBIT_WAIT))
    until tcp_open "$host" "$port" && rabbitmq-diagnostics -q check_running >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "rabbitmq: not running after ${RABBIT_WAIT}s; see /var/log/rabbitmq/"
        sleep 1
    done
    say "rabbitmq: started ($host:$port)"
}

# HTTP status of GET /api/overview ("000" when nothing answers).
api_status() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$API_URL/api/overview" || true
}

ensure_management() {
    local status
    status="$(api_status)"
    case "$status" in
        200) say "rabbitmq management: ready ($(api_url_shown))"; return ;;
        401) die "rabbitmq management: $(api_url_shown) rejects the credentials in COHESION_RABBITMQ_API_URL" ;;
    esac

    # Not answering: enable the plugin if needed. The enabled_plugins file is
    # persistent, so after a broker restart the plugin is already enabled and
    # we only have to wait for its listener.
    if ! rabbitmq-plugins -q is_enabled rabbitmq_management >/dev/null 2>&1; then
        say "rabbitmq management: enabling plugin rabbitmq_management"
        rabbitmq-plugins -q enable rabbitmq_management >/dev/null
    fi

    local deadline=$((SECONDS + RABBIT_WAIT))
    while :; do
        status="$(api_status)"
        case "$status" in
            200) break ;;
            401) die "rabbitmq management: $(api_url_shown) rejects the credentials in COHESION_RABBITMQ_API_URL" ;;
        esac
        ((SECONDS < deadline)) || die "rabbitmq management: $(api_url_shown)/api/overview not answering after ${RABBIT_WAIT}s (last HTTP status $status)"
        sleep 1
    done
    say "rabbitmq management: started ($(api_url_shown))"
}

# ---------------------------------------------------------------- tools the tests run
# command -> the Debian package that ships it
TEST_TOOLS=("haproxy:haproxy" "promtool:prometheus" "npm:npm")
# Where `npm ci` puts the CRD schemas tests/deploy validates CloudNativePG's resources against.
CNPG_SCHEMAS="${COHESION_CNPG_SCHEMAS:-${BASH_SOURCE[0]%/*}/../tests/deploy/crds/cnpg}"

ensure_tools() {
    local tool package missing=() entry
    for entry in "${TEST_TOOLS[@]}"; do
        tool="${entry%%:*}" package="${entry#*:}"
        command -v "$tool" >/dev/null 2>&1 || missing+=("$package")
    done
    if ((${#missing[@]} == 0)); then
        say "tools: present (haproxy, promtool, npm)"
        ensure_crd_schemas
        return
    fi
    command -v apt-get >/dev/null 2>&1 || die "tools: missing, and no apt-get to install them: install the packages ${missing[*]}"
    say "tools: installing ${missing[*]} with apt-get"
    # A fresh machine may have no package lists yet: update once, then try again.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } ||
        die "tools: apt-get could not install ${missing[*]}"
    for entry in "${TEST_TOOLS[@]}"; do
        command -v "${entry%%:*}" >/dev/null 2>&1 || die "tools: ${entry#*:} installed but ${entry%%:*} is not on PATH"
    done
    say "tools: installed ${missing[*]}"
    ensure_crd_schemas
}

ensure_crd_schemas() {
    [[ -d "$CNPG_SCHEMAS/node_modules" ]] && return
    say "tools: installing CloudNativePG's CRD schemas (npm ci in $CNPG_SCHEMAS)"
    (cd "$CNPG_SCHEMAS" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        die "tools: npm ci failed in $CNPG_SCHEMAS"
}

# ---------------------------------------------------------------- main
case "${1:-ensure}" in
    ensure)
        command -v curl >/dev/null 2>&1 || die "curl: missing. Install it with: apt-get install -y curl"
        ensure_uv
        ensure_postgres
        ensure_rabbitmq
        ensure_management
        ;;
    uv) ensure_uv ;;
    tools) ensure_tools ;;
    -h | --help | help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "usage: $0 [ensure|uv|tools]" ;;
esac
