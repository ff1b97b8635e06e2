// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_html.c - simulate --html: the result (result.h) as one
 * self-contained HTML page. Inline CSS and inline SVG charts, no script,
 * nothing fetched: per policy its headline; a policy x service heatmap of
 * failure rates; push notifications lost per app class and platform;
 * failure rates over the run with the scenario's swaps marked; the per
 * action tables. Deterministic: the same runs give the same bytes (no
 * date, no host). The scenario's swap policies are named by parsing their
 * files again against the catalog (their file name when that fails).
 *
 * The page is HTML5 that is also well-formed XML (every element closed,
 * void elements self-closed, only the five XML entities), so both an HTML
 * and an XML parser read it. Every string from a file (names,
 * descriptions, paths) goes through br_h_esc(): escaped, and made valid
 * UTF-8. The charts are SVG written here; the palettes are colorblind-safe
 * (ColorBrewer YlOrRd for the heatmap's sequential scale, Okabe-Ito for
 * the categories, with dash patterns and hatching as a second cue).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "targets.h"
#include "result.h"

/* Okabe-Ito: distinguishable under the common color vision deficiencies. */
#define BR_C_IOS "#0072B2"     /* blue */
#define BR_C_ANDROID "#E69F00" /* orange */
#define BR_C_OTHER "#555555"
static const char *const br_series_colors[] = {
	"#D55E00", /* vermillion */
	"#CC79A7", /* reddish purple */
	"#009E73", /* bluish green */
	"#56B4E9", /* sky blue */
	"#000000",
};

/* ColorBrewer YlOrRd, 9 classes: the failure rate 0 .. 100 %. */
static const unsigned char br_ylorrd[9][3] = {
	{ 0xff, 0xff, 0xcc }, { 0xff, 0xed, 0xa0 }, { 0xfe, 0xd9, 0x76 },
	{ 0xfe, 0xb2, 0x4c }, { 0xfd, 0x8d, 0x3c }, { 0xfc, 0x4e, 0x2a },
	{ 0xe3, 0x1a, 0x1c }, { 0xbd, 0x00, 0x26 }, { 0x80, 0x00, 0x26 },
};

/* The chart width (SVG user units; the page scales it down to fit). */
#define BR_W 1000.0

/* ---- text ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 when invalid. */
static size_t br_utf8_len(const unsigned char *p)
{
	unsigned int c = p[0];
	size_t n, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* s as HTML text or attribute value: escaped, valid UTF-8, no controls. */
static void br_h_esc(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	while (*p) {
		n = br_utf8_len(p);
		if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		switch (n ? *p : 0) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if (n && (*p >= 0x20 || *p == '\t' || *p == '\n') &&
			    *p != 0x7f)
				fputc(*p, f);
			else
				fputs("\xef\xbf\xbd", f); /* U+FFFD */
		}
		p++;
	}
}

/* printf, then br_h_esc(). */
static void br_h_escf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void br_h_escf(FILE *f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	br_h_esc(f, buf);
}

/* s cut to at most max characters ("…" at the end when cut), escaped. */
static void br_h_esc_cut(FILE *f, const char *s, size_t max)
{
	char buf[512];
	size_t i, chars = 0, cut = 0;

	s = s ? s : "";
	if (max < 2)
		max = 2;
	for (i = 0; s[i] && i < sizeof(buf) - 4; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == max - 1)
				cut = i;
			if (chars++ == max)
				break;
		}
	}
	if (!s[i] && chars <= max) {
		br_h_esc(f, s);
		return;
	}
	memcpy(buf, s, cut);
	strcpy(buf + cut, "\xe2\x80\xa6"); /* … */
	br_h_esc(f, buf);
}

/* "100%", "0%", "37%", "0.4%", "99.6%": a rate that never rounds to 0 or
 * 100 unless it is. */
static void br_pct_str(char *buf, size_t len, uint64_t part, uint64_t whole)
{
	double p = br_pct(part, whole);

	if (!part || part == whole)
		snprintf(buf, len, "%.0f%%", p);
	else if (p < 1 || p > 99)
		snprintf(buf, len, "%.1f%%", p);
	else
		snprintf(buf, len, "%.0f%%", p);
}

/* m:ss (h:mm:ss from an hour on) */
static void br_time_str(char *buf, size_t len, uint64_t s)
{
	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu",
			 (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
}

/* ---- the page's context ------------------------------------------------- */

struct br_page {
	FILE *f;
	const struct br_result *res;
	const struct br_catalog *cat;
	const struct br_scenario *scn;
	const struct br_impact *runs;
	size_t n;
	char **event_names; /* the swap policies' names, by event */
	bool **event_targets; /* by event, by service: its targets */
};

/* Targets of pol (a service, or an action of it) as a by-service flag
 * array (adds to t). */
static void br_mark_targets(const struct br_catalog *cat,
			    const struct br_policy *pol, bool *t)
{
	size_t s;

	for (s = 0; s < cat->n_services; s++)
		t[s] |= br_targets(cat, pol, s, NULL);
}

/*
 * The swap policies' names and targets: parsed again (the caller has them
 * parsed, but not in this interface); the file's base name without
 * ".policy" when that fails.
 */
static int br_page_events(struct br_page *pg)
{
	const struct br_scenario *scn = pg->scn;
	size_t i;

	pg->event_names = calloc(scn->n_events + 1, sizeof(char *));
	pg->event_targets = calloc(scn->n_events + 1, sizeof(bool *));
	if (!pg->event_names || !pg->event_targets)
		return -ENOMEM;
	for (i = 0; i < scn->n_events; i++) {
		const char *path = scn->events[i].policy;
		struct br_policy *pol = NULL;
		struct br_diag diag;
		const char *base;
		char *dot;

		pg->event_targets[i] = calloc(pg->cat->n_services + 1,
					      sizeof(bool));
		if (!pg->event_targets[i])
			return -ENOMEM;
		br_diag_init(&diag);
		if (!br_policy_parse_file_cat(path, pg->cat, &pol, &diag) &&
		    pol) {
			pg->event_names[i] = strdup(pol->name);
			br_mark_targets(pg->cat, pol, pg->event_targets[i]);
		} else {
			base = strrchr(path, '/');
			pg->event_names[i] = strdup(base ? base + 1 : path);
			dot = pg->event_names[i] ?
				      strrchr(pg->event_names[i], '.') : NULL;
			if (dot && !strcmp(dot, ".policy"))
				*dot = 0;
		}
		br_diag_free(&diag);
		br_policy_free(pol);
		if (!pg->event_names[i])
			return -ENOMEM;
	}
	return 0;
}

static void br_page_free(struct br_page *pg)
{
	size_t i;

	for (i = 0; i < pg->scn->n_events; i++) {
		if (pg->event_names)
			free(pg->event_names[i]);
		if (pg->event_targets)
			free(pg->event_targets[i]);
	}
	free(pg->event_names);
	free(pg->event_targets);
}

/* ---- SVG pieces ---------------------------------------------------------- */

/* The heatmap's color of a failure rate p (0..100). */
static void br_heat_color(double p, char out[8], bool *dark)
{
	double x = p / 100.0 * 8.0;
	int i = (int)x, k, c[3];
	double t;

	if (i >= 8) {
		i = 7;
		t = 1;
	} else {
		if (i < 0)
			i = 0;
		t = x - i;
	}
	for (k = 0; k < 3; k++)
		c[k] = (int)(br_ylorrd[i][k] +
			     t * (br_ylorrd[i + 1][k] - br_ylorrd[i][k]) + 0.5);
	snprintf(out, 8, "#%02x%02x%02x", c[0] & 0xff, c[1] & 0xff,
		 c[2] & 0xff);
	/* relative luminance, roughly: white text on the dark end */
	*dark = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] < 140;
}

