#!/usr/bin/env bash
# Local OpenSearch (2.19.x, with Nori) for newswatch: one node, or a cluster of
# several nodes on loopback.
#
#   bash deploy/local-search/engine.sh start|stop|restart|status
#
# Environment:
#   NEWSWATCH_ENGINE_PORT       HTTP port (default 9200); transport uses port+100..port+199
#   NEWSWATCH_ENGINE_NODES      number of nodes (default 1). With N > 1, node i (0-based)
#                               serves HTTP on port+i and transport on exactly port+100+i,
#                               and the nodes form one cluster (seed hosts on loopback)
#   NEWSWATCH_ENGINE_HOME       node home (config/, data/, logs/, pid, log); default
#                               deploy/local-search/.state/node-$PORT; with N > 1 the
#                               nodes' homes are node-<http port> below
#                               $NEWSWATCH_ENGINE_HOME (default .state/cluster-$PORT)
#   NEWSWATCH_ENGINE_WAIT       seconds start waits for health (default 180)
#   NEWSWATCH_ENGINE_STOP_WAIT  seconds stop waits before SIGKILL (default 30)
#   NEWSWATCH_ENGINE_JAVA_OPTS  extra JVM options (appended; e.g. -Xmx2g)
#   NEWSWATCH_ENGINE_JAVA       java binary (default $JAVA_HOME/bin/java, else java)
#
# The first start builds the launcher with Maven (downloading OpenSearch from
# Maven Central into ~/.m2); later starts reuse target/ and skip Maven unless
# pom.xml or src/ changed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${NEWSWATCH_ENGINE_PORT:-9200}"
NODES="${NEWSWATCH_ENGINE_NODES:-1}"
STATE_ROOT="$HERE/.state"
SINGLE_HOME="$STATE_ROOT/node-$PORT"
CLUSTER_HOME="$STATE_ROOT/cluster-$PORT"
if [ "$NODES" = 1 ]; then
  SINGLE_HOME="${NEWSWATCH_ENGINE_HOME:-$SINGLE_HOME}"
else
  CLUSTER_HOME="${NEWSWATCH_ENGINE_HOME:-$CLUSTER_HOME}"
fi
# The node a function works on: select_node sets these (node 0 by default).
NODE_HOME="$SINGLE_HOME"
PID_FILE="$NODE_HOME/engine.pid"
LOG_FILE="$NODE_HOME/engine.log"
TARGET="$HERE/target"
CP_FILE="$TARGET/classpath.txt"
STAMP="$TARGET/.engine-build-stamp"
MAIN_CLASS="org.newswatch.localsearch.LocalSearch"
START_WAIT="${NEWSWATCH_ENGINE_WAIT:-180}"
STOP_WAIT="${NEWSWATCH_ENGINE_STOP_WAIT:-30}"
BASE_URL="http://127.0.0.1:$PORT"

log() { printf '[engine] %s\n' "$*"; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

case "$PORT" in
  ''|*[!0-9]*) die "NEWSWATCH_ENGINE_PORT must be a number, got '$PORT'" ;;
esac
case "$NODES" in
  [1-9]) ;;
  *) die "NEWSWATCH_ENGINE_NODES must be a number from 1 to 9, got '$NODES'" ;;
esac

node_home() {  # home of node $1 (0-based) of this start
  if [ "$NODES" = 1 ]; then printf '%s\n' "$SINGLE_HOME"; else printf '%s\n' "$CLUSTER_HOME/node-$((PORT + $1))"; fi
}

select_node() {  # select_node HOME HTTP_PORT: the node the next calls work on
  NODE_HOME="$1"
  PID_FILE="$NODE_HOME/engine.pid"
  LOG_FILE="$NODE_HOME/engine.log"
  BASE_URL="http://127.0.0.1:$2"
}

