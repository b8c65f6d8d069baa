#!/usr/bin/python3
"""Renders the demo catalog's produce pictures, assets/images/*.png.

Each picture is one emoji of Noto Color Emoji (Google; artwork under the
Apache License 2.0, see assets/images/README) drawn at 109 px, the size of
the font's only bitmap strike, so nothing is scaled: cropped to the
drawing and centred on a transparent square. Run it once after changing
PICTURES; the PNGs are committed, so neither the build nor CI needs the
font.

Needs Debian's fonts-noto-color-emoji and python3-pil (Pillow 9 or newer).
Usage: tools/render-produce-pictures.py [OUT_DIR]
"""
import os
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
# The only size the font's CBDT bitmaps come in.
STRIKE = 109

# File name, emoji, and the catalog items that show it.
PICTURES = [
    ("apple.png", "\U0001F34E", "4131 Apel Fuji"),
    ("avocado.png", "\U0001F951", "4046 Alpukat Mentega"),
    ("banana.png", "\U0001F34C", "4011 and 94011 Pisang Cavendish"),
    ("broccoli.png", "\U0001F966", "4060 Brokoli"),
    ("orange.png", "\U0001F34A", "4012 Jeruk Navel"),
    ("tomato.png", "\U0001F345", "4087 Tomat Roma"),
]


def render(emoji, font):
    canvas = Image.new("RGBA", (2 * STRIKE, 2 * STRIKE), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((0, 0), emoji, font=font, embedded_color=True)
    drawn = canvas.crop(canvas.getchannel("A").getbbox())
    side = max(drawn.size)
    square = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    square.paste(drawn, ((side - drawn.width) // 2, (side - drawn.height) // 2))
    return square


def main(out):
    font = ImageFont.truetype(FONT, STRIKE)
    os.makedirs(out, exist_ok=True)
    for name, emoji, _items in PICTURES:
        path = os.path.join(out, name)
        picture = render(emoji, font)
        picture.save(path, optimize=True)
        print(f"{path}: {picture.width}x{picture.height}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "assets/images")