/* A 0..100 % y axis: grid lines, tick labels and the axis title. */
static void br_y_axis(FILE *f, double x0, double x1, double y0, double h,
		      const char *label)
{
	int v;

	for (v = 0; v <= 100; v += 25) {
		double y = y0 + h - h * v / 100.0;

		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
			"x2=\"%.1f\" y2=\"%.1f\"/>\n"
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"end\">%d%%</text>\n",
			x0, y, x1, y, x0 - 6, y + 4, v);
	}
	fprintf(f,
		"<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		"y2=\"%.1f\"/>\n",
		x0, y0, x0, y0 + h);
	fprintf(f,
		"<text class=\"axis-label\" transform=\"translate(%.1f %.1f) "
		"rotate(-90)\" text-anchor=\"middle\">",
		x0 - 44, y0 + h / 2);
	br_h_esc(f, label);
	fputs("</text>\n", f);
}

/* ---- chart 1: policy x service heatmap ---------------------------------- */

/* The heatmap's legend at y: the color scale, the target mark, unused. */
static void br_heat_legend(FILE *f, double lw, double y)
{
	size_t k;

	fprintf(f,
		"<g class=\"legend\">"
		"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"end\">failed</text>"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"240\" height=\"12\" "
		"fill=\"url(#heat-scale)\" stroke=\"#999999\" "
		"stroke-width=\"0.5\"/>\n",
		lw - 10, y + 10, lw, y);
	for (k = 0; k <= 4; k++)
		fprintf(f,
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\">%zu%%</text>\n",
			lw + 60.0 * k, y + 26, k * 25);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"28\" height=\"18\" "
		"fill=\"#fed976\"/><rect class=\"target-mark\" x=\"%.1f\" "
		"y=\"%.1f\" width=\"24\" height=\"14\"/>"
		"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">\xe2\x97\x8e a "
		"target of the policy</text>\n"
		"<rect class=\"deg-bar\" x=\"%.1f\" y=\"%.1f\" "
		"width=\"28\" height=\"4\"/><text class=\"tick\" "
		"x=\"%.1f\" y=\"%.1f\">degraded share</text>"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"28\" height=\"18\" "
		"fill=\"#eeeeee\"/><text class=\"tick\" x=\"%.1f\" "
		"y=\"%.1f\">not used</text></g>\n",
		lw + 280, y - 3, lw + 282, y - 1, lw + 316, y + 10, lw + 490,
		y + 4, lw + 524, y + 10, lw + 640, y - 3, lw + 674, y + 10);
}

/*
 * The width of len bytes of s in px at font size px, an estimate on the
 * wide side: advances close to DejaVu Sans's (narrow letters 0.28 to
 * 0.41 em, most 0.52 to 0.64, m and w up to 1), bold 12 % wider. Labels
 * are laid out with it so that none overlaps another or leaves its box.
 */
static double br_text_w(const char *s, size_t len, double px, bool bold)
{
	double em = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) == 0x80)
			continue; /* a UTF-8 continuation byte */
		if (c && strchr("iljtfr.,:;'!| ()[]-", c))
			em += 0.42;
		else if (c && strchr("mwMW@%", c))
			em += 1.0;
		else if (c >= 'A' && c <= 'Z')
			em += 0.78;
		else
			em += 0.66;
	}
	return em * px * (bold ? 1.12 : 1.0);
}

/* The length of the UTF-8 character at s (1 for a stray byte). */
static size_t br_char_len(const char *s)
{
	size_t n = br_utf8_len((const unsigned char *)s);

	return n ? n : 1;
}

/* A label broken into lines: byte ranges of the label. */
#define BR_WRAP_MAX 16
struct br_wrap {
	size_t n;
	size_t start[BR_WRAP_MAX], len[BR_WRAP_MAX];
};

/*
 * Break s into lines no wider than max_w (br_text_w): after a '-', '_',
 * '/' or '.', or at a space (dropped); a word wider than a line is cut
 * between two characters. Nothing else is lost: the lines put together
 * (with the spaces) are s, so no name is clipped.
 */
static void br_wrap(const char *s, double max_w, double px, bool bold,
		    struct br_wrap *w)
{
	size_t b = 0, i, brk, end = strlen(s), n;

	w->n = 0;
	while (b < end && w->n < BR_WRAP_MAX) {
		brk = 0;
		for (i = b; i < end; i += n) {
			n = br_char_len(s + i);
			if (i > b &&
			    br_text_w(s + b, i + n - b, px, bold) > max_w)
				break;
			if (s[i] == ' ')
				brk = i;
			else if (strchr("-_/.", s[i]))
				brk = i + 1;
		}
		if (w->n == BR_WRAP_MAX - 1 || i >= end)
			i = end; /* the last line takes the rest */
		else if (brk > b)
			i = brk;
		w->start[w->n] = b;
		w->len[w->n++] = i - b;
		b = i;
		while (b < end && s[b] == ' ')
			b++;
	}
}

/* The lines of w as tspans centred on x, the first's baseline at y. */
static void br_tspans(FILE *f, const char *s, const struct br_wrap *w, double x,
		      double y, double lh)
{
	char buf[512];
	size_t k, n;

	for (k = 0; k < w->n; k++) {
		n = w->len[k] < sizeof(buf) ? w->len[k] : sizeof(buf) - 1;
		memcpy(buf, s + w->start[k], n);
		buf[n] = 0;
		fprintf(f, "<tspan x=\"%.1f\" y=\"%.1f\">", x, y + lh * k);
		br_h_esc(f, buf);
		fputs("</tspan>", f);
	}
}

/* The heatmap's geometry: label column, header, columns, rows. */
struct br_heat_geo {
	double lw, hh, cw, rh, top;
};

/* A heatmap row: a service, on one platform or both (br_impact_rows). */
struct br_heat_row {
	int service;
	enum br_platform platform;
};

/* The cell of row rw under run r at x, y: failed %, degraded share. */
static void br_heat_cell(struct br_page *pg, const struct br_heat_row *rw,
			 size_t r, double x, double y,
			 const struct br_heat_geo *g)
{
	struct br_impact_count c;
	const struct br_impact_service *x_s = br_impact_service_on(
		&pg->runs[r], rw->service, rw->platform, &c);
	const double cw = g->cw, rh = g->rh;
	FILE *f = pg->f;
	char color[8], pct[16], deg[16], label[128];
	bool dark = false;

	if (!x_s || !c.attempted) {
		fprintf(f,
			"<g class=\"cell\"><title>not used "
			"under this policy</title>"
			"<rect x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#eeeeee\" stroke=\"#ffffff\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\" "
			"fill=\"#777777\">\xe2\x80\x93</text>"
			"</g>\n",
			x, y, cw, rh, x + cw / 2, y + rh / 2 + 4);
		return;
	}
	br_impact_row_label(pg->cat, rw->service, rw->platform, label,
			    sizeof(label));
	br_heat_color(br_pct(c.failed, c.attempted), color, &dark);
	br_pct_str(pct, sizeof(pct), c.failed, c.attempted);
	br_pct_str(deg, sizeof(deg), c.degraded, c.attempted);
	fprintf(f, "<g class=\"cell%s\"><title>", x_s->target ? " target" : "");
	br_h_escf(f,
		  "%s under %s: %llu of %llu failed (%s), "
		  "%llu degraded (%s)%s",
		  label, pg->runs[r].name, (unsigned long long)c.failed,
		  (unsigned long long)c.attempted, pct,
		  (unsigned long long)c.degraded, deg,
		  x_s->target ? "; a target of the policy" : "");
	fprintf(f,
		"</title><rect x=\"%.1f\" y=\"%.1f\" "
		"width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
		"stroke=\"#ffffff\"/>",
		x, y, cw, rh, color);
	if (c.degraded)
		fprintf(f,
			"<rect class=\"deg-bar\" x=\"%.1f\" "
			"y=\"%.1f\" width=\"%.1f\" "
			"height=\"4\"/>",
			x + (x_s->target ? 4.5 : 1),
			y + rh - (x_s->target ? 9 : 5),
			(cw - (x_s->target ? 9 : 2)) *
				br_pct(c.degraded, c.attempted) / 100.0);
	if (x_s->target)
		fprintf(f,
			"<rect class=\"target-mark\" "
			"x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\"/>",
			x + 2.5, y + 2.5, cw - 5, rh - 5);
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"middle\" fill=\"%s\">"
		"<tspan class=\"cell-pct\">%s%s</tspan>",
		x + cw / 2, y + rh / 2 + (c.degraded ? 0 : 5),
		dark ? "#ffffff" : "#111111",
		x_s->target ? "\xe2\x97\x8e " : "", pct);
	if (c.degraded)
		fprintf(f,
			"<tspan class=\"cell-deg\" x=\"%.1f\" "
			"dy=\"12\">+%s degraded</tspan>",
			x + cw / 2, deg);
	fputs("</text></g>\n", f);
}

