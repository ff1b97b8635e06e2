#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""channels.py - the checks of test_channels.sh on simulate --json.

usage: channels.py outage|swap JSON
Prints one line per check, "ok NAME" or "fail NAME: detail".
"""
import json
import sys


def check(name, cond, detail):
    print(("ok %s" if cond else "fail %s: " + detail) % name)


def outage(d):
    run = d["policies"][0]
    tl = run["timeline"]
    # the buckets that started while imessage-apns-ip was in force
    win = [b for b in tl if b["start_s"] >= 300 and b["end_s"] <= 600]
    ios = sum(b["ios"]["pushes"] for b in win)
    late = sum(b["ios"]["pushes_late"] for b in win)
    lost = sum(b["ios"]["pushes_lost"] for b in win)
    check("the outage window holds iOS pushes", ios >= 1000,
          "%d pushes" % ios)
    push = {(p["app_class"], p["platform"]): p for p in run["push"]}
    sup = sum(p["superseded"] for p in push.values()
              if p["platform"] == "ios")
    stale = sum(p["stale"] for p in push.values() if p["platform"] == "ios")
    other = sum(p["lost"] - p["superseded"] - p["stale"]
                for p in push.values() if p["platform"] == "ios")
    check("iOS pushes of the window: most delivered late",
          late * 2 > ios, "%d late of %d" % (late, ios))
    check("iOS pushes of the window: late or superseded >= 85%",
          (late + sup) * 100 >= 85 * ios,
          "%d late + %d superseded of %d" % (late, sup, ios))
    check("no iOS push lost otherwise (expired, held, failed)",
          other == 0, "%d" % other)
    a = push[("auth", "ios")]
    check("2FA pushes past their validity are lost (stale)",
          a["stale"] > 0 and a["stale"] <= a["lost"],
          "stale %d lost %d" % (a["stale"], a["lost"]))
    r = push[("ridehail", "ios")]
    b = push[("bank", "ios")]
    check("a bank push has no validity: none stale", b["stale"] == 0,
          "stale %d" % b["stale"])
    check("ride-hailing pushes past their validity are lost (stale)",
          r["stale"] > 0, "stale %d" % r["stale"])
    check("the late pushes waited for the outage: p95 delay 60-360 s",
          60 < b["delay_s"]["p95"] <= 360, "%s" % b["delay_s"])
    andr = sum(p["lost"] + p["late"] for p in push.values()
               if p["platform"] == "android")
    check("Android pushes untouched (at most the first connect's)",
          andr <= 5, "%d lost or late" % andr)
    down = [b["ios"]["channel_down"] / b["ios"]["devices_with_channel"]
            for b in tl]
    check("timeline: iOS channels up before the outage",
          max(down[:5]) < 0.01, "%s" % down[:5])
    check("timeline: iOS channels down during it",
          min(down[6:10]) > 0.9, "%s" % down[5:10])
    check("timeline: iOS channels back after it", max(down[11:]) < 0.01,
          "%s" % down[10:])
    late_after = sum(b["ios"]["pushes_late"] for b in tl[11:])
    check("timeline: no late push started after the outage",
          late_after == 0, "%d" % late_after)
    u = b["users"]
    check("per user: iPhone users who missed or got late a bank push",
          0 < u["failed"] <= u["did"] and 0 < u["late"] <= u["did"],
          "%s" % u)


def swap(d):
    run = d["policies"][0]
    tl = run["timeline"]
    h = d["scenario"]["channels"]["reconnect_horizon_s"]
    at = 300.0

    def share(b):
        return b["ios"]["channel_down"] / b["ios"]["devices_with_channel"]

    check("the horizon fits the run", h is not None and at + 1.25 * h <
          tl[-1]["end_s"], "horizon %s" % h)
    before = [share(b) for b in tl if b["end_s"] <= at]
    check("no iOS channel down before the swap", max(before) < 0.01,
          "%s" % before)
    early = [share(b) for b in tl if b["end_s"] >= at + h / 3][0]
    check("a third of the horizon after the swap: under 75% down "
          "(stateful: it waits for reconnects)", early < 0.75,
          "%.3f" % early)
    late = [share(b) for b in tl if b["end_s"] >= at + 1.25 * h][0]
    check("1.25 horizons after the swap: over 90% of iOS devices cut",
          late > 0.9, "%.3f" % late)
    grow = [share(b) for b in tl if b["end_s"] > at]
    check("the share grows as channels reconnect",
          all(y >= x - 0.02 for x, y in zip(grow, grow[1:])) and
          grow[-1] > grow[0] + 0.5, "%s" % grow)
    hand = [c for c in run["channels"] if c["platform"] == "ios"][0]
    check("reconnects are caused by handovers", hand["connects"][
        "handover"] > 0, "%s" % hand)
    adown = max(b["android"]["channel_down"] for b in tl)
    check("Android channels untouched", adown <= 2, "%d" % adown)


def main():
    with open(sys.argv[2]) as f:
        d = json.load(f)
    {"outage": outage, "swap": swap}[sys.argv[1]](d)


main()
