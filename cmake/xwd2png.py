#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Converts an X window dump (xwd -root, 24/32 bits per pixel, TrueColor) to
# PNG with the standard library only: xwd2png.py IN.xwd OUT.png
import struct
import sys
import zlib


def main(src, dst):
    data = open(src, "rb").read()
    fields = struct.unpack(">25I", data[:100])
    header_size, version = fields[0], fields[1]
    if version != 7:
        sys.exit(f"xwd2png: {src}: not an XWD version 7 file")
    width, height = fields[4], fields[5]
    byte_order, bpp, bytes_per_line = fields[7], fields[11], fields[12]
    red_mask, green_mask, blue_mask = fields[15], fields[16], fields[17]
    ncolors = fields[19]
    if bpp not in (24, 32):
        sys.exit(f"xwd2png: {src}: {bpp} bits per pixel is not supported")
    pixels = data[header_size + 12 * ncolors:]

    def shift(mask):
        return (mask & -mask).bit_length() - 1

    shifts = [shift(m) for m in (red_mask, green_mask, blue_mask)]
    step = bpp // 8
    endian = "little" if byte_order == 0 else "big"
    rows = []
    for y in range(height):
        row = bytearray(b"\0")  # filter type: none
        line = pixels[y * bytes_per_line:y * bytes_per_line + width * step]
        for x in range(0, width * step, step):
            v = int.from_bytes(line[x:x + step], endian)
            row += bytes(((v >> s) & 0xFF) for s in shifts)
        rows.append(bytes(row))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
    png += chunk(b"IEND", b"")
    open(dst, "wb").write(png)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: xwd2png.py IN.xwd OUT.png")
    main(sys.argv[1], sys.argv[2])
