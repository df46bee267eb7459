# Shared shell helpers for the demo: free ports, waiting for a port, starting and stopping background processes.
# Sourced, not run.

# A TCP port on 127.0.0.1 that nothing listens on, from an unusual range.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      # Not listening; also make sure we did not hand it out already in this run.
      if [[ " ${CLEVER_PORTS_TAKEN:-} " != *" $port "* ]]; then
        CLEVER_PORTS_TAKEN="${CLEVER_PORTS_TAKEN:-} $port"
        echo "$port"
        return
      fi
    fi
  done
}

# wait_port PORT SECONDS NAME LOGFILE: wait until something accepts on 127.0.0.1:PORT.
wait_port() {
  local port=$1 seconds=$2 name=$3 log=${4:-}
  local deadline=$((SECONDS + seconds))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "demo: $name did not open port $port within ${seconds}s" >&2
      [[ -n $log && -f $log ]] && tail -n 40 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
}

# wait_log FILE PATTERN SECONDS NAME: wait until a log line matches.
wait_log() {
  local file=$1 pattern=$2 seconds=$3 name=$4
  local deadline=$((SECONDS + seconds))
  until grep -qE "$pattern" "$file" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "demo: $name did not log /$pattern/ within ${seconds}s; last lines:" >&2
      tail -n 40 "$file" >&2
      return 1
    fi
    sleep 0.2
  done
}

# start NAME LOGFILE COMMAND...: run in the background, remember the PID for stop_all.
CLEVER_PIDS=()
start() {
  local name=$1 log=$2; shift 2
  "$@" >"$log" 2>&1 &
  local pid=$!
  CLEVER_PIDS+=("$pid:$name")
  echo "demo: started $name (pid $pid, log $log)"
}

stop_all() {
  local entry pid name i
  for ((i = ${#CLEVER_PIDS[@]} - 1; i >= 0; i--)); do
    entry=${CLEVER_PIDS[$i]}; pid=${entry%%:*}; name=${entry#*:}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      echo "demo: stopped $name (pid $pid)"
    fi
  done
  CLEVER_PIDS=()
}

# render TEMPLATE OUTPUT KEY=VALUE...: replace {{KEY}} placeholders.
render() {
  local template=$1 output=$2; shift 2
  local content
  content=$(<"$template")
  local pair key value
  for pair in "$@"; do
    key=${pair%%=*}; value=${pair#*=}
    content=${content//"{{$key}}"/$value}
  done
  if grep -q '{{[A-Z_]*}}' <<<"$content"; then
    echo "demo: unrendered placeholders in $template: $(grep -o '{{[A-Z_]*}}' <<<"$content" | sort -u | tr '\n' ' ')" >&2
    return 1
  fi
  printf '%s\n' "$content" >"$output"
}