# Every node home of this port that may hold a running node: the single node's and
# each cluster node's, whatever NODES says now (`stop` stops them all).
all_homes() {
  printf '%s\n' "$SINGLE_HOME"
  local home
  for home in "$CLUSTER_HOME"/node-* ${NEWSWATCH_ENGINE_HOME:+"$NEWSWATCH_ENGINE_HOME"/node-*}; do
    [ -d "$home" ] && printf '%s\n' "$home"
  done
  return 0
}

port_of_home() {  # node-9311 -> 9311; the single node's home -> $PORT
  [ "$1" = "$SINGLE_HOME" ] && { printf '%s\n' "$PORT"; return 0; }
  case "$(basename "$1")" in
    node-[0-9]*) basename "$1" | sed 's/^node-//' ;;
    *) printf '%s\n' "$PORT" ;;
  esac
}

java_bin() {
  if [ -n "${NEWSWATCH_ENGINE_JAVA:-}" ]; then
    printf '%s\n' "$NEWSWATCH_ENGINE_JAVA"
  elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  else
    command -v java || die "java not found (need Java 17+; Debian: apt-get install openjdk-17-jdk-headless)"
  fi
}

java_major() {
  # prints e.g. 17 for 'openjdk version "17.0.15"' and 8 for '"1.8.0_..."'
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

healthy() {
  curl -fsS -m 5 "$BASE_URL/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1
}

health_json() {
  curl -sS -m 5 "$BASE_URL/_cluster/health" 2>/dev/null || true
}

# pid of our node for this port, if it is alive and really our launcher
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$MAIN_CLASS" || return 1
  fi
  printf '%s\n' "$pid"
}

classpath_complete() {
  [ -s "$CP_FILE" ] || return 1
  local jar
  while IFS= read -r jar; do
    [ -z "$jar" ] || [ -f "$jar" ] || return 1
  done < <(tr ':' '\n' < "$CP_FILE")
}

needs_build() {
  [ -f "$STAMP" ] || return 0
  [ -f "$TARGET/classes/org/newswatch/localsearch/LocalSearch.class" ] || return 0
  classpath_complete || return 0
  [ -z "$(find "$HERE/pom.xml" "$HERE/src" -newer "$STAMP" -print -quit 2>/dev/null)" ] || return 0
  return 1
}

build() {
  if ! needs_build; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) not found (Debian: apt-get install maven)"
  local t0=$SECONDS
  # Offline first when everything was resolved before (fast, no network);
  # fall back to a normal build that downloads from Maven Central.
  if [ -f "$STAMP" ] && classpath_complete \
     && mvn -o -q -B -f "$HERE/pom.xml" process-classes >"$STATE_ROOT/build.log" 2>&1; then
    :
  else
    log "building launcher with Maven (first run downloads OpenSearch from Maven Central) ..."
    if ! mvn -q -B -f "$HERE/pom.xml" process-classes >"$STATE_ROOT/build.log" 2>&1; then
      tail -n 40 "$STATE_ROOT/build.log" >&2 || true
      die "maven build failed (full log: $STATE_ROOT/build.log)"
    fi
  fi
  classpath_complete || die "maven did not produce a usable $CP_FILE"
  touch "$STAMP"
  log "build done in $((SECONDS - t0))s"
}

cmd_start() {
  if [ "$NODES" = 1 ]; then
    start_single
  else
    start_cluster
  fi
}

start_single() {
  select_node "$SINGLE_HOME" "$PORT"
  mkdir -p "$STATE_ROOT" "$NODE_HOME"
  local pid
  if pid="$(running_pid)"; then
    if healthy; then
      log "already running (pid $pid) and healthy at $BASE_URL"
      return 0
    fi
    log "already running (pid $pid), waiting for it to become healthy ..."
    wait_healthy "$pid"
    return $?
  fi
  if healthy; then
    log "something is already serving a healthy cluster at $BASE_URL (not started by this script); using it"
    return 0
  fi
  port_free
  build
  launch_node --port "$PORT" --home "$NODE_HOME"
  wait_healthy "$LAUNCHED_PID"
}

