#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The tables of bpf/aes128.h from the definitions of FIPS-197: the S-box
# (§5.1.1: the inverse in GF(2^8) modulo x^8+x^4+x^3+x+1, then the affine
# map with 0x63) and Te0 = (2 S, S, S, 3 S), one column of MixColumns
# (§5.1.3) on a byte through the S-box, Te1..Te3 the same rotated right
# by 8, 16, 24 bits. Prints the C to paste; the FIPS-197 C.1 test in
# tests/l7/test_quic_initial.c checks the result.
#
# usage: tools/gen_aes_tables.py


def mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = ((a << 1) ^ 0x11b) if a & 0x80 else a << 1
        b >>= 1
    return r


def sbox():
    inv = [0] * 256
    for x in range(1, 256):
        inv[x] = next(y for y in range(1, 256) if mul(x, y) == 1)

    def rotl8(x, s):
        return ((x << s) | (x >> (8 - s))) & 0xff
    return [b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63
            for b in inv]


def dump(name, ctype, width, per, vals):
    print('static const %s %s[256] = {' % (ctype, name))
    for i in range(0, 256, per):
        print('\t' + ' '.join('0x%0*x,' % (width, v) for v in vals[i:i + per]))
    print('};')


def main():
    s = sbox()
    te0 = [(mul(v, 2) << 24) | (v << 16) | (v << 8) | mul(v, 3) for v in s]
    dump('br_aes_sbox', '__u8', 2, 12, s)
    # Te0..Te3 as one array br_aes_te[4][256]: one base address for all
    print('static const __u32 br_aes_te[4][256] = { {')
    for k in range(4):
        n = 8 * k
        vals = [((v >> n) | (v << (32 - n))) & 0xffffffff for v in te0]
        for i in range(0, 256, 6):
            print('\t' + ' '.join('0x%08x,' % v for v in vals[i:i + 6]))
        print('} };' if k == 3 else '}, {')


if __name__ == '__main__':
    main()
