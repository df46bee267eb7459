#!/usr/bin/env bash
# Runs every test of the solution (unit and integration against real Prosody, ejabberd, slapd, libvirt, certmonger,
# go-sendxmpp, all started by the tests on loopback) and ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

dotnet build CleverCloud.sln -c Release --nologo --verbosity quiet || { echo "0 passed, 1 failed"; exit 1; }

# --blame-hang-timeout: a hung test fails its assembly with a dump instead of eating CI's time budget.
dotnet test CleverCloud.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  --blame-hang-timeout 8m "$@"
status=$?

passed=0; failed=0
for trx in "$results"/*.trx; do
  [[ -f $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
done
# A test run that crashed before writing its results still counts as a failure.
if ((status != 0 && failed == 0)); then failed=1; fi
echo "${passed} passed, ${failed} failed"
((failed == 0 && passed > 0))
