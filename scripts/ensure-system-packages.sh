#!/usr/bin/env bash
# Debian packages the project needs beyond Python, installed only when missing:
#   pango and DejaVu fonts: WeasyPrint renders the PDF reports (make run seeds one);
#   chromium (with --browser): the browser tests drive Debian's Chromium through
#   Playwright's executable_path, since Playwright's own browser download cannot work here.
# Never asks a question: without root it tries `sudo -n` and otherwise says what to install.
set -euo pipefail
packages=()
if ! ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so"; then packages+=(libpango-1.0-0 libpangoft2-1.0-0); fi
if [ ! -d /usr/share/fonts/truetype/dejavu ]; then packages+=(fonts-dejavu-core); fi
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then packages+=(chromium); fi
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "Please install these Debian packages first: ${packages[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${packages[*]}"
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
