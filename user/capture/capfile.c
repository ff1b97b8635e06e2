// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capfile.c - pcap and pcapng records; see capfile.h.
 *
 * Formats: draft-ietf-opsawg-pcap (a 24-byte file header whose magic
 * gives the byte order and the timestamp unit, then 16-byte record
 * headers) and draft-ietf-opsawg-pcapng (blocks of type, length, body,
 * length; a Section Header Block's byte-order magic gives the order of
 * its section; Interface Description Blocks give each interface's link
 * type, snap length, if_tsresol and if_tsoffset).
 *
 * The file is read front to back with stdio, never seeked, so standard
 * input and pipes work; the offset is counted as bytes go by. Blocks
 * that are not frames (statistics, name resolution, custom) are read
 * past in pieces, whatever their size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capfile.h"

#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 1u
#define NG_PB 2u /* obsolete Packet Block */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_BOM 0x1a2b3c4du
#define NG_OPT_TSRESOL 9
#define NG_OPT_TSOFFSET 14
/* Blocks we keep in memory (headers, interfaces, frames) are at most: */
#define NG_BLOCK_MAX (16u * 1024 * 1024)

struct br_iface {
	uint32_t linktype;
	uint32_t snaplen;
	uint8_t tsresol;  /* if_tsresol: 10^-n, or 2^-n with the top bit */
	int64_t tsoffset; /* if_tsoffset, seconds */
};

struct br_capfile {
	FILE *f;
	bool ng;
	bool big;	  /* the byte order of the file, or of the section */
	bool nano;	  /* pcap: nanosecond timestamps */
	size_t rec_extra; /* pcap: bytes after the record header (Kuznetzov) */
	uint32_t linktype;
	struct br_iface *ifaces; /* pcapng: the section's interfaces */
	size_t n_ifaces, cap_ifaces;
	uint8_t *buf;
	size_t cap;
	uint64_t offset; /* bytes read so far */
	uint64_t frames; /* frames returned */
	bool over;	 /* an error ended the reading */
};

