#!/usr/bin/env bash
# Starts, stops and reports the two services the engine needs on a developer
# machine without Docker: nats-server with JetStream and clickhouse-server,
# both from Debian packages, both on loopback only. Idempotent: it never
# starts a second copy of a service that already answers on its port, and it
# only ever stops processes it started itself (tracked by pid files).
#
#   deploy/local/services.sh start  [nats|clickhouse]
#   deploy/local/services.sh stop   [nats|clickhouse]
#   deploy/local/services.sh status [nats|clickhouse]
#
# Environment (all optional):
#   IOC_LOCAL_DATA                 data, logs, pid files (default deploy/local/.data)
#   IOC_LOCAL_NATS_PORT            client port (4222)
#   IOC_LOCAL_NATS_MONITOR_PORT    monitoring port (8222)
#   IOC_LOCAL_CH_HTTP_PORT         ClickHouse HTTP port (8123)
#   IOC_LOCAL_CH_TCP_PORT          ClickHouse native port (9000)
#   IOC_LOCAL_CH_INTERSERVER_PORT  ClickHouse interserver port (9009)
#   IOC_LOCAL_NO_INSTALL=1         never call apt-get; fail when a package is missing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${IOC_LOCAL_DATA:-$here/.data}"
nats_port="${IOC_LOCAL_NATS_PORT:-4222}"
nats_monitor_port="${IOC_LOCAL_NATS_MONITOR_PORT:-8222}"
ch_http_port="${IOC_LOCAL_CH_HTTP_PORT:-8123}"
ch_tcp_port="${IOC_LOCAL_CH_TCP_PORT:-9000}"
ch_interserver_port="${IOC_LOCAL_CH_INTERSERVER_PORT:-9009}"

nats_dir="$data/nats"
nats_pid="$nats_dir/nats-server.pid"
ch_dir="$data/clickhouse"
ch_pid="$ch_dir/clickhouse-server.pid"

say() { printf '%-11s %s\n' "$1" "$2"; }
die() { printf 'services.sh: %s\n' "$*" >&2; exit 1; }

# --- small helpers -----------------------------------------------------------

# The first line a TCP server sends (NATS greets with `INFO {...}`); empty when nothing answers.
tcp_greeting() {
  local port="$1"
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -n1 <&3" 2>/dev/null | tr -d '\r' || true
}

# GET http://127.0.0.1:<port><path>; prints the body, fails when nothing answers.
http_get() {
  local port="$1" path="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 3 "http://127.0.0.1:$port$path"
  else
    timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port
      printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' '$path' >&3
      sed '1,/^\r\$/d' <&3" 2>/dev/null
  fi
}

# A JSON string field from a one-line JSON text (enough for NATS INFO).
json_field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^,\"}]*\\).*/\\1/p" <<<"$1"; }

