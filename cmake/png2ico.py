#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Packs PNG images into one Windows .ico (PNG-compressed entries, read by
# Windows Vista and later and by windres): png2ico.py OUT.ico A.png B.png ...
import struct
import sys


def main(out, pngs):
    images = []
    for path in pngs:
        with open(path, "rb") as f:
            data = f.read()
        if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
            sys.exit(f"png2ico: {path} is not a PNG file")
        width, height = struct.unpack(">II", data[16:24])
        if width > 256 or height > 256:
            sys.exit(f"png2ico: {path} is larger than 256x256")
        images.append((width, height, data))
    offset = 6 + 16 * len(images)
    header = struct.pack("<HHH", 0, 1, len(images))
    entries = b""
    for width, height, data in images:
        # 0 means 256 in the one-byte size fields
        entries += struct.pack("<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    with open(out, "wb") as f:
        f.write(header + entries + b"".join(d for _, _, d in images))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: png2ico.py OUT.ico A.png [B.png ...]")
    main(sys.argv[1], sys.argv[2:])
