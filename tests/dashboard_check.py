#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks the Grafana dashboard against a real Prometheus: its structure,
then every panel query, with Grafana's variables filled in, must return
data (a non-empty result with a number that is not NaN).

    dashboard_check.py DASHBOARD.json PROMETHEUS_URL JOB [RATE_INTERVAL]

Prints one `ok NAME`, `not ok NAME: why` or `skip NAME: why` per check
(tests/lib.sh's format). A query that needs the stats cost is skipped
with a reason when the exporter did not measure it (stats were already on,
held by another process)."""
import json
import math
import sys
import urllib.parse
import urllib.request


def res(name, cond, why=""):
    print(("ok %s" % name) if cond else ("not ok %s: %s" % (name, why)))


def query(url, expr):
    q = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen("%s/api/v1/query?%s" % (url, q), timeout=10) as r:
        return json.load(r)


def has_data(doc):
    for s in doc.get("data", {}).get("result", []):
        v = s.get("value", [0, "NaN"])[1]
        try:
            if not math.isnan(float(v)):
                return True
        except ValueError:
            pass
    return False


def main():
    path, url, job = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
    rate = sys.argv[4] if len(sys.argv) > 4 else "10s"
    d = json.load(open(path))
    panels = d.get("panels", [])
    ids = [p.get("id") for p in panels]
    res("dashboard: panels with unique ids", panels and len(set(ids)) == len(ids), str(ids))
    res("dashboard: panels fit 24 columns",
        all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels))
    names = {v["name"] for v in d.get("templating", {}).get("list", [])}
    res("dashboard: datasource, job and instance variables",
        {"datasource", "job", "instance"} <= names, str(names))
    res("dashboard: every panel uses the datasource variable",
        all(p.get("datasource", {}).get("uid") == "${datasource}" and
            all(t.get("datasource", {}).get("uid") == "${datasource}" for t in p.get("targets", []))
            for p in panels))
    cost = has_data(query(url, 'bpfcost_stats_cost_seconds{job="%s"}' % job))
    for p in panels:
        targets = p.get("targets", [])
        if not targets:
            res("panel '%s': has a query" % p.get("title"), False, "no targets")
        for t in targets:
            name = "panel '%s' %s returns data" % (p["title"], t["refId"])
            expr = (t["expr"].replace("$__rate_interval", rate).replace("$job", job)
                    .replace("$instance", ".+"))
            if "$" in expr:
                res(name, False, "unknown variable left in: %s" % expr)
                continue
            if "bpfcost_stats_cost_seconds" in expr and not cost:
                print("skip %s: the exporter did not measure the stats cost "
                      "(stats already on: another process holds them)" % name)
                continue
            try:
                doc = query(url, expr)
            except Exception as e:  # HTTP 400: a query Prometheus refuses
                res(name, False, "%s: %s" % (e, expr.replace("\n", " ")))
                continue
            res(name, doc.get("status") == "success" and has_data(doc),
                "%s: %s" % (json.dumps(doc)[:200], expr.replace("\n", " ")))


main()
