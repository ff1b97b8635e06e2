#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_report.sh - blastradius simulate --html: the what-if as one
# self-contained page, as the issue asks:
#   - written next to the normal output, its path on stderr (not with -q),
#     an error and exit 1 when it cannot be written;
#   - valid UTF-8, well-formed (an HTML parser with balanced tags, and an
#     XML parser), self-contained (no script, nothing fetched), the same
#     bytes for the same seed;
#   - the three charts (svg#heatmap, svg#push-loss, svg#timeline), each with
#     a title, axis labels and content, agreeing with simulate --json: a
#     heatmap cell per service and policy with its failed and attempted, a
#     bar per app class and platform with its lost and attempted, the
#     timeline's lines and a marker per swap named after its policy;
#   - a heatmap row per service, or one per platform where its platforms
#     differ (tests/e2e/matrix_rows.py), each labelled with its platform,
#     a caption saying what a cell counts, and column heads that wrap
#     long policy names whole: each head's lines make up the name, and in
#     Chromium's layout every head stays inside its column and above the
#     rows, none overlapping another;
#   - each policy's name and headline;
#   - names, descriptions and paths escaped and made valid UTF-8;
#   - headless Chromium loads it with every chart element in its DOM, and
#     its screenshot is not blank: the heatmap's and the push bars' colors
#     are on it.
#
# usage: tests/e2e/test_report.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brreport$$.XXXXXX")
cleanup() {
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMALL=$E2E/scenarios/small.scenario
SWAP=$E2E/scenarios/swap.scenario
P1=policies/examples/imessage-apns-sni.policy
P2=$E2E/policies/facetime-media-real.policy
P3=$E2E/policies/apns-sni-5223.policy
CHROMIUM=$(command -v chromium || command -v chromium-browser)

# ---- the checker: one "PASS name" or "FAIL name: why" a line ---------------

cat >"$TMP/check.py" <<'EOF'
# check.py PAGE JSON [SWAP_NAME...]: the page against simulate --json
import json, re, sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser

sys.path.insert(0, "tests/e2e")
import matrix_rows

page_path, json_path, swaps = sys.argv[1], sys.argv[2], sys.argv[3:]
res = json.load(open(json_path))
runs = res["policies"]


def check(name, ok, why=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))


raw = open(page_path, "rb").read()
try:
    text = raw.decode("utf-8")
    check("the page is valid UTF-8", True)
except UnicodeDecodeError as e:
    check("the page is valid UTF-8", False, str(e))
    text = raw.decode("utf-8", "replace")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


