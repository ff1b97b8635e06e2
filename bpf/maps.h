/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h - every map of the dataplane, defined once.
 *
 * Policy maps are flat arrays over BR_SLOTS generation slots: element i of
 * slot s lives at s * N + i. They are BPF_F_MMAPABLE because the loader
 * fills the inactive slot through mmap (a 2^24-entry array fills in ~22 ms
 * that way). Names are the loader's interface; pin paths are its choice, so
 * nothing here is pinned.
 */
#ifndef BR_MAPS_H
#define BR_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "tls.h"
#include "dns.h"
#include "quic.h"
#include "quic_initial.h"
#include "parse.h"

#define BR_POLICY_ARRAY(_name, _value, _entries)                               \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_ARRAY);                              \
		__uint(map_flags, BPF_F_MMAPABLE);                             \
		__uint(max_entries, _entries);                                 \
		__type(key, __u32);                                            \
		__type(value, _value);                                         \
	} _name SEC(".maps")

/* clang-format off */
/* The commit point of a swap: the slot every packet evaluates. */
BR_POLICY_ARRAY(active, __u32, 1);

BR_POLICY_ARRAY(policy, struct br_policy_hdr, BR_SLOTS);
BR_POLICY_ARRAY(rules, struct br_rule, BR_SLOTS * BR_MAX_RULES);
BR_POLICY_ARRAY(classes, struct br_class, BR_SLOTS * BR_MAX_CLASSES);
/* Packed (abi.h): the kernel would pad single __u32 elements to 8 bytes. */
BR_POLICY_ARRAY(v4_dir, struct br_v4_dir_elem, BR_SLOTS * BR_V4_DIR_ELEMS);
BR_POLICY_ARRAY(proto_rules, br_rules_t, BR_SLOTS * BR_PROTO_SLOTS);
BR_POLICY_ARRAY(sport_rules, br_rules_t, BR_SLOTS * BR_PORT_SLOTS);
BR_POLICY_ARRAY(dport_rules, br_rules_t, BR_SLOTS * BR_PORT_SLOTS);
BR_POLICY_ARRAY(etype_rules, br_rules_t, BR_SLOTS * BR_ETYPE_SLOTS);
BR_POLICY_ARRAY(qtype_rules, br_rules_t, BR_SLOTS * BR_QTYPE_SLOTS);
BR_POLICY_ARRAY(quic_versions, struct br_quic_version_table, BR_SLOTS);
BR_POLICY_ARRAY(stun_type_rules, br_rules_t, BR_SLOTS * BR_STUN_TYPES);
BR_POLICY_ARRAY(ja4_fps, struct br_ja4_table, BR_SLOTS);
/* clang-format on */

/*
 * Address set lines and domain tables (abi.h): one array per slot and
 * kind, made by the loader at each install with exactly the lines the policy needs
 * (BPF_F_INNER_MAP lets the slots' arrays differ in size), filled through
 * mmap. The inner type here only gives the outer array its inner map's
 * shape.
 */
#define BR_LINES_MAP(_name, _line)                                             \
	struct _name##_inner {                                                 \
		__uint(type, BPF_MAP_TYPE_ARRAY);                              \
		__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);           \
		__uint(max_entries, 1);                                        \
		__uint(key_size, sizeof(__u32));                               \
		__uint(value_size, sizeof(_line));                             \
	};                                                                     \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);                      \
		__uint(max_entries, BR_SLOTS);                                 \
		__type(key, __u32);                                            \
		__array(values, struct _name##_inner);                         \
	} _name SEC(".maps")

BR_LINES_MAP(v4_lines, struct br_v4_line);
BR_LINES_MAP(v6_lines, struct br_v6_line);
BR_LINES_MAP(domain_filter, struct br_domain_filter_line);
BR_LINES_MAP(domains, struct br_domain_bucket);
BR_LINES_MAP(domain_rules, struct br_domain_rules);

/* Read by user space only: what each generation of the counter ring was. */
BR_POLICY_ARRAY(generations, struct br_gen_record, BR_GEN_RING);