/* Font sizes and line heights of the column heads (the CSS's). */
#define BR_HEAD_PX 13.0
#define BR_HEAD_LH 16.0
#define BR_SUB_PX 11.0
#define BR_SUB_LH 14.0
#define BR_HEAD_GAP 3.0 /* between a name's last line and its targets */

/* "target: imessage, facetime", "baseline", "no target" */
static void br_run_sub(const struct br_impact *run, char *buf, size_t len)
{
	size_t k;

	if (!run->pol) {
		snprintf(buf, len, "baseline");
		return;
	}
	if (!run->pol->n_targets) {
		snprintf(buf, len, "no target");
		return;
	}
	snprintf(buf, len, "target: ");
	for (k = 0; k < run->pol->n_targets; k++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 k ? ", " : "", run->pol->targets[k]);
}

/*
 * The column heads: each run's name, then its targets, wrapped to the
 * column's width (never cut), the blocks aligned on the header's foot.
 * Returns the header's height the tallest needs; draws only when draw.
 */
static double br_heat_heads(struct br_page *pg, const struct br_heat_geo *g,
			    bool draw)
{
	const double wmax = g->cw - 10;
	struct br_wrap name, sub;
	double need = 0, bh, x, y0;
	char buf[256];
	size_t r;
	FILE *f = pg->f;

	for (r = 0; r < pg->n; r++) {
		const struct br_impact *run = &pg->runs[r];

		br_run_sub(run, buf, sizeof(buf));
		br_wrap(run->name, wmax, BR_HEAD_PX, true, &name);
		br_wrap(buf, wmax, BR_SUB_PX, false, &sub);
		bh = name.n * BR_HEAD_LH + BR_HEAD_GAP + sub.n * BR_SUB_LH;
		if (bh > need)
			need = bh;
		if (!draw)
			continue;
		x = g->lw + g->cw * r + g->cw / 2;
		y0 = g->top + g->hh - 8 - bh;
		fputs("<text class=\"col-head\" text-anchor=\"middle\">"
		      "<title>",
		      f);
		br_h_esc(f, run->name);
		fputs("</title>", f);
		br_tspans(f, run->name, &name, x, y0 + BR_HEAD_PX, BR_HEAD_LH);
		fputs("</text>\n<text class=\"col-sub\" "
		      "text-anchor=\"middle\">",
		      f);
		br_tspans(f, buf, &sub, x,
			  y0 + name.n * BR_HEAD_LH + BR_HEAD_GAP + BR_SUB_PX,
			  BR_SUB_LH);
		fputs("</text>\n", f);
	}
	return need + 18;
}

/* The heatmap's rows: a service per platform where they differ. */
static size_t br_heat_rows(struct br_page *pg, struct br_heat_row *rows)
{
	enum br_platform plat[2];
	size_t s, n_rows = 0;
	int k, n;

	for (s = 0; s < pg->cat->n_services; s++) {
		n = br_impact_rows(pg->runs, pg->n, s, plat);
		for (k = 0; k < n; k++) {
			rows[n_rows].service = s;
			rows[n_rows++].platform = plat[k];
		}
	}
	return n_rows;
}

/* The caption under the legend: what a cell counts. */
static void br_heat_caption(FILE *f, double x, double y)
{
	fprintf(f,
		"<text class=\"caption\" x=\"%.1f\" y=\"%.1f\">A cell: the "
		"failed share of the row's action instances (its service on "
		"the platform the row names, else on both), under the "
		"column's policy;</text>\n"
		"<text class=\"caption\" x=\"%.1f\" y=\"%.1f\">+ degraded: "
		"the share that %s. A service gets a row per "
		"platform</text>\n"
		"<text class=\"caption\" x=\"%.1f\" y=\"%.1f\">when, in any "
		"run, its failed or degraded shares on iOS and Android are "
		"over %.0f point apart, or 0 on one only.</text>\n",
		x, y, x, y + 16, BR_IMPACT_DEGRADED_WHAT, x, y + 32,
		BR_IMPACT_SPLIT_PP);
}

static void br_heatmap(struct br_page *pg)
{
	struct br_heat_geo g = { .lw = 180, .rh = 34, .top = 8 };
	FILE *f = pg->f;
	struct br_heat_row *rows;
	size_t r, n_rows, k;
	double w, h, y, lab_w;
	char label[128];

	rows = calloc(pg->cat->n_services * 2 + 1, sizeof(*rows));
	if (!rows)
		return;
	n_rows = br_heat_rows(pg, rows);
	for (k = 0; k < n_rows; k++) {
		br_impact_row_label(pg->cat, rows[k].service, rows[k].platform,
				    label, sizeof(label));
		lab_w = br_text_w(label, strlen(label), BR_HEAD_PX, false);
		if (lab_w + 24 > g.lw)
			g.lw = lab_w + 24 < 320 ? lab_w + 24 : 320;
	}
	g.cw = (BR_W - g.lw - 20) / (pg->n ? pg->n : 1);
	if (g.cw > 200)
		g.cw = 200;
	if (g.cw < 100)
		g.cw = 100;
	g.hh = br_heat_heads(pg, &g, false);
	if (g.hh < 64)
		g.hh = 64;
	w = g.lw + g.cw * pg->n + 20;
	if (w < g.lw + 740)
		w = g.lw + 740; /* room for the legend */
	if (w < 860)
		w = 860; /* and its caption */
	h = g.top + g.hh + g.rh * n_rows + 120;

	fprintf(f,
		"<svg id=\"heatmap\" class=\"chart\" "
		"xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %.0f %.0f\" "
		"width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		"aria-labelledby=\"heatmap-title\">\n"
		"<title id=\"heatmap-title\">Failed share of each service's "
		"action instances (rows, per platform where they differ) "
		"under each policy (columns)</title>\n"
		"<defs><linearGradient id=\"heat-scale\" x1=\"0\" x2=\"1\" "
		"y1=\"0\" y2=\"0\">\n",
		w, h, w, h);
	for (k = 0; k < 9; k++)
		fprintf(f,
			"<stop offset=\"%.3f\" "
			"stop-color=\"#%02x%02x%02x\"/>\n",
			k / 8.0, br_ylorrd[k][0], br_ylorrd[k][1],
			br_ylorrd[k][2]);
	fputs("</linearGradient></defs>\n", f);

	fprintf(f,
		"<text class=\"axis-label\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"end\">service \xe2\x86\x93 / policy "
		"\xe2\x86\x92</text>\n",
		g.lw - 10, g.top + g.hh - 10);
	br_heat_heads(pg, &g, true);

	y = g.top + g.hh;
	for (k = 0; k < n_rows; k++) {
		br_impact_row_label(pg->cat, rows[k].service, rows[k].platform,
				    label, sizeof(label));
		fprintf(f,
			"<text class=\"row-head\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"end\">",
			g.lw - 10, y + g.rh / 2 + 4);
		br_h_esc_cut(f, label, 40);
		fputs("</text>\n", f);
		for (r = 0; r < pg->n; r++)
			br_heat_cell(pg, &rows[k], r, g.lw + g.cw * r, y, &g);
		y += g.rh;
	}

	br_heat_legend(f, g.lw, y + 22);
	br_heat_caption(f, 10, y + 76);
	fputs("</svg>\n", f);
	free(rows);
}