# Nodes 0..N-1 on HTTP port+i and transport port+100+i, each knowing the others'
# transport addresses. Node 0 alone bootstraps the cluster the first time (so the
# cluster manager is known: node 0); the others join it.
start_cluster() {
  local i seeds="" home pid
  for ((i = 0; i < NODES; i++)); do
    seeds="${seeds:+$seeds,}127.0.0.1:$((PORT + 100 + i))"
  done
  build
  local -a started=()
  for ((i = 0; i < NODES; i++)); do
    home="$(node_home "$i")"
    select_node "$home" "$((PORT + i))"
    mkdir -p "$STATE_ROOT" "$NODE_HOME"
    if pid="$(running_pid)"; then
      log "node $i already running (pid $pid) at $BASE_URL"
      started+=("$pid")
      continue
    fi
    port_free
    launch_node --port "$((PORT + i))" --home "$NODE_HOME" --node-name "newswatch-local-$i" \
      --transport-port "$((PORT + 100 + i))" --seed-hosts "$seeds" \
      --initial-managers "newswatch-local-0"
    started+=("$LAUNCHED_PID")
  done
  for ((i = 0; i < NODES; i++)); do
    select_node "$(node_home "$i")" "$((PORT + i))"
    wait_healthy "${started[$i]}" || { cmd_stop >/dev/null; return 1; }
  done
  select_node "$(node_home 0)" "$PORT"
  if ! curl -fsS -m 70 "$BASE_URL/_cluster/health?wait_for_nodes=$NODES&timeout=60s" >/dev/null 2>&1; then
    log "the $NODES nodes did not form one cluster within 60 s: $(health_json | tr -d '\n' | cut -c1-160)"
    cmd_stop >/dev/null
    return 1
  fi
  log "cluster of $NODES nodes on HTTP ports $PORT..$((PORT + NODES - 1)): $(health_json | tr -d '\n' | cut -c1-160)"
}

port_free() {
  local code
  code="$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE_URL/" 2>/dev/null || true)"
  if [ -n "$code" ] && [ "$code" != "000" ]; then
    die "port ${BASE_URL##*:} is already in use by another HTTP server (answered $code); set NEWSWATCH_ENGINE_PORT"
  fi
}

# Starts the launcher for the selected node in the background; sets LAUNCHED_PID.
launch_node() {
  local java major
  java="$(java_bin)"
  major="$(java_major "$java")"
  case "$major" in ''|*[!0-9]*) die "could not determine the version of $java" ;; esac
  [ "$major" -ge 17 ] || die "$java is Java $major; OpenSearch 2.19 here needs Java 17+"

  # Several nodes share the machine, so each gets a smaller heap (512 MB is plenty
  # for the tests' indices; one node keeps its 1 GB).
  local heap=(-Xms512m -Xmx1g)
  [ "$NODES" = 1 ] || heap=(-Xms256m -Xmx512m)
  local -a jvm=(
    "${heap[@]}" -Xss1m
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow
    -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djna.nosys=true
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true
    -Dio.netty.recycler.maxCapacityPerThread=0
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true
    -Djava.io.tmpdir="$NODE_HOME/tmp"
  )
  # OpenSearch 2.x expects the COMPAT locale data for date formats (removed in Java 23).
  if [ "$major" -lt 23 ]; then
    jvm+=(-Djava.locale.providers=SPI,COMPAT)
  fi
  if [ -n "${NEWSWATCH_ENGINE_JAVA_OPTS:-}" ]; then
    # shellcheck disable=SC2206
    jvm+=(${NEWSWATCH_ENGINE_JAVA_OPTS})
  fi
  mkdir -p "$NODE_HOME/tmp"
  [ -f "$LOG_FILE" ] && mv -f "$LOG_FILE" "$LOG_FILE.1"

  log "starting OpenSearch on $BASE_URL (home $NODE_HOME, log $LOG_FILE)"
  nohup "$java" "${jvm[@]}" -cp "$TARGET/classes:$(cat "$CP_FILE")" "$MAIN_CLASS" \
    "$@" </dev/null >"$LOG_FILE" 2>&1 9>&- &
  LAUNCHED_PID=$!
  printf '%s\n' "$LAUNCHED_PID" > "$PID_FILE"
}

