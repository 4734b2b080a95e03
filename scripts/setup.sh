#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine, run as root:
# Debian packages the daemon and the tests need, then a virtualenv with pyvrrp.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in ip:iproute2 tcpdump:tcpdump tshark:tshark keepalived:keepalived \
            python3:python3; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
# The auth_hmac tag's C extension (src/pyvrrp/auth/_tagc.c): a compiler, the
# Python headers, OpenSSL's headers. pyvrrp runs without it, at half the
# verify rate; the test suite asks for it.
command -v cc >/dev/null 2>&1 || need+=(build-essential)
python3 -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || need+=(python3-dev)
[ -f /usr/include/openssl/evp.h ] || need+=(libssl-dev)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: need root to install: ${need[*]}" >&2; exit 1
    fi
    echo "setup: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Never let a package start its service (keepalived must not run on the host).
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# keepalived's package may have started it anyway on some systems: the tests
# run their own instances inside namespaces only.
pkill -x keepalived 2>/dev/null || true

VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
stamp="$VENV/.pyvrrp-installed"
built=$(ls src/pyvrrp/auth/_tagc*.so 2>/dev/null || true)
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ] \
        || [ src/pyvrrp/auth/_tagc.c -nt "$stamp" ] || [ -z "$built" ]; then
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -e '.[test]'
    touch "$stamp"
fi