/* ---- chart 2: push loss per app class and platform ---------------------- */

/* The bar of app class cls on platform index p (0: iOS) of one run. */
static void br_push_bar(struct br_page *pg, const struct br_impact *run,
			size_t cls, int p, double gx, double bw, double y0,
			double plot_h)
{
	const struct br_catalog *cat = pg->cat;
	FILE *f = pg->f;
	enum br_platform plat = p ? BR_PLAT_ANDROID : BR_PLAT_IOS;
	const struct br_impact_push *x = br_impact_find_push(run, cls, plat);
	double bx = gx + (p ? 2 : -2 - bw), hl, hd;
	char pct[16], dpct[16];

	if (!x || !x->attempted) {
		fprintf(f,
			"<text class=\"na\" x=\"%.1f\" "
			"y=\"%.1f\" "
			"text-anchor=\"middle\">n/a"
			"</text>\n",
			bx + bw / 2, y0 - 4);
		return;
	}
	hl = plot_h * br_pct(x->lost, x->attempted) / 100.0;
	hd = plot_h * br_pct(x->degraded, x->attempted) / 100.0;
	br_pct_str(pct, sizeof(pct), x->lost, x->attempted);
	br_pct_str(dpct, sizeof(dpct), x->degraded, x->attempted);
	fprintf(f, "<g class=\"bar %s\"><title>", p ? "android" : "ios");
	br_h_escf(f,
		  "%s on %s under %s: %llu of %llu "
		  "lost (%s), %llu late (%s)",
		  br_impact_class_name(cat, cls), br_impact_plat_label(plat),
		  run->name, (unsigned long long)x->lost,
		  (unsigned long long)x->attempted, pct,
		  (unsigned long long)x->degraded, dpct);
	fputs("</title>", f);
	/* a hairline at 0: the bar is there */
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" "
		"width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\"/>",
		bx, y0 - (hl > 1.5 ? hl : 1.5), bw, hl > 1.5 ? hl : 1.5,
		p ? BR_C_ANDROID : BR_C_IOS);
	if (hd > 0)
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" "
			"height=\"%.1f\" "
			"fill=\"url(#hatch-%s)\" "
			"stroke=\"%s\" "
			"stroke-width=\"0.8\"/>",
			bx, y0 - hl - hd, bw, hd, p ? "android" : "ios",
			p ? BR_C_ANDROID : BR_C_IOS);
	fprintf(f,
		"<text class=\"bar-label\" x=\"%.1f\" "
		"y=\"%.1f\" text-anchor=\"middle\">",
		bx + bw / 2, y0 - hl - hd - (x->degraded ? 16 : 4));
	if (x->degraded)
		fprintf(f,
			"%s<tspan class=\"bar-late\" "
			"x=\"%.1f\" dy=\"12\">+%s "
			"late</tspan>",
			pct, bx + bw / 2, dpct);
	else
		fputs(pct, f);
	fputs("</text></g>\n", f);
}

