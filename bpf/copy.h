/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * copy.h - packet bytes copied into a buffer, with a length the verifier
 * can see bounded.
 *
 * bpf_xdp_load_bytes() needs a length in [1, the buffer's size] in the
 * verifier's sight. clang merges a clamp and a test on a length into one
 * comparison, or tests a zero-extended copy of it and passes the original:
 * the bound is then proved on a register the helper never gets. Each test
 * here stands behind an empty asm, on a 64-bit value, so it is made on the
 * very register passed.
 */
#ifndef BR_COPY_H
#define BR_COPY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * Copy min(want, max) bytes of the frame at off into buf (max bytes
 * long, max a constant); returns how many, 0 if none or if it failed.
 */
static __always_inline __u32 br_copy(struct xdp_md *ctx, __u32 off, void *buf,
				     __u32 want, const __u32 max)
{
	__u64 n = want;

	if (n > max)
		n = max;
	asm volatile("" : "+r"(n));
	if (n > max)
		return 0;
	asm volatile("" : "+r"(n));
	if (!n || bpf_xdp_load_bytes(ctx, off, buf, n))
		return 0;
	return n;
}

#endif /* BR_COPY_H */
