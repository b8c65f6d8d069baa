#!/usr/bin/env bash
# Renders every kiosk screen to docs/screenshots/*.png (welcome, scanning,
# payment and its other states, done, and the member, item stock, hand-off
# and cart-changes states, the staff approval of a beer and a refused cigarette
# pack, the list of produce without a barcode, and a few of them again with
# large text: *-large.png)
# with Slint's software renderer: no display, no X server, the same pixels on
# every machine (the fonts are bundled in assets/fonts).
#
# Usage: tools/screenshots.sh [OUT_DIR]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/docs/screenshots}"
# A real barcode photo stands in for the camera picture.
photo="$root/../shared/samples/barcodes/ean13-1/1.png"

cd "$root"
args=(kiosk --screenshot "$out")
if [[ -f "$photo" ]]; then
    frames="$(mktemp -d)"
    trap 'rm -rf "$frames"' EXIT
    cp "$photo" "$frames/"
    args+=(--frames "$frames")
fi
cargo run --quiet -- "${args[@]}"
ls -l "$out"/*.png