/* Per-CPU so the hot path needs no atomics; summed by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BR_GEN_RING);
	__type(key, __u32);
	__type(value, struct br_gen_counters);
} counters SEC(".maps");

/*
 * Verdicts of first fragments, for the fragments that follow. Common LRU:
 * with BPF_F_NO_COMMON_LRU a table filled from one CPU kept only half its
 * entries on this machine.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BR_FRAG_ENTRIES);
	__type(key, struct br_frag_key);
	__type(value, struct br_frag_val);
} frags SEC(".maps");

/*
 * Flows of stateful policies, keyed from the subscriber's side so both
 * directions share an entry. Common LRU, for the reason above.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BR_FLOW_ENTRIES);
	__type(key, struct br_flow_key);
	__type(value, struct br_flow_val);
} flows SEC(".maps");

/*
 * Scopes in penalty (abi.h), not per slot: like flows, they are state
 * that outlives a swap. Common LRU, for the reason above.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BR_PENALTY_ENTRIES);
	__type(key, struct br_penalty_key);
	__type(value, struct br_penalty_val);
} penalties SEC(".maps");

/* TLS parser state of flows whose ClientHello is still arriving. */
struct br_tls_pending {
	struct br_tls_state st;
	__u32 next_seq; /* sequence number of the next client byte */
	__u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BR_FLOW_PENDING);
	__type(key, struct br_flow_key);
	__type(value, struct br_tls_pending);
} tls_pending SEC(".maps");

/* Names that decided a verdict, for "stats" (abi.h): user space reads. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BR_NAME_SETS);
	__type(key, __u32);
	__type(value, struct br_name_set);
} names SEC(".maps");

/*
 * Per-CPU scratch of the L7 stages: the payload copy the extractors parse
 * (they mask every offset to it) and a DNS query, too big for the stack.
 */
struct br_l7_buf {
	__u8 b[BR_L7_SCRATCH];
};

struct br_name_buf {
	char s[BR_NAME_MAX];
};

/*
 * What the stages share about the packet in hand (in the scratch, so
 * each stage can be a global function of at most five arguments, and off
 * the stack, of which a chain of stages may use only 512 bytes), and
 * what they decided about it.
 */
struct br_verdict {
	__u64 now;
	br_rules_t b;		/* rules whose L3/L4 matches hold */
	br_rules_t m;		/* a datagram's L7 fact: the rules it meets */
	br_rules_t unread;	/* ... and the rules whose fact it cuts off */
	__u32 hello_read;	/* its QUIC ClientHello read whole */
	__u32 reserved;
	struct br_flow_key key;
	__u32 slot;
	__u32 rule_ctr; /* counter of the deciding rule, or BR_NO_RULE_CTR */
	__u32 action;	/* enum br_action, for the action counters */
	__u32 xdp;	/* XDP verdict */
	__u32 seq;	/* TCP: the segment's sequence number, */
	__u32 ack;	/* acknowledgment number */
	__u32 tcp_flags; /* and flags (byte 13 of the header) */
	__u32 extra;	/* one more counter the packet moved, 0: none */
};

/* A client's address, whose hash names its budget ("quic_budget"). */
struct br_quic_src {
	__u32 addr[4];
	__u32 family;
};

/*
 * A QUIC Initial handed from the stage that needs its server name
 * (l7_quic.h) to the program that opens it (l7_quic_open.h) and back,
 * by tail calls within one packet's run: XDP runs a packet to its end on
 * one CPU, so a per-CPU value carries it. seq names the packet that asked
 * (0: none); done is seq once the fact is in; the packet's flow key and
 * lengths make sure the fact is its own.
 */
struct br_quic_handoff {
	__u64 seq;
	__u64 done;
	__u64 next;		/* the last seq given out */
	struct br_flow_key key;
	__u64 now;		/* the packet's time (a simulation's clock) */
	struct br_quic_src src;	/* the client's address: its budget */
	__u32 len;		/* bytes of the datagram in buf */
	__u32 whole;		/* of the payload (len: its copy's) */
	__u32 ret;		/* enum br_quic_prog: where to go back to */
	__s32 result;		/* enum br_quic_open_result */
	__u32 sni_len;
	char sni[BR_NAME_MAX];	/* with BR_QO_SNI: the name, lowercase */
};