static uint32_t get32(const struct br_capfile *c, const uint8_t *p)
{
	if (c->big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static uint16_t get16(const struct br_capfile *c, const uint8_t *p)
{
	return c->big ? p[0] << 8 | p[1] : p[1] << 8 | p[0];
}

static uint64_t get64(const struct br_capfile *c, const uint8_t *p)
{
	uint64_t a = get32(c, p), b = get32(c, p + 4);

	return c->big ? a << 32 | b : b << 32 | a;
}

/* Read up to n bytes: how many came, or -errno on a read error. */
static long br_read(struct br_capfile *c, void *dst, size_t n)
{
	size_t got = fread(dst, 1, n, c->f);

	c->offset += got;
	if (got < n && ferror(c->f))
		return errno ? -errno : -EIO;
	return got;
}

static int br_reserve(struct br_capfile *c, size_t n)
{
	uint8_t *p;

	if (n <= c->cap)
		return 0;
	p = realloc(c->buf, n);
	if (!p)
		return -ENOMEM;
	c->buf = p;
	c->cap = n;
	return 0;
}

const char *br_capfile_format(const struct br_capfile *c)
{
	return c->ng ? "pcapng" : "pcap";
}

void br_capfile_close(struct br_capfile *c)
{
	if (!c)
		return;
	if (c->f && c->f != stdin)
		fclose(c->f);
	free(c->ifaces);
	free(c->buf);
	free(c);
}

/* ---- pcapng ----------------------------------------------------------- */

/* The byte order a section's byte-order magic gives; -1: neither. */
static int ng_order(const uint8_t *bom)
{
	if (bom[0] == 0x1a && bom[1] == 0x2b && bom[2] == 0x3c &&
	    bom[3] == 0x4d)
		return 1;
	if (bom[0] == 0x4d && bom[1] == 0x3c && bom[2] == 0x2b &&
	    bom[3] == 0x1a)
		return 0;
	return -1;
}

static void ng_iface_options(struct br_capfile *c, struct br_iface *ifc,
			     const uint8_t *p, size_t n)
{
	size_t code, len;

	while (n >= 4) {
		code = get16(c, p);
		len = get16(c, p + 2);
		if (!code || len > n - 4)
			return;
		if (code == NG_OPT_TSRESOL && len >= 1)
			ifc->tsresol = p[4];
		else if (code == NG_OPT_TSOFFSET && len >= 8)
			ifc->tsoffset = (int64_t)get64(c, p + 4);
		len = (len + 3) & ~(size_t)3;
		if (len > n - 4)
			return;
		p += 4 + len;
		n -= 4 + len;
	}
}

/* Timestamp units of resolution resol since the epoch, in nanoseconds. */
static uint64_t ng_ts_ns(uint64_t units, uint8_t resol, int64_t offset_s)
{
	unsigned int n = resol & 0x7f, i;
	uint64_t ns, pow = 1, frac;

	if (resol & 0x80) { /* 2^-n */
		if (n >= 64) {
			ns = 0;
		} else {
			frac = units & ((1ULL << n) - 1);
			ns = (units >> n) * 1000000000ULL +
			     (uint64_t)(((unsigned __int128)frac *
					 1000000000ULL) >>
					n);
		}
	} else if (n <= 9) {
		for (i = n; i < 9; i++)
			pow *= 10;
		ns = units * pow;
	} else {
		for (i = 9; i < n && i < 29; i++)
			pow *= 10;
		ns = n >= 29 ? 0 : units / pow;
	}
	return ns + (uint64_t)offset_s * 1000000000ULL;
}

static int ng_add_iface(struct br_capfile *c, const uint8_t *body, size_t n)
{
	struct br_iface *ifc;

	if (n < 8)
		return -EBADMSG;
	if (c->n_ifaces == c->cap_ifaces) {
		size_t cap = c->cap_ifaces ? c->cap_ifaces * 2 : 4;

		ifc = realloc(c->ifaces, cap * sizeof(*ifc));
		if (!ifc)
			return -ENOMEM;
		c->ifaces = ifc;
		c->cap_ifaces = cap;
	}
	ifc = &c->ifaces[c->n_ifaces++];
	ifc->linktype = get16(c, body);
	ifc->snaplen = get32(c, body + 4);
	ifc->tsresol = 6;
	ifc->tsoffset = 0;
	ng_iface_options(c, ifc, body + 8, n - 8);
	return 0;
}

/* Read past n bytes of a block we do not keep. */
static long ng_skip(struct br_capfile *c, uint64_t n)
{
	uint8_t chunk[4096];
	uint64_t done = 0;
	long got;

	while (done < n) {
		got = br_read(c, chunk,
			      n - done < sizeof(chunk) ? n - done
						       : sizeof(chunk));
		if (got <= 0)
			return got < 0 ? got : (long)done;
		done += got;
	}
	return done;
}

/* The block being read: where it starts, and the frame it would be. */
struct ng_block {
	unsigned long long frame;
	unsigned long long at;
	uint8_t hdr[12];
	size_t hlen; /* of hdr: 12 for a section header (its magic), else 8 */
	uint32_t type;
	uint32_t len;
};

static bool ng_is_frame(uint32_t type)
{
	return type == NG_EPB || type == NG_PB || type == NG_SPB;
}

/* The blocks read into memory; any other is skipped. */
static bool ng_is_kept(uint32_t type)
{
	return type == NG_SHB || type == NG_IDB || ng_is_frame(type);
}

static int ng_read_error(struct br_capfile *c, long got, char *err,
			 size_t err_len)
{
	snprintf(err, err_len, "read error at byte offset %llu: %s",
		 (unsigned long long)c->offset, strerror((int)-got));
	return (int)got;
}

static int ng_cut(struct br_capfile *c, const struct ng_block *b, char *err,
		  size_t err_len)
{
	bool frame = ng_is_frame(b->type);

	snprintf(err, err_len,
		 frame ? "cut short at byte offset %llu, in frame %llu: its "
			 "block needs %u bytes, %llu are there"
		       : "cut short at byte offset %llu, after frame %llu: "
			 "a block of %u bytes, %llu are there",
		 b->at, frame ? b->frame : b->frame - 1, b->len,
		 (unsigned long long)(c->offset - b->at));
	return -EBADMSG;
}

static int ng_damaged(const struct ng_block *b, char *err, size_t err_len)
{
	snprintf(err, err_len,
		 "damaged at byte offset %llu: frame %llu's block (%u bytes) "
		 "does not hold the %s it claims",
		 b->at, b->frame, b->len,
		 b->type == NG_SPB ? "header" : "captured length");
	return -EBADMSG;
}

/*
 * A section header's byte-order magic, after its first 8 bytes: the
 * section's byte order. 0, or an error (explained).
 */
static int ng_section(struct br_capfile *c, struct ng_block *b, char *err,
		      size_t err_len)
{
	long got;
	int order;

	got = br_read(c, b->hdr + 8, 4);
	if (got < 0)
		return ng_read_error(c, got, err, err_len);
	if (got < 4) {
		snprintf(err, err_len,
			 "cut short at byte offset %llu, in a section header, "
			 "after frame %llu",
			 b->at, b->frame - 1);
		return -EBADMSG;
	}
	order = ng_order(b->hdr + 8);
	if (order < 0) {
		snprintf(err, err_len,
			 "damaged at byte offset %llu: a section header "
			 "without the byte-order magic, after frame %llu",
			 b->at, b->frame - 1);
		return -EBADMSG;
	}
	c->big = order;
	c->n_ifaces = 0;
	b->hlen = 12;
	return 0;
}

/* A block's type and length: 1, 0 at the end, or an error (explained). */
static int ng_header(struct br_capfile *c, struct ng_block *b, char *err,
		     size_t err_len)
{
	long got;
	int ret;

	got = br_read(c, b->hdr, 8);
	if (got < 0)
		return ng_read_error(c, got, err, err_len);
	if (!got)
		return 0;
	if (got < 8) {
		snprintf(err, err_len,
			 "cut short at byte offset %llu, in the header of a "
			 "block (%ld of 8 bytes there), after frame %llu",
			 b->at, got, b->frame - 1);
		return -EBADMSG;
	}
	b->hlen = 8;
	b->type = get32(c, b->hdr);
	if (b->type == NG_SHB) { /* a new section: its own byte order */
		ret = ng_section(c, b, err, err_len);
		if (ret)
			return ret;
	}
	b->len = get32(c, b->hdr + 4);
	if (b->len < 12 || b->len % 4 || b->len < b->hlen + 4 ||
	    (b->len > NG_BLOCK_MAX && ng_is_kept(b->type))) {
		snprintf(err, err_len,
			 "damaged at byte offset %llu: a block (type 0x%x) of "
			 "%u bytes, after frame %llu",
			 b->at, b->type, b->len, b->frame - 1);
		return -EBADMSG;
	}
	return 1;
}

/*
 * The rest of the block: read into c->buf, whole header included (1), or
 * skipped when it is not kept (0); or an error (explained).
 */
static int ng_body(struct br_capfile *c, const struct ng_block *b, char *err,
		   size_t err_len)
{
	uint32_t tail;
	long got;

	if (!ng_is_kept(b->type)) {
		got = ng_skip(c, b->len - b->hlen);
		if (got < 0)
			return ng_read_error(c, got, err, err_len);
		if ((uint64_t)got < b->len - b->hlen)
			return ng_cut(c, b, err, err_len);
		return 0;
	}
	if (br_reserve(c, b->len)) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	memcpy(c->buf, b->hdr, b->hlen);
	got = br_read(c, c->buf + b->hlen, b->len - b->hlen);
	if (got < 0)
		return ng_read_error(c, got, err, err_len);
	if ((uint64_t)got < b->len - b->hlen)
		return ng_cut(c, b, err, err_len);
	tail = get32(c, c->buf + b->len - 4);
	if (tail != b->len) {
		snprintf(err, err_len,
			 "damaged at byte offset %llu: a block (type 0x%x) of "
			 "%u bytes ends with the length %u, after frame %llu",
			 b->at, b->type, b->len, tail, b->frame - 1);
		return -EBADMSG;
	}
	return 1;
}

/* An interface description block: 0, or an error (explained). */
static int ng_iface_block(struct br_capfile *c, const struct ng_block *b,
			  char *err, size_t err_len)
{
	int ret = ng_add_iface(c, c->buf + 8, b->len - 12);

	if (ret == -ENOMEM) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	if (ret) {
		snprintf(err, err_len,
			 "damaged at byte offset %llu: an interface "
			 "description of %u bytes, after frame %llu",
			 b->at, b->len, b->frame - 1);
		return -EBADMSG;
	}
	return 0;
}

/* A frame's block (in c->buf) into rec: 0, or -EBADMSG (explained). */
static int ng_frame(struct br_capfile *c, const struct ng_block *b,
		    struct br_record *rec, char *err, size_t err_len)
{
	const uint8_t *body = c->buf + 8;
	size_t n = b->len - 12;
	uint32_t iface, caplen, wire;
	const struct br_iface *ifc;

	if (b->type != NG_SPB) {
		if (n < 20)
			return ng_damaged(b, err, err_len);
		iface = b->type == NG_EPB ? get32(c, body) : get16(c, body);
		rec->ts_ns =
			(uint64_t)get32(c, body + 4) << 32 | get32(c, body + 8);
		caplen = get32(c, body + 12);
		wire = get32(c, body + 16);
		if (caplen > n - 20)
			return ng_damaged(b, err, err_len);
		rec->data = body + 20;
		rec->no_ts = false;
	} else { /* interface 0, no timestamp */
		if (n < 4)
			return ng_damaged(b, err, err_len);
		iface = 0;
		wire = get32(c, body);
		caplen = wire < n - 4 ? wire : n - 4;
		if (c->n_ifaces && c->ifaces[0].snaplen &&
		    caplen > c->ifaces[0].snaplen)
			caplen = c->ifaces[0].snaplen;
		rec->ts_ns = 0;
		rec->data = body + 4;
		rec->no_ts = true;
	}
	if (iface >= c->n_ifaces) {
		snprintf(err, err_len,
			 "damaged at byte offset %llu: frame %llu names "
			 "interface %u, its section describes %zu",
			 b->at, b->frame, iface, c->n_ifaces);
		return -EBADMSG;
	}
	if (caplen > BR_CAP_RECORD_MAX)
		return ng_damaged(b, err, err_len);
	ifc = &c->ifaces[iface];
	if (!rec->no_ts)
		rec->ts_ns = ng_ts_ns(rec->ts_ns, ifc->tsresol, ifc->tsoffset);
	rec->caplen = caplen;
	rec->len = wire < caplen ? caplen : wire;
	rec->linktype = ifc->linktype;
	rec->iface = iface;
	rec->number = b->frame;
	rec->offset = b->at;
	c->frames++;
	return 0;
}

/*
 * One block of a pcapng file: a frame (1, rec filled), the end (0), or an
 * error. Blocks that are not frames are handled and the next one read.
 */
static int ng_next(struct br_capfile *c, struct br_record *rec, char *err,
		   size_t err_len)
{
	struct ng_block b;
	int ret;

	for (;;) {
		b.frame = c->frames + 1;
		b.at = c->offset;
		ret = ng_header(c, &b, err, err_len);
		if (ret <= 0)
			return ret;
		ret = ng_body(c, &b, err, err_len);
		if (ret < 0)
			return ret;
		if (!ret || b.type == NG_SHB)
			continue;
		if (b.type == NG_IDB) {
			ret = ng_iface_block(c, &b, err, err_len);
			if (ret)
				return ret;
			continue;
		}
		ret = ng_frame(c, &b, rec, err, err_len);
		return ret ? ret : 1;
	}
}

/* ---- pcap ------------------------------------------------------------- */

static int pcap_next_rec(struct br_capfile *c, struct br_record *rec, char *err,
			 size_t err_len)
{
	unsigned long long frame = c->frames + 1, at = c->offset;
	uint8_t hdr[PCAP_REC_LEN + 8];
	size_t hlen = PCAP_REC_LEN + c->rec_extra;
	uint32_t sec, frac, caplen, wire;
	long got;

	got = br_read(c, hdr, hlen);
	if (got < 0)
		goto read_error;
	if (!got)
		return 0;
	if ((size_t)got < hlen) {
		snprintf(err, err_len,
			 "cut short at byte offset %llu, in frame %llu: its "
			 "record header needs %zu bytes, %ld are there",
			 at, frame, hlen, got);
		return -EBADMSG;
	}
	sec = get32(c, hdr);
	frac = get32(c, hdr + 4);
	caplen = get32(c, hdr + 8);
	wire = get32(c, hdr + 12);
	if (caplen > BR_CAP_RECORD_MAX) {
		snprintf(err, err_len,
			 "damaged at byte offset %llu: frame %llu claims %u "
			 "captured bytes, more than the %u a capture holds",
			 at, frame, caplen, BR_CAP_RECORD_MAX);
		return -EBADMSG;
	}
	if (br_reserve(c, caplen ? caplen : 1)) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	got = br_read(c, c->buf, caplen);
	if (got < 0)
		goto read_error;
	if ((uint32_t)got < caplen) {
		snprintf(err, err_len,
			 "cut short at byte offset %llu, in frame %llu: its "
			 "record needs %zu bytes, %zu are there",
			 at, frame, hlen + caplen, hlen + got);
		return -EBADMSG;
	}
	rec->data = c->buf;
	rec->caplen = caplen;
	rec->len = wire < caplen ? caplen : wire;
	rec->ts_ns = (uint64_t)sec * 1000000000ULL +
		     (uint64_t)frac * (c->nano ? 1 : 1000);
	rec->no_ts = false;
	rec->linktype = c->linktype;
	rec->iface = 0;
	rec->number = frame;
	rec->offset = at;
	c->frames++;
	return 1;
read_error:
	snprintf(err, err_len, "read error at byte offset %llu: %s",
		 (unsigned long long)c->offset, strerror((int)-got));
	return (int)got;
}

/* ---- open, next ------------------------------------------------------- */

int br_capfile_open(const char *path, struct br_capfile **out, char *err,
		    size_t err_len)
{
	struct br_capfile *c;
	uint8_t hdr[PCAP_HDR_LEN];
	uint32_t magic;
	long got;
	int ret, order;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	if (!strcmp(path, "-")) {
		c->f = stdin;
	} else {
		c->f = fopen(path, "rb");
		if (!c->f) {
			ret = -errno;
			snprintf(err, err_len, "%s", strerror(errno));
			goto fail;
		}
	}
	got = br_read(c, hdr, 4);
	if (got < 0) {
		ret = got;
		snprintf(err, err_len, "%s", strerror((int)-got));
		goto fail;
	}
	ret = -EINVAL;
	if (got < 4) {
		snprintf(err, err_len, "not a pcap or pcapng file (%ld bytes)",
			 got);
		goto fail;
	}
	magic = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		(uint32_t)hdr[2] << 8 | hdr[3];
	switch (magic) {
	case 0xa1b2c3d4u: /* written big-endian, microseconds */
	case 0xd4c3b2a1u: /* little-endian */
	case 0xa1b23c4du: /* nanoseconds */
	case 0x4d3cb2a1u:
	case 0xa1b2cd34u: /* Kuznetzov's, old Red Hat and SuSE tcpdump */
	case 0x34cdb2a1u:
		c->big = magic == 0xa1b2c3d4u || magic == 0xa1b23c4du ||
			 magic == 0xa1b2cd34u;
		c->nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
		/* its records add an ifindex, a protocol, a packet type */
		if (magic == 0xa1b2cd34u || magic == 0x34cdb2a1u)
			c->rec_extra = 8;
		got = br_read(c, hdr + 4, PCAP_HDR_LEN - 4);
		if (got < 0) {
			ret = got;
			snprintf(err, err_len, "%s", strerror((int)-got));
			goto fail;
		}
		if (got < PCAP_HDR_LEN - 4) {
			snprintf(err, err_len,
				 "cut short in its file header (%ld of 24 "
				 "bytes)",
				 got + 4);
			goto fail;
		}
		/* the upper bits carry FCS information, not the type */
		c->linktype = get32(c, hdr + 20) & 0xffff;
		break;
	case NG_SHB:
		c->ng = true;
		got = br_read(c, hdr + 4, 8);
		if (got < 0) {
			ret = got;
			snprintf(err, err_len, "%s", strerror((int)-got));
			goto fail;
		}
		order = got == 8 ? ng_order(hdr + 8) : -1;
		if (order < 0) {
			snprintf(err, err_len,
				 got == 8 ? "not a pcapng file (no byte-order "
					    "magic)"
					  : "cut short in its section header");
			goto fail;
		}
		c->big = order;
		/* read the rest of the section header as any block */
		got = get32(c, hdr + 4);
		if (got < 28 || got % 4 || got > (long)NG_BLOCK_MAX) {
			snprintf(err, err_len,
				 "damaged section header (%ld bytes)", got);
			goto fail;
		}
		if ((ret = br_reserve(c, got))) {
			snprintf(err, err_len, "out of memory");
			goto fail;
		}
		ret = -EINVAL;
		if (br_read(c, c->buf, got - 12) != got - 12) {
			snprintf(err, err_len,
				 "cut short in its section header");
			goto fail;
		}
		break;
	default:
		snprintf(err, err_len,
			 "not a pcap or pcapng file (it starts 0x%08x)", magic);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	br_capfile_close(c);
	return ret;
}

int br_capfile_next(struct br_capfile *c, struct br_record *rec, char *err,
		    size_t err_len)
{
	int ret;

	if (c->over)
		return 0;
	ret = c->ng ? ng_next(c, rec, err, err_len)
		    : pcap_next_rec(c, rec, err, err_len);
	if (ret <= 0)
		c->over = true;
	return ret;
}
