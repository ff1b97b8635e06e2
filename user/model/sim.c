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
#include <stdio.h>
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
				   .batch = true,
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
				   .batch = true,
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
	sim->calls = 0;
	sim->n_q = 0;
	sim->stopped = false;
	memset(sim->verdicts, 0, sizeof(sim->verdicts));
	return 0;
}

void br_sim_close(struct br_sim *sim)
{
	if (sim->pcap)
		br_pcap_close(sim->pcap);
	if (sim->dp)
		br_dp_close(sim->dp);
	free(sim->q);
	free(sim->labels);
	memset(sim, 0, sizeof(*sim));
}

int br_sim_install(struct br_sim *sim, const struct br_policy *pol,
		   struct br_diag *diag)
{
	/* what came before the swap meets the policy before it */
	int err = br_sim_run(sim);

	return err ? err : br_dp_install(sim->dp, pol, NULL, diag);
}

/* A frame in the pool, and who reads its result. */
struct br_sim_queued {
	struct br_sim_out *out; /* NULL: nobody */
};

/* The XDP actions after which a frame with these flags ends its chain. */
static uint16_t br_sim_stop_mask(unsigned int flags)
{
	uint16_t mask = 0;

	if (flags & BR_SIM_STOP)
		mask |= (1u << XDP_ABORTED) | (1u << XDP_DROP) |
			(1u << XDP_TX) | (1u << XDP_REDIRECT);
	if (flags & BR_SIM_STOP_TX)
		mask |= 1u << XDP_TX;
	return mask;
}

/* Entry k ran: its result to its reader, the capture and the totals. */
static int br_sim_ran(struct br_sim *sim, unsigned int k, uint32_t xdp,
		      uint32_t fixed, const struct br_dp_result *last)
{
	const struct br_batch_pkt *p = br_dp_batch_entry(sim->dp, k);
	struct br_sim_out *out = sim->q[k].out;
	int err;

	if (sim->pcap) {
		err = br_pcap_write(sim->pcap, p->now_ns, p->frame, p->len,
				    sim->labels[k][0] ? sim->labels[k] : NULL);
		if (err)
			return err;
	}
	sim->packets++;
	if (xdp < 5)
		sim->verdicts[xdp]++;
	if (!out)
		return 0;
	out->xdp = xdp;
	out->fixed = fixed;
	if (xdp == XDP_TX && last && last->frame)
		out->reply = br_pkt_reply(last->frame, last->len, out->addr,
					  &out->addr_len);
	return 0;
}

/* Run pool entries first..count-1 until one ends the batch. */
static int br_sim_exec(struct br_sim *sim, unsigned int first,
		       unsigned int count, unsigned int *next, uint32_t *end)
{
	const struct br_batch_ctl *ctl;
	struct br_dp_result last;
	uint64_t t0 = br_sim_mono_ns();
	unsigned int k;
	int err;

	err = br_dp_batch_run(sim->dp, first, count, &ctl, &last);
	sim->run_ns += br_sim_mono_ns() - t0;
	sim->calls++;
	if (err)
		return err;
	if (ctl->end == BR_BATCH_BAD)
		return -EBADMSG; /* sim.c filled the entry: a bug */
	for (k = first; k < ctl->next; k++) {
		err = br_sim_ran(sim, k, ctl->res[k].xdp, ctl->res[k].fixed,
				 k + 1 == ctl->next ? &last : NULL);
		if (err)
			return err;
	}
	*next = ctl->next;
	*end = ctl->end;
	return 0;
}

/*
 * Everything in the pool, in order. After a chain's end the rest of the
 * chain is not sent; frames nobody reads still are, one by one (the model
 * adds none after a chain, so this is the rare path).
 */
static int br_sim_drain(struct br_sim *sim)
{
	unsigned int first = 0, next;
	uint32_t end;
	int err = 0;

	while (!err && first < sim->n_q) {
		if (sim->stopped && sim->q[first].out) {
			first++;
			continue;
		}
		err = br_sim_exec(sim, first, sim->stopped ? first + 1
							   : sim->n_q,
				  &next, &end);
		first = next;
		if (!err && end == BR_BATCH_STOPPED && sim->q[next - 1].out)
			sim->stopped = true;
	}
	sim->n_q = 0;
	return err;
}

int br_sim_add(struct br_sim *sim, enum br_dir dir, uint64_t now_ns,
	       const uint8_t *frame, size_t len, const char *label,
	       unsigned int flags, struct br_sim_out *out)
{
	struct br_batch_pkt *p;
	int err;

	if (out) {
		memset(out, 0, sizeof(*out));
		out->xdp = BR_SIM_NOT_SENT;
	}
	if (len > BR_BATCH_FRAME || len < 14)
		return -EMSGSIZE;
	if (!sim->q) {
		sim->q = calloc(BR_BATCH_MAX, sizeof(*sim->q));
		if (!sim->q)
			return -ENOMEM;
	}
	if (sim->pcap && !sim->labels) {
		sim->labels = calloc(BR_BATCH_MAX, sizeof(*sim->labels));
		if (!sim->labels)
			return -ENOMEM;
	}
	if (sim->n_q == BR_BATCH_MAX) {
		err = br_sim_drain(sim);
		if (err)
			return err;
	}
	if (out && sim->stopped)
		return 0; /* its chain ended: never sent */
	p = br_dp_batch_entry(sim->dp, sim->n_q);
	if (!p)
		return -EOPNOTSUPP;
	p->now_ns = now_ns;
	p->len = len;
	p->flags = (dir == BR_DIR_UP ? 0 : BR_BATCH_F_UPSTREAM) |
		   (flags & BR_SIM_FIXED ? BR_BATCH_F_FIXED : 0);
	p->stop = br_sim_stop_mask(flags);
	memcpy(p->frame, frame, len);
	if (sim->labels)
		snprintf(sim->labels[sim->n_q], BR_SIM_LABEL_MAX, "%s",
			 label ? label : "");
	sim->q[sim->n_q].out = out;
	sim->n_q++;
	return 0;
}

int br_sim_run(struct br_sim *sim)
{
	int err = br_sim_drain(sim);

	sim->stopped = false;
	return err;
}

int br_sim_push(struct br_sim *sim, enum br_dir dir, uint64_t now_ns,
		const uint8_t *frame, size_t len, const char *label,
		struct br_sim_out *out)
{
	int err = br_sim_add(sim, dir, now_ns, frame, len, label, 0, out);

	return err ? err : br_sim_run(sim);
}