static void br_push_chart(struct br_page *pg)
{
	const double lm = 80, rm = 20, legend_h = 34, ph = 250, plot_h = 150;
	FILE *f = pg->f;
	const struct br_catalog *cat = pg->cat;
	size_t s, r, k, n_cls = 0, *cls;
	double h, gw, bw, y0;

	cls = calloc(cat->n_services + 1, sizeof(*cls));
	if (!cls)
		return;
	for (s = 0; s < cat->n_services; s++)
		for (r = 0; r < pg->n; r++)
			if (br_impact_find_push(&pg->runs[r], s, BR_PLAT_IOS) ||
			    br_impact_find_push(&pg->runs[r], s, BR_PLAT_ANDROID)) {
				cls[n_cls++] = s;
				break;
			}
	h = n_cls ? legend_h + ph * pg->n + 10 : 60;
	fprintf(f,
		"<svg id=\"push-loss\" class=\"chart\" "
		"xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %.0f %.0f\" "
		"width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		"aria-labelledby=\"push-loss-title\">\n"
		"<title id=\"push-loss-title\">Push notifications lost per app "
		"class, iOS (APNs) and Android (FCM), per policy</title>\n",
		BR_W, h, BR_W, h);
	if (!n_cls) {
		fputs("<text class=\"empty\" x=\"20\" y=\"36\">No push "
		      "notification in this scenario.</text>\n</svg>\n",
		      f);
		free(cls);
		return;
	}
	fputs("<defs>\n", f);
	fprintf(f,
		"<pattern id=\"hatch-ios\" width=\"6\" height=\"6\" "
		"patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(45)\">"
		"<rect width=\"6\" height=\"6\" "
		"fill=\"#ffffff\"/><rect width=\"3\" height=\"6\" "
		"fill=\"%s\"/></pattern>\n"
		"<pattern id=\"hatch-android\" width=\"6\" height=\"6\" "
		"patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(45)\">"
		"<rect width=\"6\" height=\"6\" "
		"fill=\"#ffffff\"/><rect width=\"3\" height=\"6\" "
		"fill=\"%s\"/></pattern>\n",
		BR_C_IOS, BR_C_ANDROID);
	fputs("</defs>\n", f);

	/* the legend */
	fprintf(f,
		"<g class=\"legend\">"
		"<rect x=\"%.1f\" y=\"8\" width=\"14\" height=\"14\" "
		"fill=\"%s\"/><text x=\"%.1f\" y=\"19\">iOS (APNs): lost"
		"</text>"
		"<rect x=\"%.1f\" y=\"8\" width=\"14\" height=\"14\" "
		"fill=\"url(#hatch-ios)\" stroke=\"%s\"/><text x=\"%.1f\" "
		"y=\"19\">iOS: late (fallback, slow)</text>"
		"<rect x=\"%.1f\" y=\"8\" width=\"14\" height=\"14\" "
		"fill=\"%s\"/><text x=\"%.1f\" y=\"19\">Android (FCM): lost"
		"</text>"
		"<rect x=\"%.1f\" y=\"8\" width=\"14\" height=\"14\" "
		"fill=\"url(#hatch-android)\" stroke=\"%s\"/><text x=\"%.1f\" "
		"y=\"19\">Android: late</text></g>\n",
		lm, BR_C_IOS, lm + 20, lm + 160, BR_C_IOS, lm + 180, lm + 380,
		BR_C_ANDROID, lm + 400, lm + 560, BR_C_ANDROID, lm + 580);

	gw = (BR_W - lm - rm) / n_cls;
	bw = gw * 0.32;
	if (bw > 34)
		bw = 34;
	for (r = 0; r < pg->n; r++) {
		const struct br_impact *run = &pg->runs[r];
		double py = legend_h + ph * r, top = py + 56;

		fprintf(f,
			"<g class=\"panel\"><text class=\"panel-title\" "
			"x=\"%.1f\" y=\"%.1f\">",
			lm - 60, py + 20);
		br_h_esc_cut(f, run->name, 60);
		fputs("</text>\n", f);
		br_y_axis(f, lm, BR_W - rm, top, plot_h, "pushes lost");
		y0 = top + plot_h;
		for (k = 0; k < n_cls; k++) {
			double gx = lm + gw * k + gw / 2;
			int p;

			for (p = 0; p < 2; p++)
				br_push_bar(pg, run, cls[k], p, gx, bw, y0,
					    plot_h);
			fprintf(f,
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">",
				gx, y0 + 18);
			br_h_esc_cut(f, br_impact_class_name(cat, cls[k]),
				     (size_t)(gw / 7));
			fputs("</text>\n", f);
		}
		fprintf(f,
			"<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
			"x2=\"%.1f\" y2=\"%.1f\"/>\n",
			lm, y0, BR_W - rm, y0);
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
	free(cls);
}

/* ---- chart 3: the timeline ---------------------------------------------- */

#define BR_MAX_SERIES 8

struct br_series {
	char label[96];
	const char *color;
	const char *dash; /* NULL: solid */
	double width;
	bool *svc; /* by service: counted */
	enum { BR_SER_ALL, BR_SER_PUSH, BR_SER_OTHER } what; /* OTHER: no push */
	int plats; /* 1: iOS, 2: Android */
};

/* Failed and attempted of series se in bucket b. */
static void br_series_at(const struct br_impact *im, const struct br_series *se,
			 size_t b, uint64_t *failed, uint64_t *att)
{
	size_t s;
	int p;

	*failed = *att = 0;
	for (p = 0; p < 2; p++) {
		if (!(se->plats & (1 << p)))
			continue;
		for (s = 0; s < im->cat->n_services; s++) {
			const struct br_impact_cell *c =
				br_impact_cell(im, b, s, p);

			if (!se->svc[s])
				continue;
			if (se->what == BR_SER_ALL) {
				*failed += c->failed;
				*att += c->attempted;
			} else if (se->what == BR_SER_PUSH) {
				*failed += c->push_failed;
				*att += c->push_attempted;
			} else {
				*failed += c->failed - c->push_failed;
				*att += c->attempted - c->push_attempted;
			}
		}
	}
}

/*
 * The series that matter for one run: every target service (of the policy
 * and of the swap policies) that was attempted, iOS and Android pushes,
 * and all other actions.
 */
static size_t br_run_series(struct br_page *pg, const struct br_impact *run,
			    struct br_series *se)
{
	const struct br_catalog *cat = pg->cat;
	size_t n = 0, s, i, b, nc = 0;
	bool *tgt, *own;

	tgt = calloc(cat->n_services + 1, sizeof(*tgt));
	own = calloc(cat->n_services + 1, sizeof(*own));
	if (!tgt || !own) {
		free(tgt);
		free(own);
		return 0;
	}
	br_mark_targets(cat, run->pol, own);
	for (s = 0; s < cat->n_services; s++) {
		tgt[s] = own[s];
		for (i = 0; i < pg->scn->n_events; i++)
			tgt[s] |= pg->event_targets[i][s];
	}

	for (s = 0; s < cat->n_services && n < BR_MAX_SERIES - 3; s++) {
		if (!tgt[s])
			continue;
		se[n].svc = calloc(cat->n_services + 1, sizeof(bool));
		if (!se[n].svc)
			break;
		se[n].svc[s] = true;
		se[n].what = BR_SER_ALL;
		for (i = 0; !own[s] && i < pg->scn->n_events; i++)
			if (pg->event_targets[i][s])
				break;
		if (own[s])
			snprintf(se[n].label, sizeof(se[n].label),
				 "%s (target)", br_impact_service_name(cat, s));
		else
			snprintf(se[n].label, sizeof(se[n].label),
				 "%s (target of %.40s)",
				 br_impact_service_name(cat, s),
				 pg->event_names[i]);
		se[n].color = br_series_colors[nc++ % 5];
		se[n].dash = NULL;
		se[n].plats = 3;
		n++;
	}
	for (i = 0; i < 3 && n < BR_MAX_SERIES; i++) {
		se[n].svc = calloc(cat->n_services + 1, sizeof(bool));
		if (!se[n].svc)
			break;
		/* the pushes of every service; all else of the others */
		for (s = 0; s < cat->n_services; s++)
			se[n].svc[s] = i < 2 || !tgt[s];
		se[n].what = i < 2 ? BR_SER_PUSH : BR_SER_OTHER;
		snprintf(se[n].label, sizeof(se[n].label), "%s",
			 i == 0	  ? "iOS push notifications"
			 : i == 1 ? "Android push notifications"
				  : "all other actions");
		se[n].color = i == 0   ? BR_C_IOS
			      : i == 1 ? BR_C_ANDROID
				       : BR_C_OTHER;
		se[n].dash = i == 0 ? "9 4" : i == 1 ? "3 3" : "1 3";
		se[n].plats = i == 0 ? 1 : i == 1 ? 2 : 3;
		n++;
	}
	free(tgt);
	free(own);

	/* drop the series never attempted; the first drawn the widest, so
	 * lines on top of each other still show */
	for (i = 0; i < n;) {
		uint64_t fl, at, tot = 0;

		for (b = 0; b < run->n_buckets; b++) {
			br_series_at(run, &se[i], b, &fl, &at);
			tot += at;
		}
		if (tot) {
			i++;
			continue;
		}
		free(se[i].svc);
		memmove(&se[i], &se[i + 1], (n - i - 1) * sizeof(*se));
		n--;
	}
	for (i = 0; i < n; i++)
		se[i].width = 5.0 - 3.2 * i / (n > 1 ? n - 1 : 1);
	return n;
}

/* A tick step (s) that gives at most 8 ticks over dur seconds. */
static uint64_t br_time_step(uint64_t dur)
{
	static const uint64_t steps[] = {
		1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800,
		3600, 7200, 10800, 21600,
	};
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (dur / steps[i] <= 8)
			return steps[i];
	return dur / 8 + 1;
}

/* The scenario's swaps on a timeline panel: a dashed line, a label. */
static void br_timeline_swaps(struct br_page *pg, double lm, double plot_w,
			      double top, double y0, uint64_t dur)
{
	const struct br_scenario *scn = pg->scn;
	FILE *f = pg->f;
	char buf[32];
	size_t i;

	for (i = 0; i < scn->n_events; i++) {
		uint64_t at =
			scn->events[i].at_ns < dur ? scn->events[i].at_ns : dur;
		double x = lm + plot_w * (double)at / (double)dur;
		bool right = x > lm + plot_w * 0.7;

		br_time_str(buf, sizeof(buf),
			    scn->events[i].at_ns / 1000000000ull);
		fprintf(f, "<g class=\"swap\"><title>");
		br_h_escf(f, "at %s the scenario puts %s (%s) in force", buf,
			  pg->event_names[i], scn->events[i].policy);
		fprintf(f,
			"</title><line x1=\"%.1f\" y1=\"%.1f\" "
			"x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"%s\">",
			x, top - 16, x, y0, x + (right ? -5 : 5), top - 6,
			right ? "end" : "start");
		br_h_escf(f, "swap at %s \xe2\x86\x92 ", buf);
		br_h_esc_cut(f, pg->event_names[i], 40);
		fputs("</text></g>\n", f);
	}
}

static void br_timeline(struct br_page *pg)
{
	const double lm = 80, rm = 30, ph = 300, plot_h = 170;
	const double plot_w = BR_W - lm - rm;
	FILE *f = pg->f;
	const struct br_scenario *scn = pg->scn;
	struct br_series se[BR_MAX_SERIES];
	uint64_t dur = scn->duration_ns ? scn->duration_ns : 1, step, t;
	size_t r, i, b, ns;
	double h = ph * pg->n + 10;
	char buf[32];

	fprintf(f,
		"<svg id=\"timeline\" class=\"chart\" "
		"xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %.0f %.0f\" "
		"width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		"aria-labelledby=\"timeline-title\">\n"
		"<title id=\"timeline-title\">Failure rate over the run by the "
		"time an action started, per policy, with the scenario's "
		"swaps</title>\n",
		BR_W, h, BR_W, h);
	for (r = 0; r < pg->n; r++) {
		const struct br_impact *run = &pg->runs[r];
		double py = ph * r, top = py + 72, y0 = top + plot_h, lx;

		fprintf(f,
			"<g class=\"panel\"><text class=\"panel-title\" "
			"x=\"%.1f\" y=\"%.1f\">",
			lm - 60, py + 20);
		br_h_esc_cut(f, run->name, 50);
		fputs("<tspan class=\"panel-sub\" dx=\"10\">", f);
		br_h_escf(f, "in force from 0:00%s",
			  scn->n_events ? ", then the swaps marked" : "");
		fputs("</tspan></text>\n", f);
		if (!run->n_buckets || !run->bucket_ns) {
			fprintf(f,
				"<text class=\"empty\" x=\"%.1f\" y=\"%.1f\">"
				"No timeline recorded.</text></g>\n",
				lm, top + 20);
			continue;
		}
		ns = br_run_series(pg, run, se);

		/* legend: a sample of each line and its label */
		lx = lm;
		for (i = 0; i < ns; i++) {
			fprintf(f,
				"<g class=\"legend\"><line x1=\"%.1f\" "
				"y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"%s\" stroke-width=\"3\"%s%s%s/>"
				"<text x=\"%.1f\" y=\"%.1f\">",
				lx, py + 40, lx + 26, py + 40, se[i].color,
				se[i].dash ? " stroke-dasharray=\"" : "",
				se[i].dash ? se[i].dash : "",
				se[i].dash ? "\"" : "", lx + 31, py + 44);
			br_h_esc(f, se[i].label);
			fputs("</text></g>\n", f);
			lx += 46 + 7.0 * strlen(se[i].label);
		}

		br_y_axis(f, lm, lm + plot_w, top, plot_h, "failed");
		/* x axis: time since the start */
		step = br_time_step(dur / 1000000000ull);
		for (t = 0; t * 1000000000ull <= dur; t += step) {
			double x = lm + plot_w * (double)t * 1e9 / (double)dur;

			br_time_str(buf, sizeof(buf), t);
			fprintf(f,
				"<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
				"x2=\"%.1f\" y2=\"%.1f\"/>"
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">%s</text>\n",
				x, y0, x, y0 + 5, x, y0 + 18, buf);
		}
		fprintf(f,
			"<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
			"x2=\"%.1f\" y2=\"%.1f\"/>\n"
			"<text class=\"axis-label\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\">time since the start "
			"(min:s), by when an action started</text>\n",
			lm, y0, lm + plot_w, y0, lm + plot_w / 2, y0 + 38);

		br_timeline_swaps(pg, lm, plot_w, top, y0, dur);

		/* the lines: a step per bucket, a gap where none started */
		for (i = 0; i < ns; i++) {
			bool open = false;

			fprintf(f,
				"<path class=\"series\" fill=\"none\" "
				"stroke=\"%s\" stroke-width=\"%.1f\" "
				"stroke-linejoin=\"round\"%s%s%s d=\"",
				se[i].color, se[i].width,
				se[i].dash ? " stroke-dasharray=\"" : "",
				se[i].dash ? se[i].dash : "",
				se[i].dash ? "\"" : "");
			for (b = 0; b < run->n_buckets; b++) {
				uint64_t fl, at;
				double x0, x1, y;
				uint64_t e = (b + 1) * run->bucket_ns;

				br_series_at(run, &se[i], b, &fl, &at);
				if (!at) {
					open = false;
					continue;
				}
				x0 = lm + plot_w *
						  (double)(b * run->bucket_ns) /
						  (double)dur;
				x1 = lm + plot_w *
						  (double)(e < dur ? e : dur) /
						  (double)dur;
				y = y0 - plot_h * br_pct(fl, at) / 100.0;
				if (open)
					fprintf(f, "V%.1f H%.1f ", y, x1);
				else
					fprintf(f, "M%.1f %.1f H%.1f ", x0, y,
						x1);
				open = true;
			}
			fputs("\"><title>", f);
			br_h_escf(f, "%s: failed %% per %.0f s",
				  se[i].label, run->bucket_ns / 1e9);
			fputs("</title></path>\n", f);
		}
		for (i = 0; i < ns; i++)
			free(se[i].svc);
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
}

/* ---- the rest of the page ------------------------------------------------ */

static const char br_css[] =
	"body{margin:0;background:#f6f7f9;color:#1d2330;"
	"font:15px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',"
	"sans-serif}\n"
	"main{max-width:1100px;margin:0 auto;padding:24px 28px 40px}\n"
	"h1{font-size:26px;margin:0 0 4px}\n"
	"h2{font-size:19px;margin:34px 0 10px;padding-bottom:4px;"
	"border-bottom:2px solid #d9dde5}\n"
	"h3{font-size:16px;margin:0 0 6px}\n"
	".sub{color:#555e6e;margin:0 0 16px}\n"
	"code{font:13px 'DejaVu Sans Mono',monospace;background:#eceef2;"
	"padding:1px 4px;border-radius:3px}\n"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;"
	"gap:3px 18px;margin:0}\n"
	"dl.facts dt{color:#555e6e}\n"
	"dl.facts dd{margin:0}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,"
	"minmax(300px,1fr));gap:14px}\n"
	".card{background:#ffffff;border:1px solid #d9dde5;border-radius:8px;"
	"padding:14px 16px}\n"
	".card .desc{color:#555e6e;font-size:14px;margin:0 0 8px}\n"
	".figures{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}\n"
	".fig{flex:1 1 90px;background:#f2f4f7;border-radius:6px;"
	"padding:6px 8px}\n"
	".fig b{display:block;font-size:21px}\n"
	".fig span{font-size:12px;color:#555e6e}\n"
	".headline{font-size:14px;border-left:4px solid #D55E00;"
	"padding-left:8px;margin:8px 0 0}\n"
	".chart-box{background:#ffffff;border:1px solid #d9dde5;"
	"border-radius:8px;padding:10px;overflow-x:auto}\n"
	"svg.chart{display:block;max-width:100%;height:auto;"
	"font-family:system-ui,'DejaVu Sans',sans-serif;font-size:12px}\n"
	"svg .grid{stroke:#e3e6eb;stroke-width:1}\n"
	"svg .axis{stroke:#5b6370;stroke-width:1}\n"
	"svg .tick{fill:#3b4250;font-size:12px}\n"
	"svg .axis-label{fill:#3b4250;font-size:12px;font-style:italic}\n"
	"svg .col-head{font-weight:600;font-size:13px;fill:#1d2330}\n"
	"svg .col-sub{font-size:11px;fill:#555e6e}\n"
	"svg .row-head{font-size:13px;fill:#1d2330}\n"
	"svg .cell-pct{font-size:13px;font-weight:600}\n"
	"svg .cell-deg{font-size:10px}\n"
	"svg .target-mark{fill:none;stroke:#1d2330;stroke-width:2.5}\n"
	"svg .panel-title{font-weight:600;font-size:14px;fill:#1d2330}\n"
	"svg .panel-sub{font-weight:400;font-size:12px;fill:#555e6e}\n"
	"svg .bar-label{font-size:11px;fill:#1d2330}\n"
	"svg .na{font-size:10px;fill:#8a93a3}\n"
	"svg .legend text{font-size:12px;fill:#1d2330}\n"
	"svg .swap line{stroke:#1d2330;stroke-width:1.5;"
	"stroke-dasharray:5 4}\n"
	"svg .swap text{font-size:12px;font-weight:600;fill:#1d2330;"
	"paint-order:stroke;stroke:#ffffff;stroke-width:4px}\n"
	"svg .deg-bar{fill:#0072B2;stroke:#ffffff;stroke-width:0.8}\n"
	"svg .bar-late{font-size:10px;fill:#3b4250}\n"
	"svg .empty{fill:#555e6e;font-style:italic}\n"
	"svg .caption{font-size:12px;fill:#3b4250}\n"
	".note{font-size:13px;color:#555e6e;margin:6px 0 0}\n"
	"details{background:#ffffff;border:1px solid #d9dde5;"
	"border-radius:8px;padding:8px 14px;margin:0 0 12px}\n"
	"summary{font-weight:600;cursor:pointer}\n"
	"table{border-collapse:collapse;margin:10px 0;font-size:13px;"
	"font-variant-numeric:tabular-nums}\n"
	"th,td{padding:3px 10px;text-align:left;border-bottom:1px solid "
	"#eceef2}\n"
	"th{background:#f2f4f7;font-weight:600}\n"
	"td.n,th.n{text-align:right}\n"
	"tr.target td{font-weight:600}\n"
	"td.bad{color:#b3001b}\n"
	"footer{color:#555e6e;font-size:12px;margin-top:30px}\n";

/* Who the censor sees (policies/scenarios/README.md): the reach facts. */
static void br_reach_html(struct br_page *pg)
{
	const struct br_scenario *scn = pg->scn;
	FILE *f = pg->f;
	size_t i;

	fprintf(f,
		"<dt>censor sees</dt><dd>%.0f%% of Wi-Fi and %.0f%% of "
		"cellular devices; %.0f%% of users on a VPN for everything",
		scn->coverage[0] * 100, scn->coverage[1] * 100,
		scn->vpn_share * 100);
	for (i = 0; i < scn->n_operators; i++)
		br_h_escf(f, "; operator %s: %.0f%% of %s, %.0f%% seen",
			  scn->operators[i].name,
			  scn->operators[i].share * 100,
			  scn->operators[i].access ? "cellular" : "Wi-Fi",
			  scn->operators[i].coverage * 100);
	for (i = 0; i < scn->n_vpns; i++)
		br_h_escf(f, "; a VPN for %s: %.0f%%",
			  br_impact_service_name(pg->cat,
						 scn->vpns[i].service),
			  scn->vpns[i].share * 100);
	for (i = 0; i < scn->n_proxies; i++)
		br_h_escf(f, "; a proxy for %s: %.0f%%",
			  br_impact_service_name(pg->cat,
						 scn->proxies[i].service),
			  scn->proxies[i].share * 100);
	fputs("</dd>\n", f);
}

static void br_scenario_html(struct br_page *pg, uint64_t seed)
{
	const struct br_scenario *scn = pg->scn;
	FILE *f = pg->f;
	char buf[32];
	size_t i;

	fputs("<section id=\"scenario\">\n<h2>Scenario</h2>\n", f);
	if (scn->description) {
		fputs("<p class=\"sub\">", f);
		br_h_esc(f, scn->description);
		fputs("</p>\n", f);
	}
	fputs("<dl class=\"facts\">\n<dt>scenario</dt><dd>", f);
	br_h_esc(f, scn->name);
	fputs(" <code>", f);
	br_h_esc(f, scn->file);
	fputs("</code></dd>\n", f);
	br_time_str(buf, sizeof(buf), scn->duration_ns / 1000000000ull);
	fprintf(f,
		"<dt>population</dt><dd>%u devices: %.0f%% iOS, %.0f%% "
		"Android; %.0f%% with IPv6; %.0f%% on cellular, the rest on "
		"Wi-Fi</dd>\n"
		"<dt>duration</dt><dd>%s (min:s)</dd>\n"
		"<dt>seed</dt><dd>%llu (the same seed, the same devices and "
		"arrivals in every run)</dd>\n"
		"<dt>censor's tables</dt><dd>%u flows, %u hellos being "
		"read</dd>\n<dt>apps</dt><dd>",
		scn->devices, scn->ios_share * 100,
		(1 - scn->ios_share) * 100, scn->ipv6_share * 100,
		scn->cellular_share * 100, buf, (unsigned long long)seed,
		br_scn_flow_table(scn), br_scn_hello_table(scn));
	for (i = 0; i < scn->n_apps; i++) {
		if (i)
			fputs(", ", f);
		br_h_escf(f, "%s %.0f%%",
			  br_impact_service_name(pg->cat, scn->apps[i].service),
			  scn->apps[i].share * 100);
	}
	fputs("</dd>\n", f);
	br_reach_html(pg);
	fputs("<dt>swaps</dt><dd>", f);
	if (!scn->n_events)
		fputs("none: each policy stays in force for the whole run", f);
	for (i = 0; i < scn->n_events; i++) {
		br_time_str(buf, sizeof(buf),
			    scn->events[i].at_ns / 1000000000ull);
		br_h_escf(f, "%sat %s: ", i ? "; " : "", buf);
		fputs("<b>", f);
		br_h_esc(f, pg->event_names[i]);
		fputs("</b> <code>", f);
		br_h_esc(f, scn->events[i].policy);
		fputs("</code>", f);
	}
	fprintf(f, "</dd>\n<dt>policies</dt><dd>%zu compared</dd>\n</dl>\n"
		   "</section>\n",
		pg->n);
}

/* Lost and attempted pushes of im on platform p. */
static void br_push_total(const struct br_impact *im, enum br_platform p,
			  uint64_t *lost, uint64_t *att)
{
	size_t k;

	*lost = *att = 0;
	for (k = 0; k < im->n_push; k++)
		if (im->push[k].platform == p) {
			*lost += im->push[k].lost;
			*att += im->push[k].attempted;
		}
}

static void br_fig(FILE *f, const char *value, const char *label,
		   const char *title)
{
	fputs("<div class=\"fig\" title=\"", f);
	br_h_esc(f, title);
	fputs("\"><b>", f);
	br_h_esc(f, value);
	fputs("</b><span>", f);
	br_h_esc(f, label);
	fputs("</span></div>\n", f);
}

static void br_headlines(struct br_page *pg)
{
	FILE *f = pg->f;
	size_t r, t;

	fputs("<section id=\"headlines\">\n<h2>Headlines</h2>\n"
	      "<div class=\"cards\">\n",
	      f);
	for (r = 0; r < pg->n; r++) {
		const struct br_impact *run = &pg->runs[r], *im = run;
		uint64_t lost, att;
		char v[32], ttl[160];

		fprintf(f, "<article class=\"card\" id=\"policy-%zu\">\n<h3>",
			r + 1);
		br_h_esc(f, run->name);
		fputs("</h3>\n<p class=\"desc\">", f);
		if (run->file && run->file[0]) {
			fputs("<code>", f);
			br_h_esc(f, run->file);
			fputs("</code> ", f);
		}
		if (run->pol && run->pol->description)
			br_h_esc(f, run->pol->description);
		else if (!run->pol)
			fputs("the baseline: no policy", f);
		if (run->pol) {
			fputs("<br/>target: ", f);
			for (t = 0; t < run->pol->n_targets; t++) {
				if (t)
					fputs(", ", f);
				br_h_esc(f, run->pol->targets[t]);
			}
			if (!run->pol->n_targets)
				fputs("none declared", f);
		}
		fputs("</p>\n<div class=\"figures\">\n", f);
		if (!run->pol || !im->target_attempted)
			snprintf(v, sizeof(v), "\xe2\x80\x93");
		else
			br_pct_str(v, sizeof(v), im->target_failed,
				   im->target_attempted);
		snprintf(ttl, sizeof(ttl), "%llu of %llu target actions failed",
			 (unsigned long long)im->target_failed,
			 (unsigned long long)im->target_attempted);
		br_fig(f, v, "efficacy: targets failed", ttl);
		br_pct_str(v, sizeof(v), im->other_failed, im->other_attempted);
		snprintf(ttl, sizeof(ttl),
			 "%llu of %llu other actions failed",
			 (unsigned long long)im->other_failed,
			 (unsigned long long)im->other_attempted);
		br_fig(f, v, "collateral failed", ttl);
		br_pct_str(v, sizeof(v), im->other_degraded,
			   im->other_attempted);
		snprintf(ttl, sizeof(ttl),
			 "%llu of %llu other actions degraded",
			 (unsigned long long)im->other_degraded,
			 (unsigned long long)im->other_attempted);
		br_fig(f, v, "collateral degraded", ttl);
		br_push_total(im, BR_PLAT_IOS, &lost, &att);
		br_pct_str(v, sizeof(v), lost, att);
		snprintf(ttl, sizeof(ttl), "%llu of %llu iOS pushes lost",
			 (unsigned long long)lost, (unsigned long long)att);
		br_fig(f, att ? v : "\xe2\x80\x93", "iOS pushes lost", ttl);
		br_push_total(im, BR_PLAT_ANDROID, &lost, &att);
		br_pct_str(v, sizeof(v), lost, att);
		snprintf(ttl, sizeof(ttl), "%llu of %llu Android pushes lost",
			 (unsigned long long)lost, (unsigned long long)att);
		br_fig(f, att ? v : "\xe2\x80\x93", "Android pushes lost", ttl);
		fputs("</div>\n<p class=\"headline\">", f);
		br_h_esc(f, im->headline);
		fprintf(f,
			"</p>\n<p class=\"note\">%llu packets through the "
			"program; %llu swap%s</p>\n</article>\n",
			(unsigned long long)run->packets,
			(unsigned long long)run->swaps,
			run->swaps == 1 ? "" : "s");
	}
	fputs("</div>\n</section>\n", f);
}

static void br_tables(struct br_page *pg)
{
	const struct br_catalog *cat = pg->cat;
	FILE *f = pg->f;
	size_t r, k;

	fputs("<section id=\"tables\">\n<h2>Per action</h2>\n"
	      "<p class=\"note\">Action instances, one outcome each: ok "
	      "(in time, first path), fallback (in time, by another path: "
	      "invisible to the user), late (after the action's deadline, or "
	      "below the goodput its flow needs), failed; rows in bold: a "
	      "target of the policy.</p>\n",
	      f);
	for (r = 0; r < pg->n; r++) {
		const struct br_impact *run = &pg->runs[r], *im = run;

		fputs("<details open=\"open\"><summary>", f);
		br_h_esc(f, run->name);
		fprintf(f,
			"</summary>\n<table class=\"actions\">\n<thead><tr>"
			"<th>service</th><th>platform</th><th>action</th>"
			"<th class=\"n\">attempted</th>"
			"<th class=\"n\">ok</th>"
			"<th class=\"n\">fallback</th>"
			"<th class=\"n\">late</th>"
			"<th class=\"n\">failed</th>"
			"<th class=\"n\">failed %%</th></tr></thead>\n"
			"<tbody>\n");
		for (k = 0; k < im->n_actions; k++) {
			const struct br_impact_action *a = &im->actions[k];
			const struct br_cat_service *svc =
				&cat->services[a->service];
			char pct[16];

			if (!a->o.attempted)
				continue;
			br_pct_str(pct, sizeof(pct), a->o.failed,
				   a->o.attempted);
			fprintf(f, "<tr%s><td>",
				a->target ? " class=\"target\"" : "");
			br_h_esc(f, svc->id);
			fprintf(f, "</td><td>%s</td><td>",
				br_impact_plat_label(a->platform));
			br_h_esc(f, svc->actions[a->action].name);
			fprintf(f,
				"</td><td class=\"n\">%llu</td>"
				"<td class=\"n\">%llu</td>"
				"<td class=\"n\">%llu</td>"
				"<td class=\"n\">%llu</td>"
				"<td class=\"n\">%llu</td>"
				"<td class=\"n%s\">%s</td></tr>\n",
				(unsigned long long)a->o.attempted,
				(unsigned long long)a->o.ok,
				(unsigned long long)a->o.fallback,
				(unsigned long long)a->o.late,
				(unsigned long long)a->o.failed,
				a->o.failed ? " bad" : "", pct);
		}
		fputs("</tbody>\n</table>\n", f);
		if (im->n_push) {
			fputs("<table class=\"push\">\n<thead><tr>"
			      "<th>app class</th><th>platform</th>"
			      "<th class=\"n\">pushes</th>"
			      "<th class=\"n\">lost</th>"
			      "<th class=\"n\">late</th>"
			      "<th class=\"n\">lost %</th></tr></thead>\n"
			      "<tbody>\n",
			      f);
			for (k = 0; k < im->n_push; k++) {
				const struct br_impact_push *x = &im->push[k];
				char pct[16];

				br_pct_str(pct, sizeof(pct), x->lost,
					   x->attempted);
				fputs("<tr><td>", f);
				br_h_esc(f,
					 br_impact_class_name(cat, x->service));
				fprintf(f,
					"</td><td>%s</td>"
					"<td class=\"n\">%llu</td>"
					"<td class=\"n\">%llu</td>"
					"<td class=\"n\">%llu</td>"
					"<td class=\"n%s\">%s</td></tr>\n",
					br_impact_plat_label(x->platform),
					(unsigned long long)x->attempted,
					(unsigned long long)x->lost,
					(unsigned long long)x->degraded,
					x->lost ? " bad" : "", pct);
			}
			fputs("</tbody>\n</table>\n", f);
		}
		fputs("</details>\n", f);
	}
	fputs("</section>\n", f);
}

static int br_html_write(FILE *f, const struct br_result *res)
{
	const struct br_scenario *scn = res->scn;
	const struct br_impact *runs = res->runs;
	uint64_t seed = res->seed;
	size_t n = res->n_runs;
	struct br_page pg = {
		.f = f,
		.res = res,
		.cat = res->cat,
		.scn = scn,
		.runs = runs,
		.n = n,
	};
	size_t r;
	int err;

	err = br_page_events(&pg);
	if (err) {
		br_page_free(&pg);
		return err;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\"/>\n"
	      "<meta name=\"generator\" content=\"blastradius simulate\"/>\n"
	      "<title>",
	      f);
	br_h_escf(f, "blastradius what-if: %s", scn->name);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n"
		   "<header>\n<h1>",
		br_css);
	br_h_escf(f, "What-if: %zu polic%s on scenario %s", n,
		  n == 1 ? "y" : "ies", scn->name);
	fputs("</h1>\n<p class=\"sub\">", f);
	for (r = 0; r < n; r++) {
		if (r)
			fputs(" \xc2\xb7 ", f); /* · */
		fputs("<b>", f);
		br_h_esc(f, runs[r].name);
		fputs("</b>", f);
	}
	br_h_escf(f,
		  " \xe2\x80\x94 each through the same population in a "
		  "private instance of the XDP program; what failed is what "
		  "the devices saw, from the kernel's verdicts.");
	fputs("</p>\n</header>\n", f);

	br_scenario_html(&pg, seed);
	br_headlines(&pg);

	fputs("<section id=\"chart-heatmap\">\n<h2>Failure rate per service"
	      "</h2>\n<div class=\"chart-box\">\n",
	      f);
	br_heatmap(&pg);
	fputs("</div>\n<p class=\"note\">Share of each row's action "
	      "instances that failed under each policy: the cell's color "
	      "and figure. A row is a service over both platforms, or on "
	      "the one it names: a service gets a row per platform where "
	      "its iOS and Android figures differ (as banking's pushes "
	      "through APNs and FCM), so that neither hides the other. "
	      "The share that succeeded only degraded: the blue strip at "
	      "the cell's foot, and its figure under the first. Outlined "
	      "with \xe2\x97\x8e: a service the policy targets; "
	      "everything else is collateral.</p>\n</section>\n",
	      f);

	fputs("<section id=\"chart-push\">\n<h2>Push notifications lost per "
	      "app class</h2>\n<div class=\"chart-box\">\n",
	      f);
	br_push_chart(&pg);
	fputs("</div>\n<p class=\"note\">Per app class, the share of its push "
	      "notifications that never arrived, on iOS (through APNs) and "
	      "on Android (through FCM); hatched on top: the share that "
	      "arrived late (through a fallback, or slowly). n/a: the class "
	      "has no pushes on that platform.</p>\n</section>\n",
	      f);

	fputs("<section id=\"chart-timeline\">\n<h2>Over time</h2>\n"
	      "<div class=\"chart-box\">\n",
	      f);
	br_timeline(&pg);
	fputs("</div>\n<p class=\"note\">Failure rate per time bucket of the "
	      "actions that started in it: the targeted services (of the "
	      "policy and of the scenario's swap policies), push "
	      "notifications per platform, and every other action. Dashed "
	      "vertical lines: the scenario's swaps.</p>\n</section>\n",
	      f);

	br_tables(&pg);
	fprintf(f,
		"<footer>Generated by <code>blastradius simulate --html</code>"
		", seed %llu. The same seed and policies give the same "
		"page.</footer>\n</main>\n</body>\n</html>\n",
		(unsigned long long)seed);
	br_page_free(&pg);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

const struct br_report_format br_report_html = {
	.name = "html",
	.write = br_html_write,
};

void br_html_esc(FILE *f, const char *s)
{
	br_h_esc(f, s);
}

const char *br_html_css(void)
{
	return br_css;
}
