#!/usr/bin/env bash
# Builds the Debian package from a copy of the source tree (dpkg-buildpackage -us -uc -b),
# checks what it installs, runs the packaged binary, and requires lintian to report nothing
# beyond the overrides in debian/ (each explained there). Exit 77 (skipped) only when the
# packaging tools are missing; scripts/install-deps installs them.
# Usage: deb_package.sh SOURCE_ROOT
set -euo pipefail
root=$(realpath "$1")
for tool in dpkg-buildpackage dh lintian dpkg-deb; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed"
        exit 77
    fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/caapol"
mkdir "$src"
# The tree as committed plus changes not yet committed; never build directories.
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf -) | tar -C "$src" -xf -
else
    tar -C "$root" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$src" -xf -
fi

echo "== dpkg-buildpackage -us -uc -b"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
    tail -n 60 "$work/build.log"
    echo "FAIL: dpkg-buildpackage"
    exit 1
fi
deb=$(ls "$work"/caapol_*.deb)
changes=$(ls "$work"/caapol_*.changes)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

echo "== contents of $(basename "$deb")"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for path in /usr/bin/caapol /usr/share/man/man1/caapol.1.gz \
    /usr/share/caapol/ca-identifiers.tsv /usr/share/bash-completion/completions/caapol \
    /usr/share/doc/caapol/copyright; do
    grep -qxF "$path" <<<"$contents" && echo "ok   $path" || fail "$path is not in the package"
done
# Every unit of contrib/systemd/, where systemd reads packaged units; nothing else there.
grep -q '^/lib/systemd/system/.*\.py$' <<<"$contents" && fail "a script of contrib/systemd/ is installed as a unit"
if [ -d "$root/contrib/systemd" ]; then
    for unit in "$root"/contrib/systemd/*.service "$root"/contrib/systemd/*.timer; do
        path=/lib/systemd/system/$(basename "$unit")
        grep -qxF "$path" <<<"$contents" && echo "ok   $path" || fail "$path is not in the package"
    done
fi
if grep -q '/usr/share/caapol/ca-identifiers.tsv' <<<"$contents"; then
    dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/caapol/ca-identifiers.tsv |
        cmp -s - "$root/policies/ca-identifiers.tsv" || fail "the packaged CA table differs"
fi

echo "== the packaged binary"
dpkg-deb -x "$deb" "$work/root"
version=$("$work/root/usr/bin/caapol" --version) || fail "the packaged caapol does not run"
[ "$version" = "caapol $(dpkg-deb -f "$deb" Version)" ] && echo "ok   $version" ||
    fail "version '$version' is not the package's"
printf 'version = 1\n[domain."example.com"]\nissue = ["letsencrypt.org"]\n' |
    "$work/root/usr/bin/caapol" generate - | grep -q 'example.com. 3600 IN CAA 0 issue "letsencrypt.org"' &&
    echo "ok   generate" || fail "the packaged caapol does not generate"

echo "== lintian"
if ! lintian --fail-on error,warning --display-info --tag-display-limit 0 "$changes" \
    >"$work/lintian.log" 2>&1; then
    cat "$work/lintian.log"
    fail "lintian reports problems (fix them, or override them in debian/ with the reason)"
else
    sed 's/^/    /' "$work/lintian.log"
    echo "ok   lintian"
fi
[ "$failures" -eq 0 ]
