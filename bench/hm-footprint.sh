#!/usr/bin/env bash
# Idle resident memory of the Host Manager published as NativeAOT, beside an empty Generic Host worker published the
# same way, alone and holding one libvirt connection (the floor for any libvirt agent), measured in one run (issue 5:
# the HM runs on every compute node; goal <= 25 MB idle).
# The HM is connected to a real Prosody and to libvirt's test driver, monitoring on; no CM, so it idles asking for
# admission every minute or so.
#
# usage: bench/hm-footprint.sh [--breakdown] [--no-publish] [OUTPUT_DIR]
#   --breakdown   also print where each process's resident memory lives (from /proc/PID/smaps, see breakdown() below):
#                 the AOT image, shared libraries (largest listed), GC heap, malloc, thread stacks; and the thread count
#   --no-publish  reuse the binaries already in OUTPUT_DIR (to try runtime knobs given as DOTNET_* variables)
# CLEVER_FOOTPRINT_KEEP=1 keeps everything running after the measurement (PIDs printed) until SIGINT or SIGTERM, to look
# at the processes with other tools. CLEVER_FOOTPRINT_SECONDS overrides the 20 s idle time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
breakdown=false; publish=true
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --breakdown) breakdown=true ;;
    --no-publish) publish=false ;;
    *) echo "hm-footprint: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
out=${1:-artifacts/footprint}
mkdir -p "$out"
if $publish; then
  dotnet publish bench/BareWorker -r linux-x64 -c Release -o "$out/bare" --nologo -v q
  dotnet publish src/HostManager -r linux-x64 -c Release -o "$out/hm" --nologo -v q
fi

work=$(mktemp -d /tmp/clevercloud-footprint.XXXXXX)
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
port=$(free_port); s2s=$(free_port)
mkdir -p "$work/data" "$work/certs" "$work/images" "$work/state"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=fp.test" \
  -addext "subjectAltName=DNS:fp.test,DNS:rooms.fp.test" -keyout "$work/certs/server.key" -out "$work/certs/server.crt" 2>/dev/null
run_as_root=false; [[ $(id -u) -eq 0 ]] && run_as_root=true
render deploy/prosody/prosody.cfg.lua.template "$work/prosody.cfg.lua" DOMAIN=fp.test MUC_DOMAIN=rooms.fp.test \
  C2S_PORT=$port S2S_PORT=$s2s INTERFACE=127.0.0.1 DATA_DIR="$work/data" PID_FILE="$work/prosody.pid" \
  LOG_FILE="$work/prosody.log" CERT="$work/certs/server.crt" KEY="$work/certs/server.key" CERT_DIR="$work/certs" \
  RUN_AS_ROOT=$run_as_root REGISTRATION_ALLOWLIST='{ "127.0.0.1" }' EXTRA_CONFIG=
start prosody "$work/prosody.out" prosody -F --config "$work/prosody.cfg.lua"
wait_port "$port" 30 prosody "$work/prosody.log"
cat >"$work/hm.json" <<JSON
{ "Xmpp": { "Domain": "fp.test", "Port": $port, "Username": "hm", "Password": "pw", "RegisterAccount": true,
            "TrustedCertificateFile": "$work/certs/server.crt" },
  "Agent": { "RoomJid": "cluster@rooms.fp.test", "ManagerJid": "cm@fp.test", "Security": "Plaintext" },
  "HostManager": { "LibvirtUri": "test:///default", "ImageDirectory": "$work/images", "StateDirectory": "$work/state" },
  "Logging": { "LogLevel": { "Default": "Warning" } } }
JSON
start bare-worker "$work/bare.log" "$out/bare/BareWorker"
start clever-hm "$work/hm.log" "$out/hm/clever-hm" --config "$work/hm.json"
# The floor for anything that drives libvirt: the same empty worker holding one connection to the same driver.
start bare-worker+libvirt "$work/bare-libvirt.log" "$out/bare/BareWorker" --libvirt test:///default
sleep "${CLEVER_FOOTPRINT_SECONDS:-20}"
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
bare_pid=${CLEVER_PIDS[1]%%:*}; hm_pid=${CLEVER_PIDS[2]%%:*}; bare_libvirt_pid=${CLEVER_PIDS[3]%%:*}
bare=$(rss "$bare_pid"); hm=$(rss "$hm_pid"); bare_libvirt=$(rss "$bare_libvirt_pid")
printf 'idle resident memory after %d s: bare worker %d KiB, bare worker + libvirt connection %d KiB, clever-hm %d KiB\n' \
  "${CLEVER_FOOTPRINT_SECONDS:-20}" "$bare" "$bare_libvirt" "$hm"
printf 'ratios: clever-hm / bare worker %.2f, clever-hm / bare worker + libvirt %.2f; the HM above that floor: %d KiB (goal: HM <= 25600 KiB)\n' \
  "$(awk -v a="$hm" -v b="$bare" 'BEGIN { print a / b }')" "$(awk -v a="$hm" -v b="$bare_libvirt" 'BEGIN { print a / b }')" "$((hm - bare_libvirt))"
