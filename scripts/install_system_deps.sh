#!/usr/bin/env bash
# System packages the Python tests need beyond requirements.txt: headless Chromium
# (tests/python/test_dashboard.py renders the dashboard in it) and a CJK font, so the
# Japanese labels (商談アポイント, 案件化...) render instead of tofu boxes; and a Java
# runtime, which pyspark needs for tests/python/test_spark.py (the `spark` target).
#
# Idempotent: does nothing - no apt-get update, no root - when Chromium, a Japanese
# font and Java are already there. Otherwise installs the missing Debian/Ubuntu packages
# (chromium, fonts-noto-cjk, openjdk-17-jre-headless) with apt-get, as root or through sudo.
# A browser elsewhere can be used by exporting CHROMIUM=/path/to/chrome.
set -euo pipefail

have_chromium() {
    if [[ -n "${CHROMIUM:-}" && -x "${CHROMIUM}" ]]; then return 0; fi
    [[ -x /usr/bin/chromium ]] || command -v chromium >/dev/null 2>&1
}

have_japanese_font() {
    if command -v fc-list >/dev/null 2>&1; then
        [[ -n "$(fc-list :lang=ja family 2>/dev/null | head -n 1)" ]]
    elif command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "install ok installed"
    else
        return 0 # no fontconfig and no dpkg (macOS): the system fonts cover Japanese
    fi
}

# Spark 3.5 runs on Java 8, 11 and 17; JAVA_HOME wins over the PATH as in pyspark.
have_java() {
    if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then return 0; fi
    command -v java >/dev/null 2>&1
}

missing=()
have_chromium || missing+=(chromium)
have_japanese_font || missing+=(fonts-noto-cjk)
have_java || missing+=(openjdk-17-jre-headless)

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install_system_deps: Chromium, a Japanese font and Java are installed; nothing to do"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_system_deps: missing ${missing[*]} and apt-get is not available." >&2
    echo "  Install Chromium (or export CHROMIUM=/path/to/chrome) and a CJK font yourself." >&2
    exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install_system_deps: missing ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
fi

echo "install_system_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