struct br_scratch {
	struct br_l7_buf buf;
	struct br_dns_query q;
	struct br_tls_pending tp;  /* a new "tls_pending" entry */
	__u8 hdrs[128];		   /* headers moved by a DNS answer */
	struct br_flow_val nf;	   /* a new "flows" entry */
	struct br_quic_info qi;
	__u64 hashes[BR_DOMAIN_MAX_LABELS]; /* a name's suffix hashes */
	struct br_verdict v;
	struct br_name_key nk;
	struct br_pkt twin;	   /* a server's packet, seen from its client */
	__u8 head[8];		   /* a segment's first bytes: a hello? */
	struct br_ja4_work ja4;	   /* a hello's fingerprint, being made */
	struct br_quic_handoff qh; /* an Initial to open (l7_quic_open.h) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct br_scratch);
} scratch SEC(".maps");

/*
 * A ClientHello gathered over Initials (abi.h, BR_QH_MAX): which bytes of
 * the crypto stream are in, one bit each, and the bytes, at their stream
 * offsets (where have says none, unspecified).
 */
struct br_quic_hello {
	__u64 have[BR_QH_MAX / 64];
	struct br_qi_buf half[BR_QH_MAX / BR_QI_BUF];
};

/* Its key: the flow, and the version and DCID its keys come from. */
struct br_quic_hello_id {
	struct br_flow_key flow;
	struct br_quic_key_id id;
};

/*
 * What opening an Initial works in (l7_quic_open.h), per CPU: the keys
 * derived, the decrypted packet's walk, the ClientHello's bytes in stream
 * order, and the hello parser's state. Not in "scratch": the buffer there
 * holds the datagram being opened.
 */
struct br_quic_work {
	struct br_qi_keys keys;
	struct br_qi_work qw;
	struct br_qi_pkt pkt;
	struct br_qi_walk walk;
	struct br_quic_key_id id;
	struct br_qi_buf hello;		/* the crypto stream from offset 0 */
	struct br_l7_buf rec;		/* a TLS record header for it */
	struct br_tls_pending tp;
	struct br_quic_hello_id hid;
	struct br_quic_hello fresh;	/* a new "quic_hellos" entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct br_quic_work);
} quic_work SEC(".maps");

/*
 * The Initial keys of a connection, by its version and Destination
 * Connection ID: a client resends its Initial, and a ClientHello with a
 * post-quantum key share fills two, under the same DCID. Common LRU:
 * state of the traffic, not of a policy.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BR_QUIC_KEYS);
	__type(key, struct br_quic_key_id);
	__type(value, struct br_qi_keys);
} quic_keys SEC(".maps");

/*
 * The ClientHellos being gathered over several Initials (struct
 * br_quic_hello): a common LRU, state of the traffic; an entry goes when
 * its hello is read.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BR_QUIC_HELLOS);
	__type(key, struct br_quic_hello_id);
	__type(value, struct br_quic_hello);
} quic_hellos SEC(".maps");

/*
 * The budgets of Initials opened (abi.h, BR_QUIC_BURST): a GCRA
 * theoretical arrival time, in ns of the packets' clock, in the slot of
 * a hash of the client's address (br_quic_budget_slot): an array, so that
 * a flood from new addresses costs a lookup each, not an LRU insert and
 * eviction (docs/PERFORMANCE.md). Two addresses in one slot share its
 * budget. Updated without a lock: two CPUs may both take the last token,
 * a bound loose by one Initial per CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BR_QUIC_BUDGETS);
	__type(key, __u32);
	__type(value, __u64);
} quic_budget SEC(".maps");

/*
 * The programs an Initial's opening goes through (enum br_quic_prog):
 * the opener, and the three it goes back to. The loader fills it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, BR_QUIC_PROGS);
	__type(key, __u32);
	__type(value, __u32);
} quic_progs SEC(".maps");

/*
 * A simulation's batch (abi.h): the frames, and what each got. Mmapped by
 * user space, which fills the pool and reads the results between runs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, BR_BATCH_MAX);
	__type(key, __u32);
	__type(value, struct br_batch_pkt);
} batch_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct br_batch_ctl);
} batch_ctl SEC(".maps");

#endif /* BR_MAPS_H */
