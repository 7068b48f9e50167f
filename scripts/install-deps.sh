#!/usr/bin/env bash
# install-deps.sh - installs the Debian/Ubuntu packages nntrain needs; silent no-op when
# they are all present. Run with --help for usage.
set -euo pipefail

# Build: compiler, make, pkg-config; libraries: cJSON, stb (images), zlib and libdeflate
# (gzip); tests: Check, bash-completion (the completion test; skipped without it), strace
# (the test that kills a run at each of its writes; skipped without it); MNIST
# download: curl and CA certificates; Fashion-MNIST (IDX files in
# /usr/share/datasets/fashion-mnist/, for configs/fashion_*.json). ASan/UBSan come with gcc.
PACKAGES=(gcc make pkg-config libcjson-dev libstb-dev zlib1g-dev libdeflate-dev check
    bash-completion strace curl ca-certificates dataset-fashion-mnist)
# Optional, with --package: what building the Debian package and checking it and its man
# pages takes (dpkg-buildpackage -b, lintian, groff -ww, lexgrog).
DEB_PACKAGES=(dpkg-dev debhelper fakeroot lintian groff man-db)
# Optional, with --plots: gnuplot for `nntrain plot` (building and `make test` do without:
# the test that renders images is then reported skipped).
PLOT_PACKAGES=(gnuplot-nox)

usage() {
    cat <<EOF
usage: scripts/install-deps.sh [--plots] [--package] [EXTRA-PACKAGE...]

Installs the Debian packages nntrain needs:
  ${PACKAGES[*]}
with --plots also the optional ${PLOT_PACKAGES[*]} (nntrain plot draws with gnuplot),
with --package ${DEB_PACKAGES[*]} (the Debian package: docs/install.md),
plus any EXTRA-PACKAGEs (e.g. python3-torch for the optional benchmark peers), with
apt-get as root, or through sudo otherwise. Prints nothing and exits 0 when every
package is already installed.
EOF
}

die() { printf 'install-deps: error: %s\n' "$*" >&2; exit 1; }

extra=()
for arg in "$@"; do
    case $arg in
        -h | --help) usage; exit 0 ;;
        --plots) extra+=("${PLOT_PACKAGES[@]}") ;;
        --package) extra+=("${DEB_PACKAGES[@]}") ;;
        -*) usage >&2; die "unknown option '$arg'" ;;
        *) [[ $arg =~ ^[a-z0-9][a-z0-9+.:-]*$ ]] || die "'$arg' is not a Debian package name"
           extra+=("$arg") ;;
    esac
done
PACKAGES+=("${extra[@]}")

command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script supports Debian/Ubuntu; install by hand: ${PACKAGES[*]}"

# One dpkg-query call for all packages. Unknown packages are simply absent from the
# output (dpkg-query then exits 1, which is expected here).
# shellcheck disable=SC2016 # ${Package} and ${Status} are dpkg-query fields, not shell
status=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
    name=${p%%:*} # dpkg-query prints the name without an :arch qualifier
    if ! grep -qxF -- "$name install ok installed" <<<"$status"; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

printf 'install-deps: installing %s\n' "${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
    as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
    die "not root and sudo is not installed; as root run: apt-get install ${missing[*]}"
fi

"${as_root[@]}" apt-get update ||
    die "apt-get update failed"
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
