#!/usr/bin/env bash
# Installs the Debian packages that building and testing swalayan need.
# Run as root (or through sudo) on Debian 12 or newer.
set -euo pipefail

packages=(
    # zxing-cpp (bundled C++ barcode reader)
    cmake g++ make
    # nokhwa's V4L2 camera bindings are generated with libclang
    libclang-dev clang libv4l-dev
    # Slint: fonts, keyboard and window system
    pkg-config libfontconfig1-dev libfreetype-dev libxkbcommon-dev libxkbcommon-x11-dev
    libx11-dev libxcursor-dev libxrandr-dev libxi-dev libwayland-dev libudev-dev
    # the kiosk's bundled font renders everywhere; DejaVu is the fallback
    fonts-dejavu-core
    # screenshots of the kiosk without a display (tools/screenshots.sh)
    xvfb xdotool imagemagick
    # the kiosk's spoken guidance (it runs without, saying speech is unavailable)
    espeak-ng
    # the decode scorer in ../shared/tools
    python3
)

if [ "$(id -u)" -ne 0 ]; then
    exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
if ! command -v cargo >/dev/null; then
    echo "install-deps: Rust is not installed; install it with rustup (https://rustup.rs)" >&2
    exit 1
fi