printf 'binary sizes: bare worker %s, clever-hm %s\n' "$(du -h "$out/bare/BareWorker" | cut -f1)" "$(du -h "$out/hm/clever-hm" | cut -f1)"
# breakdown PID NAME: resident memory by kind, from /proc/PID/smaps.
#   image          the executable's own mappings, plus the anonymous memory right after them (.bss and NativeAOT's
#                  .hydrated section: method tables and frozen objects rebuilt at startup from the dehydrated image)
#   shared libs    file-backed mappings of every other file, summed per file (the largest are listed)
#   GC heap        anonymous memory inside a run of adjacent anonymous mappings spanning >= 1 GiB (the GC reserves
#                  its whole address range up front and commits regions inside it)
#   malloc         the brk [heap] and glibc's per-thread arenas (anonymous 64 MiB-aligned 64 MiB windows)
#   thread stacks  [stack] and the anonymous mappings that hold a sleeping thread's stack pointer
#   other anon     anything else anonymous (runtime data structures, GC bookkeeping outside the reservation, ...)
breakdown() {
  local pid=$1 name=$2 stacks exe
  # Each sleeping thread's user stack pointer (next to last field of /proc/PID/task/TID/syscall; needs ptrace access to
  # the process) locates the mapping of its stack.
  stacks=$(for t in /proc/"$pid"/task/*; do awk 'NF > 2 { print $(NF - 1) }' "$t/syscall" 2>/dev/null || true; done | tr '\n' ' ')
  exe=$(readlink "/proc/$pid/exe")
  printf '\n%s (pid %d): %d threads, VmRSS %d KiB (RssAnon %d, RssFile %d)\n' "$name" "$pid" \
    "$(ls /proc/"$pid"/task | wc -l)" "$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)" \
    "$(awk '/RssAnon/ {print $2}' /proc/"$pid"/status)" "$(awk '/RssFile/ {print $2}' /proc/"$pid"/status)"
  awk -v stacks="$stacks" -v exe="$exe" '
    # Hexadecimal to number (portable awk: no strtonum); addresses fit a double exactly.
    function hex(s,   i, v) {
      sub(/^0x/, "", s); v = 0
      for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
      return v
    }
    function kib(k) { return sprintf("%8d KiB", k) }
    BEGIN { nsp = split(stacks, sp, " "); for (i = 1; i <= nsp; i++) sp[i] = hex(sp[i]); n = 0 }
    # A mapping header: "start-end perms offset dev inode [path]".
    /^[0-9a-f]+-[0-9a-f]+ / {
      n++; split($1, range, "-"); lo[n] = hex(range[1]); hi[n] = hex(range[2])
      p = $6; for (i = 7; i <= NF; i++) p = p " " $i
      sub(/ \(deleted\)$/, "", p); path[n] = p; rss[n] = 0
      next
    }
    /^Rss:/ { rss[n] = $2 }
    END {
      # Runs of adjacent anonymous mappings: their total span tells the GC reservation and malloc arenas apart.
      for (i = 1; i <= n; i++) {
        if (path[i] != "") { run[i] = 0; continue }
        if (i > 1 && path[i - 1] == "" && lo[i] == hi[i - 1]) run[i] = run[i - 1]; else { run[i] = i; span[i] = 0 }
        span[run[i]] += hi[i] - lo[i]
        starts[sprintf("%.0f", lo[i])] = 1
      }
      for (i = 1; i <= n; i++) {
        if (rss[i] == 0) continue
        k = ""
        if (path[i] == exe) kind = "image"
        else if (path[i] == "" && i > 1 && (path[i - 1] == exe || image_tail[i - 1]) && lo[i] == hi[i - 1]) { kind = "image"; image_tail[i] = 1 }
        else if (path[i] == "[stack]") kind = "thread stacks"
        else if (path[i] == "[heap]") kind = "malloc"
        else if (path[i] ~ /^\[/) kind = "other anon"
        else if (path[i] != "") { kind = "shared libs"; k = path[i]; sub(/.*\//, "", k) }
        else {
          kind = ""
          for (j = 1; j <= nsp; j++) if (sp[j] >= lo[i] && sp[j] < hi[i]) { kind = "thread stacks"; break }
          if (kind == "") {
            if (span[run[i]] >= 1073741824) kind = "GC heap"
            else {
              # A glibc arena heap: a 64 MiB-aligned 64 MiB window, one mapping starting at its base, all anonymous.
              base = lo[i] - lo[i] % 67108864
              if ((sprintf("%.0f", base) in starts) && lo[run[i]] <= base && lo[run[i]] + span[run[i]] >= base + 67108864) kind = "malloc"
              else kind = "other anon"
            }
          }
        }
        by[kind] += rss[i]; total += rss[i]
        if (k != "") lib[k] += rss[i]
      }
      printf "%s  total\n", kib(total)
      split("image,shared libs,GC heap,malloc,thread stacks,other anon", order, ",")
      for (o = 1; o <= 6; o++) printf "%s  %s\n", kib(by[order[o]]), order[o]
      printf "  shared libs with >= 256 KiB resident:\n"
      cmd = "sort -rn"
      for (k in lib) if (lib[k] >= 256) printf "  %s  %s\n", kib(lib[k]), k | cmd
      close(cmd)
    }' /proc/"$pid"/smaps
}
if $breakdown; then
  breakdown "$bare_pid" "bare worker"
  breakdown "$bare_libvirt_pid" "bare worker + libvirt connection"
  breakdown "$hm_pid" clever-hm
fi
if [[ ${CLEVER_FOOTPRINT_KEEP:-0} == 1 ]]; then
  echo "kept running until SIGINT/SIGTERM: bare worker pid $bare_pid, bare worker + libvirt pid $bare_libvirt_pid, clever-hm pid $hm_pid, prosody pid ${CLEVER_PIDS[0]%%:*} (work dir $work)"
  trap 'exit 0' INT TERM
  while :; do sleep 3600 & wait $!; done
fi
