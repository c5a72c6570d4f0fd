#!/usr/bin/env bash
# Installs the Debian packages the tests and lanes run: nginx (the app smoke test and the boot lane's
# nginx container), bubblewrap, iproute2, wget and gettext-base's envsubst (the boot lane), python3 and
# python3-venv (project-local virtual environments: gunicorn and Django come from PyPI at the app's pins),
# redis-server and openssl (the app tests' and the boot lane's Redis, plain and TLS with a CA they make).
# Needs root (apt-get). Services are not started: the tests start their own processes.
set -euo pipefail
packages=(nginx bubblewrap iproute2 wget gettext-base python3 python3-venv redis-server openssl)
if command -v nginx >/dev/null && command -v bwrap >/dev/null && command -v ip >/dev/null && command -v wget >/dev/null \
  && command -v envsubst >/dev/null && command -v redis-server >/dev/null && command -v openssl >/dev/null \
  && /usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Run as root (or: sudo apt-get install ${packages[*]})" >&2
  exit 1
fi
# Keep the nginx package from starting a server on port 80 while it installs.
added_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && added_policy=1
fi
trap '[ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
