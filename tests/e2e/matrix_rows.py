# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# matrix_rows.py - the what-if matrix's rows, worked out from
# `simulate --json` alone, for the tests of the writers that show them
# (test_markdown.sh, test_report.sh): the rule of impact.h
# (br_impact_service_splits, br_impact_rows) written again from its
# documentation, so that a writer and its test do not share a mistake.
#
# A service gets a row per platform when, in any run where both platforms
# attempted its actions, its failed shares or its degraded shares on iOS
# and Android are over 1 percentage point apart, or are 0 on one platform
# only; else one row, on "both" platforms or on the one that ran it.

SPLIT_PP = 1.0


def by_platform(runs):
    """{(service, run index): {"ios"/"android": (attempted, failed,
    degraded)}} from each run's service_platforms"""
    out = {}
    for k, r in enumerate(runs):
        for x in r["service_platforms"]:
            out.setdefault((x["service"], k), {})[x["platform"]] = (
                x["attempted"], x["failed"], x["degraded"])
    return out


def totals(runs):
    """{(service, run index): [attempted, failed, degraded (late)]} summed over
    each run's per-action services rows; and the services in their order"""
    tot, order = {}, []
    for k, r in enumerate(runs):
        for a in r["services"]:
            if "from" in a:  # received from others: not the service's
                continue
            if a["service"] not in order:
                order.append(a["service"])
            t = tot.setdefault((a["service"], k), [0, 0, 0])
            t[0] += a["attempted"]
            t[1] += a["failed"]
            t[2] += a["late"]
    return tot, order


def _differ(pa, a, pb, b):
    return (pa == 0) != (pb == 0) or \
        abs(100.0 * pa / a - 100.0 * pb / b) > SPLIT_PP


def splits(plat, sv, n_runs):
    for k in range(n_runs):
        p = plat.get((sv, k), {})
        if "ios" in p and "android" in p:
            (ia, i_f, i_d), (aa, af, ad) = p["ios"], p["android"]
            if _differ(i_f, ia, af, aa) or _differ(i_d, ia, ad, aa):
                return True
    return False


def rows(runs):
    """the matrix's rows in order: [(service id, "ios"/"android"/"both")]"""
    plat = by_platform(runs)
    _, order = totals(runs)
    out = []
    for sv in order:
        on = {p for k in range(len(runs)) for p in plat.get((sv, k), {})}
        if not on:
            continue
        if splits(plat, sv, len(runs)):
            out += [(sv, "ios"), (sv, "android")]
        else:
            out.append((sv, "both" if len(on) == 2 else on.pop()))
    return out


def cell(runs, k, sv, p):
    """(attempted, failed, degraded) of row (sv, p) in run k"""
    if p == "both":
        return tuple(totals(runs)[0].get((sv, k), (0, 0, 0)))
    return by_platform(runs).get((sv, k), {}).get(p, (0, 0, 0))


def consistent(runs):
    """(service, run index) pairs whose service_platforms do not add up to
    their services rows"""
    plat, (tot, _) = by_platform(runs), totals(runs)
    return [key for key, t in tot.items()
            if [sum(v[i] for v in plat.get(key, {}).values())
                for i in range(3)] != t]