wait_healthy() {
  local pid="$1" t0=$SECONDS
  while [ $((SECONDS - t0)) -lt "$START_WAIT" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the node exited during startup; last log lines:"
      tail -n 40 "$LOG_FILE" 2>/dev/null || true
      grep -h "node failed to start" "$LOG_FILE" 2>/dev/null | tail -n 1 | sed 's/^.*\[newswatch\] /[engine] /' || true
      rm -f "$PID_FILE"
      return 1
    fi
    # the launcher prints this line once its post-start setup is done
    if healthy && grep -q "OpenSearch node started" "$LOG_FILE" 2>/dev/null; then
      log "healthy after $((SECONDS - t0))s (pid $pid): $(health_json | tr -d '\n' | cut -c1-160)"
      return 0
    fi
    sleep 1
  done
  log "not healthy after ${START_WAIT}s; last log lines:"
  tail -n 40 "$LOG_FILE" 2>/dev/null || true
  log "stopping the unhealthy node (pid $pid)"
  stop_node >/dev/null || true
  return 1
}

# Stops every node of this port: the single node and each cluster node.
cmd_stop() {
  local home any=""
  while IFS= read -r home; do
    select_node "$home" "$(port_of_home "$home")"
    if running_pid >/dev/null; then
      stop_node
      any=1
    else
      rm -f "$PID_FILE"  # a node that died (or was killed) leaves its pid file
    fi
  done < <(all_homes)
  [ -n "$any" ] && return 0
  select_node "$SINGLE_HOME" "$PORT"
  if healthy; then
    log "not running from this script (but something else serves $BASE_URL; left alone)"
  else
    log "not running"
  fi
}

stop_node() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping pid $pid at $BASE_URL (SIGTERM) ..."
  kill -TERM "$pid" 2>/dev/null || true
  local t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if [ $((SECONDS - t0)) -ge "$STOP_WAIT" ]; then
      log "still alive after ${STOP_WAIT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  log "stopped after $((SECONDS - t0))s"
}

# Exit 0 when every running node answers, 1 when one does not, 3 when none runs.
cmd_status() {
  local home pid rss h found="" code=0
  while IFS= read -r home; do
    select_node "$home" "$(port_of_home "$home")"
    pid="$(running_pid)" || continue
    found=1
    rss="$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$pid/status" 2>/dev/null || true)"
    log "running: pid $pid, port ${BASE_URL##*:}, RSS ${rss:-?}, home $NODE_HOME"
    h="$(health_json)"
    if [ -n "$h" ]; then
      log "health: $h"
    else
      log "health: no answer from $BASE_URL yet"
      code=1
    fi
  done < <(all_homes)
  [ -n "$found" ] && return "$code"
  select_node "$SINGLE_HOME" "$PORT"
  if healthy; then
    log "not started by this script, but $BASE_URL answers: $(health_json)"
    return 0
  fi
  log "not running (port $PORT)"
  return 3
}

main() {
  local cmd="${1:-}"
  mkdir -p "$STATE_ROOT"
  # one start/stop at a time per checkout
  if command -v flock >/dev/null 2>&1 && [ "$cmd" != status ]; then
    exec 9>"$STATE_ROOT/engine.lock"
    flock -w 600 9 || die "another engine.sh is busy (lock $STATE_ROOT/engine.lock)"
  fi
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop && cmd_start ;;
    status) cmd_status ;;
    *) echo "usage: $0 start|stop|restart|status   (port: NEWSWATCH_ENGINE_PORT, default 9200)" >&2; exit 2 ;;
  esac
}

main "$@"
