// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pcap_io.c - captures in and out; see pcap_io.h.
 *
 * The writer speaks pcapng directly (draft-ietf-opsawg-pcapng): a Section
 * Header Block, one Interface Description Block (Ethernet, if_tsresol 9:
 * nanoseconds), then one Enhanced Packet Block per frame with its comment
 * in an opt_comment option. Blocks are written in host byte order, which
 * the byte-order magic of the section header tells readers.
 *
 * The reader takes records from capfile.c, makes them Ethernet frames
 * (linktype.c), takes tunnels off (decap.c), tells frames captured short
 * and IP headers that lie, and cuts TCP super-frames back to MTU-sized
 * segments, one per call of br_pcap_next.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capfile.h"
#include "linktype.h"
#include "outfile.h"
#include "packet.h"
#include "pcap_io.h"

/* ---- writer ----------------------------------------------------------- */

#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_TSRESOL 9
#define LINKTYPE_ETHERNET 1

struct br_pcap_writer {
	struct br_outfile out; /* never through a link: outfile.h */
	FILE *f;
	int err; /* first write error, -errno */
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void w_bytes(struct br_pcap_writer *w, const void *p, size_t n)
{
	if (!w->err && n && fwrite(p, 1, n, w->f) != n)
		w->err = errno ? -errno : -EIO;
}

static void w_u16(struct br_pcap_writer *w, uint16_t v)
{
	w_bytes(w, &v, 2);
}

static void w_u32(struct br_pcap_writer *w, uint32_t v)
{
	w_bytes(w, &v, 4);
}

static void w_pad(struct br_pcap_writer *w, size_t n)
{
	static const uint8_t zero[4];

	w_bytes(w, zero, pad4(n) - n);
}

/* An option: code, length, value padded to 4 bytes. */
static void w_opt(struct br_pcap_writer *w, uint16_t code, const void *v,
		  size_t n)
{
	w_u16(w, code);
	w_u16(w, n);
	w_bytes(w, v, n);
	w_pad(w, n);
}

static size_t opt_size(size_t n)
{
	return 4 + pad4(n);
}

int br_pcap_create(const char *path, struct br_pcap_writer **out)
{
	static const char appl[] = "blastradius";
	struct br_pcap_writer *w;
	uint8_t tsresol = 9;
	uint32_t len;
	int err;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	err = br_outfile_open(&w->out, path);
	if (err) {
		free(w);
		return err;
	}
	w->f = w->out.f;
	/* section header: BOM, version 1.0, section length unknown */
	len = 4 + 4 + 4 + 2 + 2 + 8 + opt_size(sizeof(appl) - 1) + 4 + 4;
	w_u32(w, PCAPNG_SHB);
	w_u32(w, len);
	w_u32(w, PCAPNG_BOM);
	w_u16(w, 1);
	w_u16(w, 0);
	w_u32(w, 0xffffffffu);
	w_u32(w, 0xffffffffu);
	w_opt(w, PCAPNG_SHB_USERAPPL, appl, sizeof(appl) - 1);
	w_opt(w, PCAPNG_OPT_END, NULL, 0);
	w_u32(w, len);
	/* one Ethernet interface, no snap length, nanosecond timestamps */
	len = 4 + 4 + 2 + 2 + 4 + opt_size(1) + 4 + 4;
	w_u32(w, PCAPNG_IDB);
	w_u32(w, len);
	w_u16(w, LINKTYPE_ETHERNET);
	w_u16(w, 0);
	w_u32(w, 0);
	w_opt(w, PCAPNG_IF_TSRESOL, &tsresol, 1);
	w_opt(w, PCAPNG_OPT_END, NULL, 0);
	w_u32(w, len);
	if (w->err) {
		err = w->err;
		br_outfile_close(&w->out, false);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

int br_pcap_write(struct br_pcap_writer *w, uint64_t ts_ns, const void *frame,
		  size_t len, const char *comment)
{
	return br_pcap_write_short(w, ts_ns, frame, len, len, comment);
}

int br_pcap_write_short(struct br_pcap_writer *w, uint64_t ts_ns,
			const void *frame, size_t len, size_t wire_len,
			const char *comment)
{
	size_t clen = comment ? strlen(comment) : 0, total;

	if (!w || (!frame && len))
		return -EINVAL;
	if (w->err)
		return w->err;
	if (len > 0x7fffffff || wire_len > 0x7fffffff || clen > 0xffff)
		return -EMSGSIZE;
	if (wire_len < len)
		wire_len = len;
	total = 4 + 4 + 4 + 4 + 4 + 4 + 4 + pad4(len) + 4;
	if (clen)
		total += opt_size(clen) + 4;
	w_u32(w, PCAPNG_EPB);
	w_u32(w, total);
	w_u32(w, 0); /* interface 0 */
	w_u32(w, ts_ns >> 32);
	w_u32(w, ts_ns);
	w_u32(w, len);
	w_u32(w, wire_len);
	w_bytes(w, frame, len);
	w_pad(w, len);
	if (clen) {
		w_opt(w, PCAPNG_OPT_COMMENT, comment, clen);
		w_opt(w, PCAPNG_OPT_END, NULL, 0);
	}
	w_u32(w, total);
	return w->err;
}

int br_pcap_close(struct br_pcap_writer *w)
{
	int err, ret;

	if (!w)
		return 0;
	/* A capture that could not be written whole replaces nothing. */
	err = w->err;
	ret = br_outfile_close(&w->out, !err);
	free(w);
	return err ? err : ret;
}

/* ---- reader ----------------------------------------------------------- */

struct br_pcap_reader {
	struct br_capfile *cf;
	struct br_pcap_opts o;
	struct br_pcap_stats st;
	char err[256];
	/* a frame made Ethernet, and a tunnel's inner frame */
	uint8_t *eth, *inner;
	size_t eth_cap, inner_cap;
	/* the super-frame being cut: its copy and where things are */
	struct br_frame cur;
	uint8_t *super;
	size_t super_cap;
	size_t l3, ip_hlen, l4, tcp_hlen, payload, done;
	unsigned int seg;
	int family;
	bool cutting;
	uint8_t *out; /* one segment */
	size_t out_cap;
};

static unsigned int rd16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void wr16_(uint8_t *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void wr32_(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int br_grow(uint8_t **buf, size_t *cap, size_t n)
{
	uint8_t *p;

	if (n <= *cap)
		return 0;
	p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

int br_pcap_open(const char *path, const struct br_pcap_opts *o,
		 struct br_pcap_reader **out, char *err, size_t err_len)
{
	struct br_pcap_reader *r;
	unsigned int mtu = o && o->mtu ? o->mtu : 1500;
	int ret;

	*out = NULL;
	if (mtu < 68 || mtu > 65535) {
		snprintf(err, err_len, "MTU %u out of range (68..65535)", mtu);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	if (o)
		r->o = *o;
	r->o.mtu = mtu;
	r->out_cap = mtu + 14 + 8;
	r->out = malloc(r->out_cap);
	if (!r->out) {
		free(r);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	ret = br_capfile_open(path, &r->cf, err, err_len);
	if (ret) {
		br_pcap_close_reader(r);
		return ret;
	}
	*out = r;
	return 0;
}

const char *br_pcap_error(const struct br_pcap_reader *r)
{
	return r->err;
}

const char *br_pcap_format(const struct br_pcap_reader *r)
{
	return br_capfile_format(r->cf);
}

/*
 * Is frame[0, len) a TCP super-frame to cut? Fills the offsets of r and
 * returns 1; 0 when it is not (then *oversize tells whether it is longer
 * than the MTU anyway).
 */
static int br_super_tcp(struct br_pcap_reader *r, const uint8_t *f, size_t len,
			bool *oversize)
{
	size_t off, ip_len;
	unsigned int type;

	*oversize = false;
	if (br_ether_l3(f, len, &off, &type))
		return 0;
	r->l3 = off;
	if (type == 0x0800) {
		if (off + 20 > len || (f[off] >> 4) != 4)
			return 0;
		r->ip_hlen = (f[off] & 0xf) * 4;
		ip_len = rd16(f + off + 2);
		if (!ip_len) /* TSO with BIG TCP: the frame's length */
			ip_len = len - off;
		if (ip_len <= r->o.mtu)
			return 0;
		*oversize = true;
		if (r->ip_hlen < 20 || f[off + 9] != 6 ||
		    (rd16(f + off + 6) & 0x3fff) || off + ip_len > len)
			return 0;
		r->family = 4;
	} else if (type == 0x86dd) {
		if (off + 40 > len || (f[off] >> 4) != 6)
			return 0;
		r->ip_hlen = 40;
		ip_len = rd16(f + off + 4);
		ip_len = ip_len ? ip_len + 40 : len - off;
		if (ip_len <= r->o.mtu)
			return 0;
		*oversize = true;
		if (f[off + 6] != 6 || off + ip_len > len)
			return 0;
		r->family = 6;
	} else {
		*oversize = len - off > r->o.mtu;
		return 0;
	}
	r->l4 = off + r->ip_hlen;
	if (r->l4 + 20 > off + ip_len)
		return 0;
	r->tcp_hlen = (f[r->l4 + 12] >> 4) * 4;
	if (r->tcp_hlen < 20 || r->l4 + r->tcp_hlen > off + ip_len)
		return 0;
	r->payload = off + ip_len - r->l4 - r->tcp_hlen;
	/* the MSS must be positive and the payload more than one MSS */
	if (r->ip_hlen + r->tcp_hlen >= r->o.mtu || !r->payload)
		return 0;
	return 1;
}

/* The next segment of the super-frame in r->super; returns its length. */
static size_t br_cut_segment(struct br_pcap_reader *r)
{
	size_t mss = r->o.mtu - r->ip_hlen - r->tcp_hlen, hdrs, n, i;
	const uint8_t *s = r->super;
	uint8_t *o = r->out, *ip, *th, flags, tail[4];
	bool last;
	uint32_t sum;

	n = r->payload - r->done < mss ? r->payload - r->done : mss;
	last = r->done + n == r->payload;
	hdrs = r->l4 + r->tcp_hlen;
	memcpy(o, s, hdrs);
	memcpy(o + hdrs, s + hdrs + r->done, n);
	ip = o + r->l3;
	th = o + r->l4;
	if (r->family == 4) {
		wr16_(ip + 2, r->ip_hlen + r->tcp_hlen + n);
		wr16_(ip + 4, rd16(s + r->l3 + 4) + r->seg);
		wr16_(ip + 10, 0);
		wr16_(ip + 10, br_csum_fold(br_csum_add(0, ip, r->ip_hlen)));
	} else {
		wr16_(ip + 4, r->tcp_hlen + n);
	}
	wr32_(th + 4, rd32(s + r->l4 + 4) + r->done);
	flags = th[13];
	if (!last)
		flags &= ~(BR_TCP_FIN | BR_TCP_PSH);
	if (r->seg)
		flags &= ~0x80; /* CWR: first segment only */
	th[13] = flags;
	wr16_(th + 16, 0);
	if (r->family == 4) {
		sum = br_csum_add(0, ip + 12, 8);
	} else {
		sum = br_csum_add(0, ip + 8, 32);
	}
	wr32_(tail, r->tcp_hlen + n);
	sum = br_csum_add(sum, tail, 4);
	wr32_(tail, 6);
	sum = br_csum_add(sum, tail, 4);
	sum = br_csum_add(sum, th, r->tcp_hlen + n);
	wr16_(th + 16, br_csum_fold(sum));
	i = hdrs + n;
	r->done += n;
	r->seg++;
	r->st.resegmented++;
	if (last)
		r->cutting = false;
	return i;
}

/* The next segment, as a frame of its own. */
static int br_next_segment(struct br_pcap_reader *r, struct br_frame *fr)
{
	*fr = r->cur;
	fr->len = br_cut_segment(r);
	fr->wire_len = fr->len;
	fr->data = r->out;
	fr->flags |= BR_FRAME_CUT;
	return 1;
}

static void br_count_link(struct br_pcap_stats *st, uint32_t linktype)
{
	size_t i;

	for (i = 0; i < st->n_links; i++)
		if (st->links[i].linktype == linktype)
			break;
	if (i == st->n_links) {
		if (i == BR_PCAP_LINKS_MAX)
			return;
		st->links[i].linktype = linktype;
		st->n_links++;
	}
	st->links[i].frames++;
}

/*
 * A frame captured short: is its IP packet whole nonetheless (the bytes
 * missing were padding or a trailer)? A frame that is not IP is not.
 */
static bool br_ip_whole(const uint8_t *f, size_t len)
{
	size_t l3, claim;
	unsigned int type;

	return !br_ether_l3(f, len, &l3, &type) &&
	       !br_ip_claim(f, len, l3, type, &claim) && claim &&
	       l3 + claim <= len;
}

/* Does the IP header of f claim more than the frame had? */
static bool br_ip_lies(const uint8_t *f, size_t len, struct br_frame *fr)
{
	size_t l3, claim;
	unsigned int type;

	if (br_ether_l3(f, len, &l3, &type) ||
	    br_ip_claim(f, len, l3, type, &claim) || l3 + claim <= len)
		return false;
	fr->ip_claim = claim;
	fr->ip_held = len - l3;
	return true;
}

int br_pcap_next(struct br_pcap_reader *r, struct br_frame *fr)
{
	struct br_record rec;
	const uint8_t *data;
	char lt[64];
	size_t len, missing;
	bool oversize;
	int rc;

	if (r->cutting)
		return br_next_segment(r, fr);
	rc = br_capfile_next(r->cf, &rec, r->err, sizeof(r->err));
	if (rc <= 0)
		return rc;
	r->st.read++;
	br_count_link(&r->st, rec.linktype);
	memset(fr, 0, sizeof(*fr));
	fr->ts_ns = rec.ts_ns;
	fr->number = rec.number;
	fr->offset = rec.offset;
	fr->linktype = rec.linktype;
	if (rec.no_ts) {
		fr->flags |= BR_FRAME_NO_TS;
		r->st.no_ts++;
	}
	if (!br_linktype_known(rec.linktype)) {
		br_linktype_text(rec.linktype, lt, sizeof(lt));
		snprintf(r->err, sizeof(r->err),
			 "frame %llu (byte offset %llu): link type %s is not "
			 "one replay reads (Ethernet, Linux SLL and SLL2, raw "
			 "IP, NULL, LOOP)",
			 (unsigned long long)rec.number,
			 (unsigned long long)rec.offset, lt);
		return -EPROTONOSUPPORT;
	}
	if (br_grow(&r->eth, &r->eth_cap, rec.caplen + BR_ETH_HLEN) ||
	    br_grow(&r->inner, &r->inner_cap, rec.caplen + BR_ETH_HLEN)) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -ENOMEM;
	}
	br_linktype_to_ether(rec.linktype, rec.data, rec.caplen, r->eth, &data,
			     &len);
	if (rec.linktype != BR_LT_ETHERNET)
		fr->flags |= BR_FRAME_LINK_MADE;
	missing = rec.len - rec.caplen;
	if (r->o.decap.kinds &&
	    br_decap_find(&r->o.decap, data, len, &fr->decap)) {
		br_decap_frame(&fr->decap, data, r->inner, &data, &len);
		r->st.decap[fr->decap.tunnel]++;
	}
	fr->data = data;
	fr->len = len;
	fr->wire_len = len + missing;
	if (missing) {
		fr->flags |= BR_FRAME_SHORT;
		r->st.short_frames++;
		if (!br_ip_whole(data, len)) {
			fr->flags |= BR_FRAME_INCOMPLETE;
			r->st.incomplete++;
			return 1;
		}
	} else if (br_ip_lies(data, len, fr)) {
		fr->flags |= BR_FRAME_IP_LIE;
		r->st.ip_lies++;
		return 1;
	}
	if (!br_super_tcp(r, data, len, &oversize)) {
		if (oversize) {
			fr->flags |= BR_FRAME_OVERSIZE;
			r->st.oversize++;
		}
		return 1;
	}
	if (br_grow(&r->super, &r->super_cap, len)) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -ENOMEM;
	}
	memcpy(r->super, data, len);
	r->cur = *fr;
	r->done = 0;
	r->seg = 0;
	r->cutting = true;
	r->st.superframes++;
	return br_next_segment(r, fr);
}

void br_pcap_stats(const struct br_pcap_reader *r, struct br_pcap_stats *st)
{
	*st = r->st;
}

void br_pcap_close_reader(struct br_pcap_reader *r)
{
	if (!r)
		return;
	br_capfile_close(r->cf);
	free(r->eth);
	free(r->inner);
	free(r->super);
	free(r->out);
	free(r);
}
