#!/usr/bin/env bash
# Drives the bash completion (contrib/bash-completion/caapol) as bash does on TAB: sets
# COMP_WORDS/COMP_CWORD, calls the completion function, and compares COMPREPLY.
# Usage: completion_test.sh CAAPOL_BINARY SOURCE_ROOT
set -uo pipefail
caapol=$(realpath "$1")
root=$(realpath "$2")
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$caapol" "$bin/caapol" # the completion runs 'caapol --help' from PATH
export PATH="$bin:$PATH"
if [ -r /usr/share/bash-completion/bash_completion ]; then
    # shellcheck disable=SC1091
    source /usr/share/bash-completion/bash_completion # _filedir, as installed systems have
fi
# shellcheck disable=SC1091
source "$root/contrib/bash-completion/caapol"
cd "$root/tests/data" || exit 1
failures=0
check() { # EXPECTED -- WORDS... (the last word is the one being completed)
    local expected=$1
    shift 2
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _caapol caapol "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    local actual
    actual=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
    if [ "$actual" = "$expected" ]; then
        echo "ok   [$*] -> $actual"
    else
        echo "FAIL [$*]: got '$actual', expected '$expected'"
        failures=$((failures + 1))
    fi
}
commands=$(caapol --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}' |
    sort | tr '\n' ' ' | sed 's/ $//')
for c in generate check lint verify explain cas; do
    case " $commands " in *" $c "*) ;; *)
        echo "FAIL: '$c' not among the commands read from caapol --help: '$commands'"
        failures=$((failures + 1)) ;;
    esac
done
check "$(printf '%s\n' $commands help | sort | tr '\n' ' ' | sed 's/ $//')" -- caapol ""
check "generate" -- caapol gen
check "lint" -- caapol help li
check "--help --version" -- caapol --
check "--format" -- caapol lint --form
check "json sarif text" -- caapol lint --format ""
check "json sarif text" -- caapol lint -f ""
check "dnscontrol dnsmasq" -- caapol generate --format d
check "json text" -- caapol explain --format ""
check "prometheus" -- caapol verify --format p
check "nsupdate" -- caapol verify --fix ""
check "off" -- caapol explain --dnssec o
check "ct" -- caapol import --from c
check "--since" -- caapol import --si
check "" -- caapol import --from ct --since ""
check "--strict" -- caapol lint --st
check "--authoritative" -- caapol verify --auth
check "--origin --output" -- caapol generate --o
check "--quiet" -- caapol check --q
check "policy/advice.toml" -- caapol check policy/adv
check "policy/advice.toml" -- caapol lint --policy policy/adv
check "lint/origin/zones/db.example.org" -- caapol lint lint/origin/zones/db.ex
check "policy/advice.toml" -- caapol verify --trust-anchor policy/adv
check "" -- caapol explain --ca ""
check "" -- caapol verify --resolver ""
echo "$failures failed"
[ "$failures" -eq 0 ]
