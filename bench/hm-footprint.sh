#!/usr/bin/env bash
# Idle resident memory of the Host Manager published as NativeAOT, beside an empty Generic Host worker published the
# same way, measured in one run (issue 5: the HM runs on every compute node; goal <= 25 MB idle).
# The HM is connected to a real Prosody and to libvirt's test driver, monitoring on; no CM, so it idles asking for
# admission every minute or so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
out=${1:-artifacts/footprint}
mkdir -p "$out"
dotnet publish bench/BareWorker -r linux-x64 -c Release -o "$out/bare" --nologo -v q
dotnet publish src/HostManager -r linux-x64 -c Release -o "$out/hm" --nologo -v q

work=$(mktemp -d /tmp/clevercloud-footprint.XXXXXX)
trap 'stop_all; rm -rf "$work"' EXIT
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
sleep 20
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
bare_pid=${CLEVER_PIDS[1]%%:*}; hm_pid=${CLEVER_PIDS[2]%%:*}
bare=$(rss "$bare_pid"); hm=$(rss "$hm_pid")
printf 'idle resident memory after 20 s: bare worker %d KiB, clever-hm %d KiB (ratio %.2f; goal <= 25600 KiB)\n' \
  "$bare" "$hm" "$(awk -v a="$hm" -v b="$bare" 'BEGIN { print a / b }')"
printf 'binary sizes: bare worker %s, clever-hm %s\n' "$(du -h "$out/bare/BareWorker" | cut -f1)" "$(du -h "$out/hm/clever-hm" | cut -f1)"
