#!/usr/bin/env python3
"""Write submissions/site_photo/tree.jpg: a 16x16 greyscale baseline JPEG (JFIF).

Standard library only. The picture (a dark trunk and round crown on a light
background) is encoded with a plain DCT, the JPEG Annex K luminance
quantisation table, and Huffman tables built for the symbols actually used.
Output is deterministic.
"""

import math
import sys
from pathlib import Path

W = H = 16

QUANT = [
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
]


def zigzag_order():
    order = []
    for s in range(15):
        rng = range(s + 1) if s % 2 else range(s, -1, -1)
        for i in rng:
            r, c = i, s - i
            if r < 8 and c < 8:
                order.append(r * 8 + c)
    return order


ZZ = zigzag_order()


def picture():
    px = []
    for y in range(H):
        row = []
        for x in range(W):
            v = 220 - 4 * y  # sky, a little darker towards the ground
            if (x - 7.5) ** 2 + (y - 6) ** 2 <= 30:
                v = 90  # crown
            if 6 <= x <= 9 and y >= 10:
                v = 50  # trunk
            row.append(v)
        px.append(row)
    return px


def fdct(block):
    out = [0.0] * 64
    for v in range(8):
        for u in range(8):
            s = 0.0
            for y in range(8):
                for x in range(8):
                    s += (block[y * 8 + x]
                          * math.cos((2 * x + 1) * u * math.pi / 16)
                          * math.cos((2 * y + 1) * v * math.pi / 16))
            cu = 1 / math.sqrt(2) if u == 0 else 1.0
            cv = 1 / math.sqrt(2) if v == 0 else 1.0
            out[v * 8 + u] = 0.25 * cu * cv * s
    return out


def category(n):
    return 0 if n == 0 else abs(n).bit_length()


def magnitude_bits(n):
    size = category(n)
    return (n if n >= 0 else n + (1 << size) - 1), size


def encode_blocks(px):
    """Return per-block symbol streams: list of (table, symbol, extra_value, extra_len)."""
    stream = []
    prev_dc = 0
    for by in range(0, H, 8):
        for bx in range(0, W, 8):
            block = [px[by + y][bx + x] - 128 for y in range(8) for x in range(8)]
            coeffs = fdct(block)
            q = [int(round(coeffs[i] / QUANT[i])) for i in range(64)]
            zz = [q[i] for i in ZZ]
            diff = zz[0] - prev_dc
            prev_dc = zz[0]
            val, size = magnitude_bits(diff)
            stream.append(("dc", size, val, size))
            run = 0
            last_nz = max((i for i in range(1, 64) if zz[i] != 0), default=0)
            for i in range(1, last_nz + 1):
                if zz[i] == 0:
                    run += 1
                    continue
                while run > 15:
                    stream.append(("ac", 0xF0, 0, 0))
                    run -= 16
                val, size = magnitude_bits(zz[i])
                stream.append(("ac", (run << 4) | size, val, size))
                run = 0
            if last_nz < 63:
                stream.append(("ac", 0x00, 0, 0))  # EOB
    return stream


def build_table(symbols):
    """Fixed-length canonical codes; length chosen so the all-ones code is unused."""
    symbols = sorted(set(symbols))
    length = max(1, math.ceil(math.log2(len(symbols) + 1)))
    bits = [0] * 16
    bits[length - 1] = len(symbols)
    codes = {s: (i, length) for i, s in enumerate(symbols)}
    return bits, symbols, codes


class BitWriter:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value, length):
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing
                self.acc = 0
                self.n = 0

    def flush(self):
        while self.n:
            self.write(1, 1)  # pad with 1-bits
        return bytes(self.out)


def segment(marker, payload):
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def make_jpeg():
    stream = encode_blocks(picture())
    dc_bits, dc_syms, dc_codes = build_table(s for t, s, _, _ in stream if t == "dc")
    ac_bits, ac_syms, ac_codes = build_table(s for t, s, _, _ in stream if t == "ac")

    bw = BitWriter()
    for table, sym, val, size in stream:
        code, length = (dc_codes if table == "dc" else ac_codes)[sym]
        bw.write(code, length)
        if size:
            bw.write(val, size)
    scan = bw.flush()

    out = bytearray(b"\xFF\xD8")
    out += segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    out += segment(0xDB, bytes([0x00]) + bytes(QUANT[i] for i in ZZ))
    out += segment(0xC0, bytes([8]) + H.to_bytes(2, "big") + W.to_bytes(2, "big")
                   + bytes([1, 1, 0x11, 0]))
    out += segment(0xC4, bytes([0x00]) + bytes(dc_bits) + bytes(dc_syms)
                   + bytes([0x10]) + bytes(ac_bits) + bytes(ac_syms))
    out += segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0]))
    out += scan
    out += b"\xFF\xD9"
    return bytes(out)


def main():
    here = Path(__file__).resolve().parent
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "submissions" / "site_photo" / "tree.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = make_jpeg()
    target.write_bytes(data)
    print(f"wrote {target} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
