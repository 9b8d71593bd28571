#!/usr/bin/env bash
# Install what the browser tests (tests/browser) need, and only what is missing:
#   - Debian's chromium, the Noto CJK and DejaVu fonts, Pango (WeasyPrint draws PDFs with it)
#     and poppler-utils (pdftoppm, for looking at PDFs) with apt-get; no browser is downloaded,
#   - the axe-core pinned in tests/browser/package-lock.json (npm ci).
# Idempotent; prints nothing and takes a fraction of a second when everything is there.
# Playwright for Python itself comes with the test extras: pip install -e '.[test]'.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium fonts-noto-cjk fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)
BROWSER_DIR=tests/browser
AXE_JS=$BROWSER_DIR/node_modules/axe-core/axe.min.js
# a copy of the lock file npm ci last installed from: a changed lock file reinstalls
STAMP=$BROWSER_DIR/node_modules/.installed-package-lock.json

log() { printf 'install-browser-deps: %s\n' "$*" >&2; }
die() {
    log "$*"
    exit 1
}

output=$(mktemp)
trap 'rm -f "$output"' EXIT
# run quietly; show everything the command printed only if it fails
quietly() {
    if ! "$@" >"$output" 2>&1; then
        cat "$output" >&2
        die "failed: $*"
    fi
}

# --- Debian packages --------------------------------------------------------------------
if command -v dpkg-query >/dev/null; then
    missing=()
    for package in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -qx 'install ok installed'; then
            missing+=("$package")
        fi
    done
    if ((${#missing[@]})); then
        if [[ $(id -u) -ne 0 ]]; then
            die "missing Debian packages: ${missing[*]}. Install them as root, then run me again:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        fi
        log "installing ${missing[*]} with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        quietly apt-get update -qq
        quietly apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
elif [[ ! -x ${FORMBUILDER_CHROMIUM:-/usr/bin/chromium} ]]; then
    die "not a Debian system: install Chromium and the Noto CJK fonts yourself, and point
    FORMBUILDER_CHROMIUM at the chromium executable if it is not /usr/bin/chromium"
fi

# --- axe-core from npm ------------------------------------------------------------------
if [[ ! -f $AXE_JS ]] || ! cmp -s "$BROWSER_DIR/package-lock.json" "$STAMP"; then
    command -v npm >/dev/null || die "npm is missing: install Node.js and npm (Debian: apt-get install nodejs npm)"
    log "installing axe-core with npm ci"
    quietly npm ci --prefix "$BROWSER_DIR" --no-audit --no-fund --loglevel=error
    [[ -f $AXE_JS ]] || die "npm ci did not install $AXE_JS"
    cp "$BROWSER_DIR/package-lock.json" "$STAMP"
fi
