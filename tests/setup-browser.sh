#!/bin/sh
# Debian's Chromium for the browser tests (tests/test_browser.py); Playwright drives it. Installs
# nothing when a chromium is already on the PATH. Without root (or passwordless sudo) it only says
# how to get one: the browser tests then skip, except under CI=true, where they fail instead.
set -eu
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no apt-get here; install Chromium and set MEDIAPUB_CHROMIUM=/path/to/chromium for the browser tests" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "note: run 'sudo apt-get install chromium' for the browser tests" >&2
  exit 0
fi
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
