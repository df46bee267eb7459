#!/usr/bin/env bash
# Installs what CleverCloud needs on a Debian 12 machine: the real servers the demo and the integration tests run
# (Prosody, ejabberd, OpenLDAP, libvirt, certmonger, go-sendxmpp, QEMU/KVM for the real-hypervisor test) and
# restores the .NET packages. Idempotent: it only asks apt for what is missing. Needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  prosody ejabberd                      # XMPP servers (Prosody is the default; ejabberd is the paper's)
  slapd ldap-utils libldap-2.5-0        # certificate directory + System.DirectoryServices.Protocols' native library
  libvirt0 libvirt-clients              # libvirt's test driver lives in libvirt0 itself
  libvirt-daemon-driver-qemu qemu-system-x86   # real KVM through qemu:///embed (one test, the demo with --kvm)
  certmonger                            # independent SCEP client, interop peer for our CA
  go-sendxmpp                           # independent XMPP client, interop peer for our room
  openssl ca-certificates procps iproute2 sqlite3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# qemu:///embed runs guests as this user unless qemu.conf says otherwise; the driver still looks the user up.
if ! getent passwd libvirt-qemu >/dev/null; then
  ${SUDO:-} useradd --system --user-group --no-create-home --shell /usr/sbin/nologin libvirt-qemu || true
fi

if ! command -v dotnet >/dev/null; then
  echo "install-deps: the .NET 10 SDK is required (dotnet not found). Install it from Microsoft's Debian 12 package feed (package dotnet-sdk-10.0)." >&2
  exit 1
fi

dotnet restore CleverCloud.sln --verbosity quiet
