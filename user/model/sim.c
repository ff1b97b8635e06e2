// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sim.c - pushing the traffic model's packets through a private instance of
 * the dataplane with BPF_PROG_TEST_RUN, at virtual time.
 *
 * The program of a virtual-clock instance reads "now" from struct
 * br_xdp_meta in the XDP metadata area in front of the frame, so every
 * packet goes in as [meta][frame] with ctx.data pointing past the meta.
 * What comes out starts with the metadata too (the kernel copies from
 * data_meta): the frame the program sent back begins ctx_out.data bytes
 * into data_out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "log.h"
#include "sim.h"

static uint64_t br_sim_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int br_sim_open(struct br_sim *sim, const char *pcap_path,
		uint32_t flow_entries, uint32_t hello_entries)
{
	struct br_dp_opts opts = { .virtual_clock = true,
				   .flow_entries = flow_entries,
				   .hello_entries = hello_entries };
	int err;

	memset(sim, 0, sizeof(*sim));
	err = br_dp_open_private(&opts, &sim->dp);
	if (err)
		return err;
	if (pcap_path) {
		err = br_pcap_create(pcap_path, &sim->pcap);
		if (err) {
			br_err("%s: cannot create: %s", pcap_path,
			       strerror(-err));
			br_dp_close(sim->dp);
			sim->dp = NULL;
			return err;
		}
	}
	return 0;
}

int br_sim_reset(struct br_sim *sim, uint32_t flow_entries,
		 uint32_t hello_entries)
{
	struct br_dp_opts opts = { .virtual_clock = true,
				   .flow_entries = flow_entries,
				   .hello_entries = hello_entries };
	int err;

	if (sim->pcap)
		return -EINVAL;
	err = br_dp_reset(sim->dp, &opts);
	if (err)
		return err;
	sim->packets = 0;
	sim->run_ns = 0;
	memset(sim->verdicts, 0, sizeof(sim->verdicts));
	return 0;
}

void br_sim_close(struct br_sim *sim)
{
	if (sim->pcap)
		br_pcap_close(sim->pcap);
	if (sim->dp)
		br_dp_close(sim->dp);
	memset(sim, 0, sizeof(*sim));
}

int br_sim_install(struct br_sim *sim, const struct br_policy *pol,
		   struct br_diag *diag)
{
	return br_dp_install(sim->dp, pol, NULL, diag);
}

int br_sim_push(struct br_sim *sim, enum br_dir dir, uint64_t now_ns,
		const uint8_t *frame, size_t len, const char *label,
		struct br_sim_out *out)
{
	struct br_dp_result res;
	uint64_t t0;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > BR_FRAME_MAX)
		return -EMSGSIZE;
	if (sim->pcap) {
		err = br_pcap_write(sim->pcap, now_ns, frame, len, label);
		if (err)
			return err;
	}
	t0 = br_sim_mono_ns();
	err = br_dp_run(sim->dp,
			dir == BR_DIR_UP ? BR_ROLE_SUBSCRIBER : BR_ROLE_UPSTREAM,
			now_ns, frame, len, &res);
	sim->run_ns += br_sim_mono_ns() - t0;
	if (err)
		return err;
	sim->packets++;
	out->xdp = res.verdict;
	if (out->xdp < 5)
		sim->verdicts[out->xdp]++;
	if (out->xdp == XDP_TX && res.frame)
		out->reply = br_pkt_reply(res.frame, res.len, out->addr,
					  &out->addr_len);
	return 0;
}

int br_sim_flow_fixed(struct br_sim *sim, const struct br_ends *e, int proto)
{
	struct br_flow_key key;

	/* the device is the subscriber, as the program keys its flows */
	memset(&key, 0, sizeof(key));
	memcpy(key.sub_addr, e->client, e->family == 6 ? 16 : 4);
	memcpy(key.remote_addr, e->server, e->family == 6 ? 16 : 4);
	key.sub_port = e->cport;
	key.remote_port = e->sport;
	key.proto = proto;
	key.family = e->family;
	return br_dp_flow_fixed(sim->dp, &key);
}
