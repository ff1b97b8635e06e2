# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""checks.py - what the differential comparisons share (compare.py,
quic_compare.py): the list of checks they print, and names read as the
censor reads them."""

MAX_DETAIL = 8

results = []


def check(name, problems):
    """One check: passes when problems (a list of strings) is empty."""
    if problems:
        more = len(problems) - MAX_DETAIL
        detail = problems[:MAX_DETAIL]
        if more > 0:
            detail.append("... and %d more" % more)
        results.append("FAIL\t%s\t%s" % (name, " | ".join(detail)))
    else:
        results.append("PASS\t%s" % name)


def as_read(name):
    """A name as a server reads it (and blastradius): folded to lowercase,
    one trailing dot dropped."""
    name = name.lower()
    return name[:-1] if name.endswith(".") and len(name) > 1 else name
