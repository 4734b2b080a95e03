#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine, run as root:
# Debian packages the daemon and the tests need, then a virtualenv with pyvrrp.
set -euo pipefail
cd "$(dirname "$0")/.."

# SETUP_FOR=unit (make unit): only what the unit tests need (Python, venv and
# the C extension's build tools), so a normal user on a machine that has them
# runs it without root; the lab's tools (iproute2, tcpdump, tshark,
# keepalived) are asked for only by the full set-up.
need=()
tools="python3:python3"
[ "${SETUP_FOR:-all}" = unit ] || \
    tools="ip:iproute2 tcpdump:tcpdump tshark:tshark keepalived:keepalived nft:nftables iptables-restore:iptables ipset:ipset $tools"
for pair in $tools; do
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
        echo "setup: missing Debian packages: ${need[*]}" >&2
        echo "setup: ask root to install them (apt-get install ${need[*]}) or run this as root" >&2
        exit 1
    fi
    echo "setup: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Never let a package start its service (keepalived must not start on the
    # host): a policy-rc.d that refuses, for the length of the install only.
    # One the administrator already has is left exactly as it is.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# pyvrrp setup.sh: temporary, removed when the install ends\nexit 101\n' \
            > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Nothing already running on this host is stopped, signalled or reconfigured:
# a keepalived serving the host is left alone. The tests run their own
# keepalived and pyvrrp daemons inside namespaces they create, with their own
# configs, pid files and control sockets, and end only what they started.

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
