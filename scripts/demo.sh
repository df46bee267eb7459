#!/usr/bin/env bash
# A CleverCloud demo cluster on this machine, fully secured, everything on loopback and unusual ports:
#   slapd (certificate directory) → clever-ca (SCEP) → Prosody → clever-cm + two clever-hm (libvirt test driver)
# Every agent enrolls through SCEP at first start, its certificate is published in LDAP, the CM creates and
# configures the members-only room, admits the hosts and hands them the room key; then the administrator's CLI
# asks both hosts for host.info through the CM, creates, lists and deletes a VM, and a forged command is rejected.
#
#   scripts/demo.sh            run it and stop everything at the end
#   scripts/demo.sh --keep     leave the cluster running and print how to use the CLI against it
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/lib.sh

keep=false
for arg in "$@"; do
  case $arg in
    --keep) keep=true ;;
    *) echo "usage: scripts/demo.sh [--keep]" >&2; exit 64 ;;
  esac
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing what is missing and building"
# CLEVER_DEMO_SKIP_BUILD=1: the Release binaries exist already (the test suite runs the demo after building).
if [[ ${CLEVER_DEMO_SKIP_BUILD:-0} != 1 ]]; then
  scripts/install-deps.sh
  dotnet build CleverCloud.sln -c Release --nologo --verbosity quiet
fi

bin() { echo "$root/src/$1/bin/Release/net10.0/$2"; }
CA=$(bin CertificateAuthority clever-ca)
CM=$(bin ClusterManager clever-cm)
HM=$(bin HostManager clever-hm)
CLI=$(bin Cli clever)

demo=$(mktemp -d /tmp/clevercloud-demo.XXXXXX)
trap '[[ $keep == true ]] || { stop_all; rm -rf "$demo"; }' EXIT
domain=clever.test
base_dn="dc=clever,dc=test"
ldap_port=$(free_port); ca_port=$(free_port); c2s_port=$(free_port); s2s_port=$(free_port)
echo "demo: working directory $demo"

step "Certificate directory: slapd on 127.0.0.1:$ldap_port"
mkdir -p "$demo/ldap/data"
render deploy/ldap/slapd.conf.template "$demo/ldap/slapd.conf" \
  SCHEMA_DIR=/etc/ldap/schema MODULE_DIR=/usr/lib/ldap RUN_DIR="$demo/ldap" DATA_DIR="$demo/ldap/data" \
  SUFFIX="$base_dn" ROOT_DN="cn=admin,$base_dn" ROOT_PW=demo-ldap-secret TLS_CONFIG= NAME=demo
start slapd "$demo/ldap/slapd.log" /usr/sbin/slapd -d 0 -h "ldap://127.0.0.1:$ldap_port/" -f "$demo/ldap/slapd.conf"
wait_port "$ldap_port" 30 slapd "$demo/ldap/slapd.log"
render deploy/ldap/layout.ldif "$demo/ldap/layout.ldif" SUFFIX="$base_dn" SUFFIX_DC=clever
for _ in $(seq 1 50); do
  ldapadd -x -H "ldap://127.0.0.1:$ldap_port/" -D "cn=admin,$base_dn" -w demo-ldap-secret -f "$demo/ldap/layout.ldif" >/dev/null 2>&1 && break
  sleep 0.1
done

step "Certificate authority: clever-ca (SCEP) on http://127.0.0.1:$ca_port"
mkdir -p "$demo/ca"
umask 077; echo "demo-ca-key-secret" >"$demo/ca/key.password"; umask 022
cat >"$demo/ca/appsettings.json" <<EOF
{
  "CertificateAuthority": { "StateDirectory": "$demo/ca/state", "KeyPasswordFile": "$demo/ca/key.password",
    "KeyEncryptionIterations": 100000, "Url": "http://127.0.0.1:$ca_port", "CertificateValidity": "30.00:00:00" },
  "Ldap": { "Uri": "ldap://127.0.0.1:$ldap_port", "BaseDn": "$base_dn", "BindDn": "cn=admin,$base_dn", "BindPassword": "demo-ldap-secret" },
  "Logging": { "LogLevel": { "Default": "Warning", "CleverCloud": "${4:-Information}" } }
}
EOF
start clever-ca "$demo/ca/ca.log" "$CA" serve --config "$demo/ca/appsettings.json"
wait_port "$ca_port" 60 clever-ca "$demo/ca/ca.log"
wait_log "$demo/ca/ca.log" "listening" 60 clever-ca
cp "$demo/ca/state/ca.crt.pem" "$demo/ca.pem"
challenge() { "$CA" challenge create --config "$demo/ca/appsettings.json" --role "$1" --address "$2@$domain" --ttl 1h 2>/dev/null | tail -n 1; }

step "XMPP server: Prosody on 127.0.0.1:$c2s_port (domain $domain, rooms.$domain)"
mkdir -p "$demo/prosody/data" "$demo/prosody/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "/CN=$domain" \
  -addext "subjectAltName=DNS:$domain,DNS:rooms.$domain" \
  -keyout "$demo/prosody/certs/server.key" -out "$demo/prosody/certs/server.crt" 2>/dev/null
run_as_root=false; [[ $(id -u) -eq 0 ]] && run_as_root=true
render deploy/prosody/prosody.cfg.lua.template "$demo/prosody/prosody.cfg.lua" \
  DOMAIN=$domain MUC_DOMAIN=rooms.$domain C2S_PORT=$c2s_port S2S_PORT=$s2s_port INTERFACE=127.0.0.1 \
  DATA_DIR="$demo/prosody/data" PID_FILE="$demo/prosody/prosody.pid" LOG_FILE="$demo/prosody/prosody.log" \
  CERT="$demo/prosody/certs/server.crt" KEY="$demo/prosody/certs/server.key" CERT_DIR="$demo/prosody/certs" \
  RUN_AS_ROOT=$run_as_root REGISTRATION_ALLOWLIST='{ "127.0.0.1" }' EXTRA_CONFIG=