class Balance(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags = [], [], set()
        self.external = []

    def attrs_ok(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            v = v or ""
            if k in ("src", "href", "xlink:href", "action", "srcset") and \
                    not v.startswith("#"):
                self.external.append("%s %s=%s" % (tag, k, v))
            if "url(" in v and not re.fullmatch(r"url\(#[\w-]+\)", v):
                self.external.append("%s %s=%s" % (tag, k, v))

    def handle_starttag(self, tag, attrs):
        self.attrs_ok(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.attrs_ok(tag, attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("</%s> at %s, open: %s" % (
                tag, self.getpos(), self.stack[-1] if self.stack else None))
            return
        self.stack.pop()


b = Balance()
b.feed(text)
b.close()
check("HTML: every element closed in order", not b.errors and not b.stack,
      "; ".join(b.errors[:3]) or "left open: %s" % b.stack[:3])
check("self-contained: no script, no link, no image, no frame",
      not b.tags & {"script", "link", "img", "iframe", "object", "embed"},
      str(b.tags & {"script", "link", "img", "iframe", "object", "embed"}))
css = " ".join(re.findall(r"<style>(.*?)</style>", text, re.S))
ext = b.external + re.findall(r"url\((?!#)[^)]*\)|@import", css)
check("self-contained: nothing to fetch", not ext, "; ".join(ext[:3]))
check("HTML5 doctype and charset",
      text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8"/>' in text)

try:
    root = ET.fromstring(raw)
    check("XML: well-formed", True)
except ET.ParseError as e:
    check("XML: well-formed", False, str(e))
    sys.exit(0)


def local(el):
    return el.tag.rsplit("}", 1)[-1]


def cls(el):
    return (el.get("class") or "").split()


def alltext(el):
    return "".join(el.itertext())


def find_id(i):
    for el in root.iter():
        if el.get("id") == i:
            return el
    return None


charts = {}
for cid in ("heatmap", "push-loss", "timeline"):
    svg = find_id(cid)
    charts[cid] = svg
    if svg is None or local(svg) != "svg":
        check("svg#%s is there" % cid, False, "no svg with that id")
        continue
    kinds = {}
    for el in svg.iter():
        kinds[local(el)] = kinds.get(local(el), 0) + 1
    title = [alltext(t) for t in svg if local(t) == "title"]
    check("svg#%s: a title" % cid, title and title[0].strip(), str(title))
    labels = [alltext(t) for t in svg.iter()
              if local(t) == "text" and "axis-label" in cls(t)]
    check("svg#%s: axis labels" % cid, labels and all(labels), str(labels))
    shapes = kinds.get("rect", 0) + kinds.get("path", 0)
    check("svg#%s: shapes and text (%d shapes, %d texts)" %
          (cid, shapes, kinds.get("text", 0)),
          shapes >= 4 and kinds.get("text", 0) >= 8, str(kinds))

# the heatmap: a row per service attempted under any policy, or one per
# platform where its platforms differ (matrix_rows.py, from --json); a cell
# per row and policy, its tooltip "ROW under POLICY: F of A failed"
mrows = matrix_rows.rows(runs)
want = {}
for r in range(len(runs)):
    for sv, p in mrows:
        a, f, d = matrix_rows.cell(runs, r, sv, p)
        if a:
            want.setdefault(r, []).append((f, a))
hm = charts["heatmap"]
if hm is not None:
    cells = [g for g in hm.iter() if local(g) == "g" and "cell" in cls(g)]
    check("heatmap: a cell per row and policy (%d x %d)" %
          (len(mrows), len(runs)), len(cells) == len(mrows) * len(runs),
          "%d cells" % len(cells))
    got = {}
    for g in cells:
        t = [alltext(x) for x in g if local(x) == "title"][0]
        m = re.search(r" under (.*): (\d+) of (\d+) failed", t)
        if m:
            got.setdefault(m.group(1), []).append(
                (int(m.group(2)), int(m.group(3))))
    bad = []
    for r, run in enumerate(runs):
        if sorted(got.get(run["name"], [])) != sorted(want.get(r, [])):
            bad.append(run["name"])
    check("heatmap: failed and attempted per cell as in --json", not bad,
          "differ for %s" % bad)
    heads = [alltext(t) for t in hm.iter() if "row-head" in cls(t)]
    suffix = {"ios": " (iOS)", "android": " (Android)", "both": ""}
    bad = [(h, p) for h, (sv, p) in zip(heads, mrows)
           if not h.endswith(suffix[p]) or (p == "both" and
                                            h.endswith(")"))]
    check("heatmap: a row per service, per platform where they differ, "
          "its label naming its platform (%d rows)" % len(mrows),
          len(heads) == len(mrows) and not bad, "%s; %s" % (heads, bad))
    check("heatmap: a caption says what a cell counts",
          any("failed share of the row's action instances" in alltext(t)
              for t in hm.iter() if "caption" in cls(t)))
    # column heads: wrapped, never cut, centred on their column, above
    # the first row
    rect = [[x for x in g if local(x) == "rect"][0] for g in cells]
    col_x = [float(x.get("x")) + float(x.get("width")) / 2
             for x in rect[:len(runs)]]
    grid_top = min(float(x.get("y")) for x in rect) if rect else 0
    heads = [t for t in hm.iter() if "col-head" in cls(t)]
    subs = [t for t in hm.iter() if "col-sub" in cls(t)]
    bad = []
    for r, run in enumerate(runs):
        for kind, el in (("name", heads[r:r + 1]), ("targets", subs[r:r + 1])):
            spans = [x for x in (el[0] if el else []) if local(x) == "tspan"]
            lines = [alltext(x) for x in spans]
            if kind == "name" and "".join(lines) != run["name"]:
                bad.append("%s: lines %s" % (run["name"], lines))
            if kind == "targets" and run["targets"] and not all(
                    t in "".join(lines) for t in run["targets"]):
                bad.append("%s: targets %s" % (run["name"], lines))
            for x in spans:
                if abs(float(x.get("x")) - col_x[r]) > 0.1 or \
                        float(x.get("y")) + 4 > grid_top:
                    bad.append("%s: %s at %s,%s" % (run["name"], lines,
                                                    x.get("x"), x.get("y")))
    check("heatmap: each column head whole (its lines make up the name), "
          "centred on its column, above the rows", not bad, bad[:3])
    targets = [g for g in cells if "target" in cls(g)]
    n_tgt = sum(1 for r, run in enumerate(runs) for sv, p in mrows
                if sv in run["targets"] and
                matrix_rows.cell(runs, r, sv, p)[0])
    check("heatmap: the targets marked (%d)" % n_tgt,
          len(targets) == n_tgt, "%d marked" % len(targets))

# push loss: a bar per app class and platform with pushes, per policy
pl = charts["push-loss"]
if pl is not None:
    bars = [g for g in pl.iter() if local(g) == "g" and "bar" in cls(g)]
    want = sorted((p["attempted"], p["lost"]) for run in runs
                  for p in run["push"] if p["attempted"])
    got = []
    for g in bars:
        t = [alltext(x) for x in g if local(x) == "title"][0]
        m = re.search(r": (\d+) of (\d+) lost", t)
        if m:
            got.append((int(m.group(2)), int(m.group(1))))
    check("push-loss: a bar per app class, platform and policy (%d)" %
          len(want), len(bars) == len(want), "%d bars" % len(bars))
    check("push-loss: lost and attempted per bar as in --json",
          sorted(got) == want, "got %s" % sorted(got)[:4])
    nplat = {c for g in bars for c in cls(g)} & {"ios", "android"}
    check("push-loss: iOS and Android bars", nplat == {"ios", "android"},
          str(nplat))

# the timeline: a panel per policy, lines, a marker per swap
tl = charts["timeline"]
if tl is not None:
    panels = [g for g in tl if local(g) == "g" and "panel" in cls(g)]
    check("timeline: a panel per policy", len(panels) == len(runs),
          "%d panels" % len(panels))
    lines = [p for p in tl.iter() if local(p) == "path" and
             "series" in cls(p) and re.match(r"M[\d.]+ [\d.]+ H",
                                             p.get("d") or "")]
    check("timeline: lines drawn (%d)" % len(lines),
          len(lines) >= 2 * len(runs))
    marks = [g for g in tl.iter() if local(g) == "g" and "swap" in cls(g)]
    check("timeline: a swap marker per swap and policy (%d)" %
          (len(swaps) * len(runs)), len(marks) == len(swaps) * len(runs),
          "%d markers" % len(marks))
    for name in swaps:
        check("timeline: the swap marker names %s" % name,
              marks and all(any(name in alltext(t) for t in g
                                if local(t) == "text") for g in marks),
              str([alltext(g) for g in marks][:2]))
        check("scenario summary names the swap to %s" % name,
              name in alltext(find_id("scenario")))

# the headlines: each policy's name and headline, as --json has them
cards = [a for a in root.iter() if local(a) == "article"]
check("a headline card per policy", len(cards) == len(runs),
      "%d cards" % len(cards))
for run, card in zip(runs, cards):
    h3 = [alltext(x) for x in card.iter() if local(x) == "h3"]
    hl = [alltext(x) for x in card.iter() if "headline" in cls(x)]
    check("card names %s" % run["name"], h3 == [run["name"]], str(h3))
    check("card of %s has its headline" % run["name"],
          hl == [run["headline"]], "%s != %s" % (hl, run["headline"]))
    figs = [alltext(x) for x in card.iter() if "fig" in cls(x)]
    check("card of %s has efficacy and collateral figures" % run["name"],
          any("efficacy" in f for f in figs) and
          any("collateral failed" in f for f in figs), str(figs))

# the tables: a row per attempted action, per policy
rows = [t for t in root.iter() if local(t) == "table" and
        "actions" in cls(t)]
want = [sum(1 for s in run["services"] if s["attempted"]) for run in runs]
got = [sum(1 for tr in t.iter() if local(tr) == "tr") - 1 for t in rows]
check("a table per policy, a row per attempted action", got == want,
      "%s != %s" % (got, want))
EOF

cat >"$TMP/png.py" <<'EOF'
# png.py SHOT.png: is the screenshot a rendered page with the charts' colors?
import struct, sys, zlib


def decode(path):
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(d):
        n, t = struct.unpack(">I4s", d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if t == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif t == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6), "depth %d type %d" % (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        o = y * (stride + 1)
        ft, cur = raw[o], bytearray(raw[o + 1:o + 1 + stride])
        if ft == 1:
            for i in range(bpp, stride):
                cur[i] = (cur[i] + cur[i - bpp]) & 255
        elif ft == 2:
            cur = bytearray((a + b) & 255 for a, b in zip(cur, prev))
        elif ft == 3:
            for i in range(stride):
                left = cur[i - bpp] if i >= bpp else 0
                cur[i] = (cur[i] + ((left + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else
                                    b if pb <= pc else c)) & 255
        rows.append(cur)
        prev = cur
    return w, h, bpp, rows


def check(name, ok, why=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))


try:
    w, h, bpp, rows = decode(sys.argv[1])
except Exception as e:
    check("the screenshot decodes", False, repr(e))
    sys.exit(0)
check("the screenshot is 1200x2000", (w, h) == (1200, 2000), "%dx%d" % (w, h))
counts = {}
for y in range(0, h, 2):
    r = rows[y]
    for x in range(0, w, 2):
        px = bytes(r[x * bpp:x * bpp + 3])
        counts[px] = counts.get(px, 0) + 1
total = sum(counts.values())
top = max(counts.values())
check("the screenshot is not blank (%d colors, the commonest %.0f%%)" %
      (len(counts), 100.0 * top / total),
      len(counts) >= 50 and top < 0.9 * total)


def near(rgb, tol=12):
    return sum(n for px, n in counts.items()
               if all(abs(px[i] - rgb[i]) <= tol for i in range(3)))


# a 100 % heatmap cell (YlOrRd's darkest), an iOS push bar (Okabe-Ito blue)
for name, rgb in (("the heatmap's 100% red", (0x80, 0x00, 0x26)),
                  ("the iOS bars' blue", (0x00, 0x72, 0xB2))):
    n = near(rgb)
    check("the screenshot shows %s (%d px)" % (name, n), n >= 200)
EOF

# report SCRIPT OUTPUT: a check per line of "PASS name" / "FAIL name: why"
report() {
	local line

	while IFS= read -r line; do
		case $line in
		PASS\ *) t_ok "${line#PASS }" ;;
		FAIL\ *) t_fail "${line#FAIL }" ;;
		*) t_fail "checker: $line" ;;
		esac
	done <<<"$1"
}

# ---- a scenario with a swap, two policies ---------------------------------

start=$(date +%s)
if "$BR" --json simulate --scenario "$SWAP" --policy "$P1" --policy "$P2" \
	--html "$TMP/swap.html" >"$TMP/swap.json" 2>"$TMP/err"; then
	t_ok "simulate --html runs (swap scenario, two policies)"
else
	t_fail "simulate --html runs (swap scenario, two policies)" \
		"$(cat "$TMP/err")"
fi
t_match "the page's path on stderr" "$(cat "$TMP/err")" \
	"^simulate: wrote $TMP/swap.html\$"
t_eq "--json output unchanged by --html" \
	"$(jq -c '[.policies[].name]' "$TMP/swap.json")" \
	'["imessage-apns-sni","facetime-media-real"]'
t_eq "the scenario swapped" "$(jq -c '[.policies[].swaps]' "$TMP/swap.json")" \
	'[1,1]'
report "$(python3 "$TMP/check.py" "$TMP/swap.html" "$TMP/swap.json" \
	apns-addr-both-ways 2>&1)"

"$BR" -q simulate --scenario "$SWAP" --policy "$P1" --policy "$P2" \
	--html "$TMP/again.html" >/dev/null 2>"$TMP/err"
t_eq "-q: nothing on stderr" "$(cat "$TMP/err")" ""
if cmp -s "$TMP/swap.html" "$TMP/again.html"; then
	t_ok "the same seed gives the same page"
else
	t_fail "the same seed gives the same page"
fi

# ---- the small scenario, no swap -------------------------------------------

if "$BR" --json simulate --scenario "$SMALL" --policy "$P2" --policy "$P3" \
	--html "$TMP/small.html" >"$TMP/small.json" 2>"$TMP/err"; then
	t_ok "simulate --html runs (small scenario, two policies)"
	report "$(python3 "$TMP/check.py" "$TMP/small.html" \
		"$TMP/small.json" 2>&1)"
else
	t_fail "simulate --html runs (small scenario, two policies)" \
		"$(cat "$TMP/err")"
fi
t_match "text output with --html (baseline)" \
	"$("$BR" -q simulate --scenario "$SMALL" --no-policy \
		--html "$TMP/base.html" 2>&1)" "^scenario small"
t_check "the baseline's page (no policy) is well-formed" \
	python3 -c 'import sys, xml.etree.ElementTree as E
E.parse(sys.argv[1])' \
	"$TMP/base.html"

# ---- long policy names: the heatmap's column heads wrap, never cut ---------

# two 40-character names, one with hyphens to break at, one without; six
# runs, so the columns are narrow
for n in facetime-media-blocked-by-a-long-name-40 \
	averyveryverylongpolicynamewithnobreak40; do
	printf 'policy %s\ntarget facetime\nrule "m" udp dport 3478 drop\n' \
		"$n" >"$TMP/$n.policy"
done
if "$BR" -q --json simulate --scenario "$SMALL" \
	--policy "$TMP/facetime-media-blocked-by-a-long-name-40.policy" \
	--policy "$TMP/averyveryverylongpolicynamewithnobreak40.policy" \
	--policy "$P1" --policy "$P2" --policy "$P3" --no-policy \
	--html "$TMP/long.html" >"$TMP/long.json" 2>"$TMP/err"; then
	t_ok "simulate --html runs (six runs, two 40-character names)"
	report "$(python3 "$TMP/check.py" "$TMP/long.html" "$TMP/long.json" \
		2>&1 | sed 's/^\(PASS\|FAIL\) /\1 long names: /')"
else
	t_fail "simulate --html runs (six runs, two 40-character names)" \
		"$(cat "$TMP/err")"
fi

# ---- escaping --------------------------------------------------------------

mkdir -p "$TMP/we<i>rd&dir"
# a description with markup, quotes, two invalid bytes, "café →"
{
	printf 'policy tricky\n'
	printf 'description "a <b>bold</b> & \\"quoted\\" '
	printf '\377\376 caf\303\251 \342\206\222"\n'
	printf 'target facetime\nrule "x" udp dport 3478 drop\n'
} >"$TMP/we<i>rd&dir/t.policy"
if "$BR" -q --json simulate --scenario "$SMALL" \
	--policy "$TMP/we<i>rd&dir/t.policy" --html "$TMP/esc.html" \
	>"$TMP/esc.json" 2>"$TMP/err"; then
	out=$(python3 - "$TMP/esc.html" <<'EOF' 2>&1
import sys, xml.etree.ElementTree as ET
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")
root = ET.fromstring(raw)
tags = {e.tag.rsplit("}", 1)[-1] for e in root.iter()}
assert "i" not in tags, "an <i> element from the path"
desc = [e for e in root.iter() if e.get("class") == "desc"][0]
assert "b" not in {e.tag for e in desc.iter()}, "a <b> from the description"
t = "".join(desc.itertext())
for want in ('we<i>rd&dir/t.policy', 'a <b>bold</b> & "quoted"',
             "\ufffd\ufffd caf\u00e9 \u2192"):
    assert want in t, "%r not in %r" % (want, t)
print("ok")
EOF
)
	t_eq "names, descriptions and paths escaped; invalid UTF-8 replaced" \
		"$out" ok
else
	t_fail "simulate --html with a tricky policy" "$(cat "$TMP/err")"
fi

t_fails "an unwritable --html path fails" \
	"$BR" -q simulate --scenario "$SMALL" --no-policy \
	--html "$TMP/no/such/dir/x.html"
t_match "... and says why" "$("$BR" -q simulate --scenario "$SMALL" \
	--no-policy --html "$TMP/no/such/dir/x.html" 2>&1 >/dev/null)" \
	'--html .*x\.html: No such file or directory'

# ---- headless Chromium ------------------------------------------------------

# chrome ARGS...: headless Chromium, as root, with its own profile
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--no-first-run --no-default-browser-check --disable-extensions \
		--hide-scrollbars --user-data-dir="$TMP/chrome" "$@" \
		2>>"$TMP/chrome.log"
}

if [ -z "$CHROMIUM" ]; then
	t_fail "chromium is installed (scripts/deps.sh)"
else
	chrome --dump-dom "file://$TMP/swap.html" >"$TMP/dom.html"
	out=$(python3 - "$TMP/swap.html" "$TMP/dom.html" <<'EOF' 2>&1
import sys
from html.parser import HTMLParser


class Count(HTMLParser):
    """elements inside each svg with an id, by the svg's id"""

    def __init__(self):
        super().__init__()
        self.svg, self.depth, self.n = None, 0, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("id"):
            self.svg, self.depth = a["id"], 0
            self.n[self.svg] = 0
        elif self.svg:
            self.n[self.svg] += 1
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.svg:
            self.n[self.svg] += 1

    def handle_endtag(self, tag):
        if not self.svg:
            return
        if tag == "svg" and self.depth == 0:
            self.svg = None
        else:
            self.depth -= 1


def count(path):
    c = Count()
    c.feed(open(path, encoding="utf-8").read())
    return c.n


src, dom = count(sys.argv[1]), count(sys.argv[2])
ids = ("heatmap", "push-loss", "timeline")
missing = [i for i in ids if not dom.get(i)]
if missing:
    print("not in the DOM: %s (%d bytes dumped)" %
          (missing, len(open(sys.argv[2]).read())))
elif any(dom[i] != src[i] for i in ids):
    print("elements in the DOM %s, in the page %s" % (dom, src))
else:
    print("ok %s" % dom)
EOF
)
	name="Chromium's DOM has the three charts, every element of them"
	if [ "${out#ok }" != "$out" ]; then
		t_ok "$name"
	else
		t_fail "$name" "$out" "$(tail -n 3 "$TMP/chrome.log")"
	fi

	# the heatmap of the long names laid out by Chromium with its fonts:
	# the boxes of the column heads, their targets and the row heads
	python3 - "$TMP/long.html" "$TMP/geo.html" <<'EOF'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
svg = re.search(r'(<svg id="heatmap".*?</svg>)', page, re.S).group(1)
js = """
const svg = document.getElementById('heatmap'), vb = svg.viewBox.baseVal;
const box = (b) => [b.x, b.y, b.x + b.width, b.y + b.height];
const out = {vb: [vb.width, vb.height], texts: [], cells: []};
for (const t of svg.querySelectorAll('text.col-head, text.col-sub, ' +
                                     'text.row-head'))
  out.texts.push([t.getAttribute('class'), box(t.getBBox())]);
for (const g of svg.querySelectorAll('g.cell'))
  out.cells.push(box(g.querySelector('rect').getBBox()));
document.getElementById('geo').textContent = JSON.stringify(out);
"""
open(sys.argv[2], "w", encoding="utf-8").write(
    '<!DOCTYPE html><html><head><meta charset="utf-8"/><style>%s</style>'
    '</head><body>%s<pre id="geo"></pre><script>%s</script></body></html>'
    % (css, svg, js))
EOF
	chrome --dump-dom "file://$TMP/geo.html" >"$TMP/geo.dom"
	report "$(python3 - "$TMP/geo.dom" <<'EOF' 2>&1
import html, json, re, sys
m = re.search(r'<pre id="geo">(.*?)</pre>',
              open(sys.argv[1], encoding="utf-8").read(), re.S)
if not m or not m.group(1):
    print("FAIL Chromium laid out the heatmap: no boxes")
    sys.exit(0)
g = json.loads(html.unescape(m.group(1)))
cells, texts, (W, H) = g["cells"], g["texts"], g["vb"]
cols = sorted({(c[0], c[2]) for c in cells})
top, left = min(c[1] for c in cells), min(c[0] for c in cells)
E = 0.5  # rounding


def overlap(a, b):
    return min(a[2], b[2]) - max(a[0], b[0]) > E and \
        min(a[3], b[3]) - max(a[1], b[1]) > E


bad = []
for kind, b in texts:
    if kind == "row-head":
        ok = b[0] >= -E and b[2] <= left + E
    else:
        mid = (b[0] + b[2]) / 2
        col = [c for c in cols if c[0] <= mid <= c[1]]
        ok = col and b[0] >= col[0][0] - E and b[2] <= col[0][1] + E and \
            b[3] <= top + E
    ok = ok and b[0] >= -E and b[1] >= -E and b[2] <= W + E and \
        b[3] <= H + E
    if not ok:
        bad.append((kind, [round(v) for v in b]))
heads = [t for t in texts if t[0] != "row-head"]
print("%s the heatmap's heads (%d) inside their column, above the rows, "
      "in the chart (Chromium's layout)%s" %
      ("FAIL" if bad else "PASS", len(heads),
       ": %s" % bad[:3] if bad else ""))
pairs = [(a[0], b[0]) for i, a in enumerate(texts) for b in texts[i + 1:]
         if overlap(a[1], b[1])]
print("%s no two of the heatmap's heads overlap (%d texts)%s" %
      ("FAIL" if pairs else "PASS", len(texts),
       ": %s" % pairs[:3] if pairs else ""))
EOF
)"

	chrome --screenshot="$TMP/swap.png" --window-size=1200,2000 \
		"file://$TMP/swap.html" >/dev/null
	size=$(stat -c %s "$TMP/swap.png" 2>/dev/null || echo 0)
	if [ "$size" -gt 40000 ]; then
		t_ok "Chromium's screenshot: a PNG of $((size / 1024)) KB"
		report "$(python3 "$TMP/png.py" "$TMP/swap.png" 2>&1)"
	else
		t_fail "Chromium's screenshot: a PNG over 40 KB" \
			"$size bytes" "$(tail -n 3 "$TMP/chrome.log")"
	fi
fi

echo "# $(($(date +%s) - start)) s"
echo "# $T_N checks, $T_FAILED failed"
[ "$T_FAILED" -eq 0 ]
