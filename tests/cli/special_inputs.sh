#!/usr/bin/env bash
# Policies and zone files from standard input, /dev/stdin, <(...) and named pipes, with the
# size limit kept; a pipe left in a directory tree is never opened (no hang).
# Usage: special_inputs.sh CAAPOL_BINARY
set -uo pipefail
caapol=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() { # NAME EXPECTED_EXIT PATTERN_IN_OUTPUT COMMAND...
  local name=$1 want=$2 pattern=$3; shift 3
  local out rc
  out=$(timeout 60 "$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then
    fail "$name: exit $rc, expected $want: $out"
  elif ! grep -qF -- "$pattern" <<<"$out"; then
    fail "$name: output lacks '$pattern': $out"
  else
    echo "ok   $name"
  fi
}
policy='version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]'
zone='$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN CAA 0 issue "letsencrypt.org"'

expect "policy from <(...)" 0 "checked 1 domain in 1 file" \
  "$caapol" check <(printf '%s\n' "$policy")
expect "zone from <(...)" 0 "checked 1 file, 1 zone, 2 records" \
  "$caapol" lint --origin example.com <(printf '%s\n' "$zone")
expect "policy and zone from two <(...)" 0 "0 errors" \
  "$caapol" lint --policy <(printf '%s\n' "$policy") --origin example.com <(printf '%s\n' "$zone")
expect "generate from a pipe on stdin" 0 'example.com. 3600 IN CAA 0 issue "letsencrypt.org"' \
  bash -c "printf '%s\n' '$policy' | '$caapol' generate -"

mkfifo "$tmp/policy.fifo"
(sleep 0.5; printf '%s\n' "$policy" >"$tmp/policy.fifo") &
expect "named pipe whose writer comes later" 0 "checked 1 domain in 1 file" \
  "$caapol" check "$tmp/policy.fifo"
wait

mkfifo "$tmp/silent.fifo"
expect "named pipe nobody writes to: an error after 10 s, not a hang" 2 "gave nothing within 10 s" \
  "$caapol" check "$tmp/silent.fifo"

# The size limit holds for standard input too (256 MiB): refused, not read without bound.
expect "standard input over the size limit" 2 "larger than 256 MiB" \
  bash -c "head -c 268435457 /dev/zero | '$caapol' check -"

# A FIFO without a writer inside a directory tree must not block lint.
mkdir -p "$tmp/zones"
printf '%s\n' "$zone" >"$tmp/zones/db.example.com"
mkfifo "$tmp/zones/db.example.net"
expect "directory walk skips a FIFO" 0 "checked 1 file" "$caapol" lint "$tmp/zones"

echo "$failures failed"
[ "$failures" -eq 0 ]
