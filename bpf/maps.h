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
BR_POLICY_ARRAY(v4_tbl8, struct br_v4_group, BR_SLOTS * BR_V4_TBL8_GROUPS);
BR_POLICY_ARRAY(v4_bits, struct br_v4_bitmap, BR_SLOTS * BR_V4_BITMAP_GROUPS);
BR_POLICY_ARRAY(v6_table, struct br_v6_bucket, BR_SLOTS * BR_V6_BUCKETS);
BR_POLICY_ARRAY(proto_rules, br_rules_t, BR_SLOTS * 256);
BR_POLICY_ARRAY(sport_rules, br_rules_t, BR_SLOTS * BR_PORT_SLOTS);
BR_POLICY_ARRAY(dport_rules, br_rules_t, BR_SLOTS * BR_PORT_SLOTS);
BR_POLICY_ARRAY(etype_rules, br_rules_t, BR_SLOTS * BR_ETYPE_SLOTS);
/* clang-format on */

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

#endif /* BR_MAPS_H */
