#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check a rendered timeline: not blank, and LANES lanes stacked in the plot.

A lane is a run of non-white pixel rows in a column through the middle of
the plot, between the title (the first 46 rows) and the time axis (the
first row below them that is black across most of the plot). PNG decoded
here with zlib alone (8-bit RGB/RGBA, not interlaced, as rsvg-convert
writes), so the test needs no imaging library.

usage: png-lanes.py FILE.png LANES
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and not interlace, "unexpected PNG kind %r" % (hdr,)
    bpp = 4 if ctype == 6 else 3
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    path, lanes = sys.argv[1], int(sys.argv[2])
    w, h, bpp, rows = decode(path)
    colours = {bytes(r[x * bpp:x * bpp + 3]) for r in rows[::4] for x in range(0, w, 4)}
    x = w // 2

    def dark(y, x):
        return max(rows[y][x * bpp:x * bpp + 3]) < 128

    axis = next((y for y in range(46, h)
                 if sum(dark(y, x) for x in range(w // 10, w * 9 // 10)) > w * 0.7), h)
    runs, run = 0, 0
    for y in range(46, axis):
        px = rows[y][x * bpp:x * bpp + 3]
        if min(px) < 250:
            run += 1
        else:
            runs += run >= 3
            run = 0
    runs += run >= 3
    print("%s: %dx%d, %d colours, %d lanes" % (path, w, h, len(colours), runs))
    if len(colours) < 4:
        sys.exit("blank: %d colours" % len(colours))
    if runs != lanes:
        sys.exit("%d lanes, expected %d" % (runs, lanes))


main()