start prosody "$demo/prosody/console.log" prosody -F --config "$demo/prosody/prosody.cfg.lua"
wait_port "$c2s_port" 30 prosody "$demo/prosody/prosody.log"

agent_config() { # name role → JSON config of one agent
  local name=$1 role=$2
  mkdir -p "$demo/$name"
  cat >"$demo/$name/config.json" <<EOF
{
  "Xmpp": { "Domain": "$domain", "Host": "127.0.0.1", "Port": $c2s_port, "Username": "$name", "Password": "xmpp-$name-secret",
            "RegisterAccount": true, "TrustedCertificateFile": "$demo/prosody/certs/server.crt" },
  "Agent": { "RoomJid": "cluster@rooms.$domain", "ManagerJid": "cm@$domain" },
  "Identity": { "XmppAddress": "$name@$domain", "Role": "$role", "KeystorePath": "$demo/$name/identity.p12",
                "KeystorePassword": "keystore-$name-secret", "ScepUrl": "http://127.0.0.1:$ca_port/scep",
                "Challenge": "$(challenge "$3" "$name")", "CaCertificateFile": "$demo/ca.pem" },
  "Ldap": { "Uri": "ldap://127.0.0.1:$ldap_port", "BaseDn": "$base_dn" },
  "PeerValidation": { "CaCertificateFile": "$demo/ca.pem" },
  "Security": { "AuditLogPath": "$demo/$name/audit.jsonl" },
  "Cluster": { "DatabasePath": "$demo/$name/cluster.db", "AutoAdmitDomains": [ "$domain" ] },
  "HostManager": { "LibvirtUri": "test:///default", "ImageDirectory": "$demo/images", "StateDirectory": "$demo/$name/state",
                   "MonitoringInterval": "00:00:05" },
  "Logging": { "LogLevel": { "Default": "Warning", "CleverCloud": "${4:-Information}" } }
}
EOF
  echo "$demo/$name/config.json"
}
mkdir -p "$demo/images"
truncate -s 64M "$demo/images/debian-12.raw"

step "Cluster manager: enrolls through SCEP, creates and configures the room"
start clever-cm "$demo/cm/cm.log" "$CM" --config "$(agent_config cm ClusterManager cm)"
wait_log "$demo/cm/cm.log" "Cluster room .* ready" 90 clever-cm

step "Two host managers: enroll, ask for admission, join the room, receive the room key"
start clever-hm1 "$demo/hm1/hm.log" "$HM" --config "$(agent_config hm1 HostManager hm)"
start clever-hm2 "$demo/hm2/hm.log" "$HM" --config "$(agent_config hm2 HostManager hm)"
wait_log "$demo/cm/cm.log" "Host hm1@$domain online" 90 clever-cm
wait_log "$demo/cm/cm.log" "Host hm2@$domain online" 90 clever-cm
grep -hE "Enrolled|Loaded|Room key epoch" "$demo"/cm/cm.log "$demo"/hm*/hm.log | sed 's/^/  /' | head -n 12

step "Each agent's certificate, as published in LDAP"
for name in cm hm1 hm2; do
  ldapsearch -x -LLL -o ldif-wrap=no -H "ldap://127.0.0.1:$ldap_port/" -b "ou=agents,$base_dn" "(uid=$name@$domain)" 'userCertificate;binary' \
    | sed -n 's/^userCertificate;binary:: //p' | tr -d '\n ' | base64 -d >"$demo/$name/published.der" || true
  subject=$(openssl x509 -inform DER -in "$demo/$name/published.der" -noout -subject -ext subjectAltName 2>/dev/null | tr '\n' ' ')
  echo "  uid=$name@$domain,ou=agents,$base_dn: $subject"
done

admin_config=$(agent_config admin Administrator admin Warning)
clever() { "$CLI" --config "$admin_config" "$@"; }

step "clever hosts"
clever hosts
step "clever host info hm1@$domain / hm2@$domain (host.info through the CM, signed and encrypted both ways)"
clever --json host info "hm1@$domain" | head -n 12
clever --json host info "hm2@$domain" | head -n 12
step "clever image register debian debian-12.raw --format raw; clever vm create web1 …"
clever image register debian debian-12.raw --format raw
clever vm create web1 --vcpus 1 --memory 256 --image debian
clever vms
clever vm suspend web1
clever vm resume web1
clever vm delete web1
clever vms
step "Bad input gets a numbered error: a VM name with XML in it"
clever exec "hm1@$domain" vm.define 'name=<evil>' vcpus=1 memoryMiB=64 || true

step "A forged command: signed by a certificate the cluster CA never issued"
"$root/src/Cli/bin/Release/net10.0/clever" --config "$admin_config" security probe "hm1@$domain" || true
grep -hE "Security: rejected|rejected" "$demo"/hm1/hm.log | tail -n 2 | sed 's/^/  hm1 log: /'

step "The audit log of hm1 verifies offline"
clever audit verify "$demo/hm1/audit.jsonl" --ca "$demo/ca.pem" || true

if [[ $keep == true ]]; then
  echo
  echo "The cluster keeps running. Use it with:"
  echo "  $CLI --config $admin_config hosts"
  echo "Stop it with: kill ${CLEVER_PIDS[*]%%:*}"
  trap - EXIT
else
  step "Stopping"
fi
