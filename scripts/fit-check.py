#!/usr/bin/env python3
"""Independent check of worker/calibration's elasticity fits (standard library only).

Recomputes, from the same transcribed files, the OLS slope of ln(charge-off rate) on unemployment
(2006Q1-2010Q4, no lag), with classical and Newey-West (Bartlett, 2 lags, n/(n-2)) standard errors:
raw, and net of the payment channel (ln rate - ln M(t), M the segment's payment multiplier at
gamma 1.15, the mixes of worker/calibration/netpayment.go written out again here). The Go tests pin
their fits to what this prints.

    python3 scripts/fit-check.py
"""
import csv
import math
import os

TD = os.path.join(os.path.dirname(__file__), "..", "worker", "calibration", "testdata")
QS = [f"{y}Q{q}" for y in range(2006, 2011) for q in range(1, 5)]
GAMMA = 1.15


def rows(name):
    with open(os.path.join(TD, name)) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def unemployment():
    monthly = {r["month"]: float(r["rate_pct"]) for r in rows("unemployment_monthly.csv")}
    dfast = {r["quarter"]: float(r["rate_pct"]) for r in rows("unemployment_quarterly.csv") if r["source"] == "DFAST2013"}
    out = []
    for q in QS:
        y, k = int(q[:4]), int(q[-1])
        months = [f"{y}-{m:02d}" for m in range(3 * k - 2, 3 * k + 1)]
        if y < 2009 and all(m in monthly for m in months):
            out.append(sum(monthly[m] for m in months) / 3)
        else:
            out.append(dfast[q])
    return out


def ols(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    b = sum((a - mx) * (c - my) for a, c in zip(x, y)) / sxx
    e = [c - my - b * (a - mx) for a, c in zip(x, y)]
    se = math.sqrt(sum(v * v for v in e) / (n - 2) / sxx)
    lags = int(4 * (n / 100) ** (2 / 9))
    g = [(a - mx) * v for a, v in zip(x, e)]
    s = sum(v * v for v in g)
    for l in range(1, lags + 1):
        s += 2 * (1 - l / (lags + 1)) * sum(g[t] * g[t - l] for t in range(l, n))
    hac = math.sqrt(s * n / (n - 2)) / sxx
    return b, se, hac


rates = {r["quarter"]: r for r in rows("rates_2006_2010.csv")}


def payment(index, margin, months, min_principal, q):
    i = (float(rates[q][index]) / 100 + margin) / 12
    if months == 0:
        return i + min_principal
    return i / (1 - (1 + i) ** -months)


def multiplier(mix):
    out = []
    for q in QS:
        m = 0.0
        for share, index, margin, months, mp in mix:
            if index is None:
                m += share
            else:
                m += share * (payment(index, margin, months, mp, q) / payment(index, margin, months, mp, QS[0])) ** GAMMA
        out.append(m)
    return out


MIXES = {
    "chgallnsa:credit_cards": [(1.0, "prime_rate", 0.142, 0, 0.01)],
    "chgallnsa:c_and_i": [(12 / 27, "prime_rate", 0.0175, 0, 0.0), (15 / 27 * 0.75, "treasury_3m", 0.0275, 48, 0.0),
                          (15 / 27 * 0.25, None, 0, 0, 0)],
    "CORCREXFACBN": [(0.70, "treasury_3m", 0.0325, 300, 0.0), (0.30, None, 0, 0, 0)],
    "chgallnsa:other_consumer": [(6 / 13 * 0.15, "prime_rate", 0.073, 36, 0.0), (1 - 6 / 13 * 0.15, None, 0, 0, 0)],
}


def series(sid):
    if ":" in sid:
        cat = sid.split(":")[1]
        return {r["quarter"]: float(r["rate_pct"]) for r in rows("fed_chargeoff_delinquency_nsa_2006_2010.csv")
                if r["measure"] == "chargeoff" and r["category"] == cat}
    return {r["quarter"]: float(r["rate_pct"]) for r in rows("chargeoff_2006_2010.csv") if r["series"] == sid}


u = unemployment()
for sid, mix in MIXES.items():
    co = series(sid)
    raw = ols(u, [math.log(co[q]) for q in QS])
    m = multiplier(mix)
    net = ols(u, [math.log(co[q]) - math.log(mi) for q, mi in zip(QS, m)])
    print(f"{sid:28s} raw eta {raw[0]:.4f} (SE {raw[1]:.4f}, HAC {raw[2]:.4f})   "
          f"net of payment {net[0]:.4f} (SE {net[1]:.4f}, HAC {net[2]:.4f})   M {min(m):.3f}-{max(m):.3f}")
