#!/usr/bin/env bash
# Renders a report page (report.html, or a compare or sweep report) to PNG
# with headless Chromium, to look at the charts as a reader would.
#
#   scripts/screenshot-report.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
#
# OUT defaults to REPORT.png beside the page; the window defaults to
# 1100x1400 (the page's header, figures and loss chart). Chromium draws the
# window only, not the whole page: give a taller window for more, e.g.
# 1100x6000.
#
# It installs nothing. It needs Chromium at $CHROMIUM (default
# /usr/bin/chromium; Debian package "chromium": sudo apt-get install -y
# chromium) and says so if it is missing. Chromium runs with a throwaway
# profile, no sandbox (it runs as root in containers), no GPU, and every
# background service it would otherwise call home with turned off; the
# report pages load nothing from the network.
set -euo pipefail

usage() {
  echo "usage: $0 REPORT.html [OUT.png] [WIDTHxHEIGHT]" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 3 ]] || usage

page=$1
[[ -f $page ]] || { echo "error: $page: no such file" >&2; exit 1; }
out=${2:-${page%.*}.png}
size=${3:-1100x1400}
[[ $size =~ ^[0-9]+x[0-9]+$ ]] || { echo "error: size $size: want WIDTHxHEIGHT, e.g. 1100x1400" >&2; exit 2; }

chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "error: $chromium not found: install Chromium (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM to its path" >&2
  exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

abs_page=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
mkdir -p "$(dirname "$out")"
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$abs_out"

# Chromium logs GPU and D-Bus complaints on stderr even when it works; keep
# them for a failure only.
log=$profile/chromium.log
if ! "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --force-device-scale-factor=1 \
  --user-data-dir="$profile" --window-size="${size/x/,}" \
  --screenshot="$abs_out" "file://$abs_page" >"$log" 2>&1 || [[ ! -s $abs_out ]]; then
  cat "$log" >&2
  echo "error: chromium did not write $out" >&2
  exit 1
fi
echo "wrote $out"
