#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# br_qi_salt_keys of bpf/quic_initial.h: the HMAC key of each QUIC
# version's Initial salt (RFC 9001 §5.2, RFC 9369 §3.3.1) as struct
# br_hmac_key holds it, the SHA-256 states after one block of the salt,
# zero-padded to 64 bytes, XOR 0x36 (ih) and XOR 0x5c (oh) (RFC 2104).
# The salts are constants, so these are too: the derivation starts from
# them and saves two SHA-256 blocks. Prints the C to paste; the host test
# test_salt_keys (tests/l7/test_quic_initial.c) checks it against
# br_hmac_setkey().
#
# usage: tools/gen_qi_salt_keys.py

import struct

SALTS = [
    ('RFC 9001 §5.2 (v1)', '38762cf7f55934b34d179ae6a4c80cadccbb7f0a'),
    ('RFC 9369 §3.3.1 (v2)', '0dede3def700a6db819381be6e269dcbf9bd2ed9'),
]

K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]
H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
M = 0xffffffff


def ror(x, n):
    return (x >> n | x << (32 - n)) & M


def compress(h, block):
    """FIPS 180-4 §6.2.2: one 64-byte block onto the state h."""
    w = list(struct.unpack('>16I', block))
    for i in range(16, 64):
        s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ w[i - 15] >> 3
        s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & M)
    a, b, c, d, e, f, g, hh = h
    for i in range(64):
        t1 = (hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
              ((e & f) ^ (~e & g)) + K[i] + w[i]) & M
        t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
              ((a & b) ^ (a & c) ^ (b & c))) & M
        a, b, c, d, e, f, g, hh = (t1 + t2) & M, a, b, c, (d + t1) & M, e, f, g
    return [(x + y) & M for x, y in zip(h, [a, b, c, d, e, f, g, hh])]


def words(ws):
    return ', '.join('0x%08x' % x for x in ws)


def main():
    print('static const struct br_hmac_key br_qi_salt_keys[2] = {')
    for name, hexsalt in SALTS:
        key = bytes.fromhex(hexsalt).ljust(64, b'\0')
        ih = compress(H0, bytes(b ^ 0x36 for b in key))
        oh = compress(H0, bytes(b ^ 0x5c for b in key))
        print('\t/* %s */' % name)
        print('\t{ .ih = { %s,' % words(ih[:4]))
        print('\t\t  %s },' % words(ih[4:]))
        print('\t  .oh = { %s,' % words(oh[:4]))
        print('\t\t  %s } },' % words(oh[4:]))
    print('};')


if __name__ == '__main__':
    main()