# The pid in a pid file if that process is alive.
live_pid() {
  local file="$1" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

# Installs a Debian package when its binary is missing (root, or sudo when available).
ensure_package() {
  local pkg="$1"; shift
  local p
  for p in "$@"; do [[ -x "$p" ]] && return 0; done
  [[ "${IOC_LOCAL_NO_INSTALL:-}" == 1 ]] && die "$pkg is not installed and IOC_LOCAL_NO_INSTALL=1"
  command -v apt-get >/dev/null 2>&1 || die "$pkg is not installed and this is not a Debian/Ubuntu system; install it by hand"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "$pkg is not installed; run: sudo apt-get install -y $pkg"
    sudo=(sudo)
  fi
  say "$pkg" "not installed: installing the Debian package (apt-get)"
  # Another apt run (unattended upgrades, a CI step) may hold the lock: wait for it rather than fail.
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$pkg" >/dev/null
  for p in "$@"; do [[ -x "$p" ]] && return 0; done
  die "$pkg was installed but none of $* exists"
}

wait_until() {
  local seconds="$1"; shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# --- NATS ----------------------------------------------------------------------

nats_bin() {
  local p
  for p in /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
    [[ -x "$p" ]] && { echo "$p"; return; }
  done
  command -v nats-server
}

nats_answers() { [[ "$(tcp_greeting "$nats_port")" == INFO* ]]; }

nats_status() {
  local info pid owner js
  info="$(tcp_greeting "$nats_port")"
  if [[ "$info" != INFO* ]]; then
    say nats "stopped (nothing answers on 127.0.0.1:$nats_port)"
    return 1
  fi
  if pid="$(live_pid "$nats_pid")"; then owner="started by this script, pid $pid"; else owner="not started by this script"; fi
  js="$(json_field "$info" jetstream)"
  say nats "running on 127.0.0.1:$nats_port, version $(json_field "$info" version), JetStream ${js:-false} ($owner)"
  [[ "$js" == true ]] || say nats "warning: JetStream is off on this server; the engine needs it (nats-server -js)"
}

nats_start() {
  if nats_answers; then
    nats_status || true
    say nats "already running: not starting another"
    return 0
  fi
  ensure_package nats-server /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server
  mkdir -p "$nats_dir/jetstream"
  # Dev settings: one node, loopback only. Production durability (R3, sync_interval) is in deploy/compose and deploy/k8s.
  cat >"$nats_dir/nats-server.conf" <<EOF
# Written by deploy/local/services.sh; edits are overwritten on the next start.
server_name: ioc-local
listen: 127.0.0.1:$nats_port
http: 127.0.0.1:$nats_monitor_port
pid_file: "$nats_pid"
log_file: "$nats_dir/nats-server.log"
max_payload: 1MB
jetstream {
  store_dir: "$nats_dir/jetstream"
  max_file_store: 10GB
}
EOF
  setsid nohup "$(nats_bin)" -c "$nats_dir/nats-server.conf" >>"$nats_dir/stdout.log" 2>&1 </dev/null &
  if ! wait_until 20 nats_answers; then
    tail -n 20 "$nats_dir/nats-server.log" "$nats_dir/stdout.log" 2>/dev/null >&2 || true
    die "nats-server did not answer on 127.0.0.1:$nats_port within 20 s (logs above, in $nats_dir)"
  fi
  nats_status
}

nats_stop() {
  local pid
  if pid="$(live_pid "$nats_pid")"; then
    # SIGTERM: JetStream flushes and closes its stores.
    kill -TERM "$pid"
    wait_until 30 bash -c "! kill -0 $pid 2>/dev/null" || die "nats-server (pid $pid) did not stop within 30 s"
    rm -f "$nats_pid"
    say nats "stopped (pid $pid)"
  elif nats_answers; then
    say nats "running but not started by this script: leaving it alone"
  else
    say nats "not running"
  fi
}

# --- ClickHouse ------------------------------------------------------------------

# Debian's 18.16 ships clickhouse-server; current packages ship one `clickhouse` binary with a `server` subcommand.
ch_launcher() {
  local p
  for p in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server /usr/local/bin/clickhouse-server; do
    [[ -x "$p" ]] && { echo "$p"; return; }
  done
  for p in /usr/bin/clickhouse /usr/local/bin/clickhouse; do
    [[ -x "$p" ]] && { echo "$p server"; return; }
  done
  return 1
}

ch_answers() { [[ "$(http_get "$ch_http_port" /ping 2>/dev/null)" == Ok.* ]]; }

ch_status() {
  local pid owner version
  if ! ch_answers; then
    say clickhouse "stopped (nothing answers on http://127.0.0.1:$ch_http_port/ping)"
    return 1
  fi
  if pid="$(live_pid "$ch_pid")"; then owner="started by this script, pid $pid"; else owner="not started by this script"; fi
  version="$(http_get "$ch_http_port" '/?query=SELECT%20version()' 2>/dev/null || echo '?')"
  say clickhouse "running on http://127.0.0.1:$ch_http_port, version $version ($owner)"
}

ch_start() {
  if ch_answers; then
    ch_status || true
    say clickhouse "already running: not starting another"
    return 0
  fi
  ensure_package clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server /usr/bin/clickhouse /usr/local/bin/clickhouse
  mkdir -p "$ch_dir/data"
  # A private config (data under $ch_dir, loopback only) instead of /etc/clickhouse-server:
  # no root needed to run it, and the system's own ClickHouse, if any, is never touched.
  sed -e "s|@DIR@|$ch_dir|g" -e "s|@HTTP_PORT@|$ch_http_port|g" -e "s|@TCP_PORT@|$ch_tcp_port|g" \
    -e "s|@INTERSERVER_PORT@|$ch_interserver_port|g" "$here/clickhouse/config.xml" >"$ch_dir/config.xml"
  cp "$here/clickhouse/users.xml" "$ch_dir/users.xml"
  local launcher
  launcher="$(ch_launcher)" || die "no clickhouse-server binary found"
  # --daemon and --pid-file are what the 18.16 init script uses; the server writes its own pid.
  # shellcheck disable=SC2086 # the launcher may be "clickhouse server": two words on purpose
  (cd "$ch_dir" && $launcher --daemon --pid-file="$ch_pid" --config-file="$ch_dir/config.xml" >>"$ch_dir/stdout.log" 2>&1 </dev/null)
  if ! wait_until 60 ch_answers; then
    tail -n 20 "$ch_dir/server.err.log" "$ch_dir/stdout.log" 2>/dev/null >&2 || true
    die "clickhouse-server did not answer on http://127.0.0.1:$ch_http_port/ping within 60 s (logs above, in $ch_dir)"
  fi
  ch_status
}

ch_stop() {
  local pid
  if pid="$(live_pid "$ch_pid")"; then
    kill -TERM "$pid"
    wait_until 60 bash -c "! kill -0 $pid 2>/dev/null" || die "clickhouse-server (pid $pid) did not stop within 60 s"
    rm -f "$ch_pid"
    say clickhouse "stopped (pid $pid)"
  elif ch_answers; then
    say clickhouse "running but not started by this script: leaving it alone"
  else
    say clickhouse "not running"
  fi
}

# --- main --------------------------------------------------------------------------

usage() {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

cmd="${1:-}"
which="${2:-all}"
case "$which" in all | nats | clickhouse) ;; *) usage ;; esac
run() { [[ "$which" == all || "$which" == "$1" ]]; }

case "$cmd" in
  start)
    run nats && nats_start
    run clickhouse && ch_start
    echo
    echo "Point the engine at them with:"
    run nats && echo "  export IOC_NATS_URL=nats://127.0.0.1:$nats_port"
    run clickhouse && echo "  export IOC_CLICKHOUSE_URL=http://127.0.0.1:$ch_http_port"
    ;;
  stop)
    run clickhouse && ch_stop
    run nats && nats_stop
    ;;
  status)
    rc=0
    if run nats; then nats_status || rc=3; fi
    if run clickhouse; then ch_status || rc=3; fi
    exit "$rc"
    ;;
  *) usage ;;
esac
