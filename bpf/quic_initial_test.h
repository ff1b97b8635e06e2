/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * quic_initial_test.h - what quic_initial_test.bpf.c reports of the last
 * Initial it opened, shared with its test (tests/dataplane/
 * test_quic_crypto.c).
 */
#ifndef BR_QUIC_INITIAL_TEST_H
#define BR_QUIC_INITIAL_TEST_H

#include <linux/types.h>
#include "quic_initial.h"

#define QI_TEST_HELLO 64 /* the crypto stream's first bytes, reported */

/* The step a run ended at (QI_AT_DONE: all of them succeeded). */
enum qi_test_at {
	QI_AT_PARSE = 1, /* not Ethernet/IPv4/UDP, or no Initial (br_quic_parse) */
	QI_AT_CHECK,
	QI_AT_DERIVE,
	QI_AT_UNPROTECT,
	QI_AT_DECRYPT,
	QI_AT_WALK,
	QI_AT_PREFIX,
	QI_AT_DONE,
};

struct qi_test_result {
	__s32 result; /* enum br_qi_result of the step at */
	__u32 at;     /* enum qi_test_at */
	__u32 pn;
	__u32 prefix_len;
	__u8 first_byte;
	__u8 pn_len;
	__u8 ncrypto;
	__u8 cached; /* the keys came from the cache */
	__u32 runs;
	struct br_qi_crypto crypto[BR_QI_MAX_CRYPTO];
	__u8 hello[QI_TEST_HELLO];
};

/* qi_keys: the keys of an Initial, by version and DCID */
struct qi_test_dcid {
	__u32 version;
	__u8 len;
	__u8 dcid[BR_QUIC_CID_MAX];
	__u8 pad[3];
};

#endif /* BR_QUIC_INITIAL_TEST_H */
