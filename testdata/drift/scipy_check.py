"""Computes drift statistics with SciPy for mlgate's cross-check tests.

Reads a JSON list of cases from the file named by argv[1] and writes a JSON
list of results (same order) to stdout. Each case is {"op": ..., ...}:

  ks           a, b            -> [statistic, pvalue]   scipy.stats.ks_2samp
  chisquare    observed, expected -> [statistic, pvalue] scipy.stats.chisquare
  kolmogorov   x               -> [survival]            scipy.special.kolmogorov
  chi2_contingency a, b       -> [statistic, pvalue]   correction=False
  wasserstein  a, b            -> [distance / max(np.std(a), 0.001)]
  wasserstein_weighted  a, aw, b, bw -> [distance]
  jensenshannon p, q           -> [distance]  natural log
  psi          a, b            -> [psi, edges..., ref shares..., cur shares...]
                                  bins from a's deciles (numpy linear),
                                  right-closed, empty shares floored at 1e-4
  psi_edges    a, b, edges     -> [psi, cur shares...] with the given edges
  ztest        x1, n1, x2, n2  -> [z, pvalue]  two-proportion, pooled, two-sided
  hellinger_linf p, q          -> [hellinger, linf]  over normalised shares
"""
import json
import sys

import numpy as np
from scipy import special, stats
from scipy.spatial import distance

FLOOR = 0.0001


def shares(values, edges):
    idx = np.searchsorted(edges, values, side="left")
    counts = np.bincount(idx, minlength=len(edges) + 1)
    return counts / len(values)


def psi(ref, cur):
    r = np.where(ref == 0, FLOOR, ref)
    c = np.where(cur == 0, FLOOR, cur)
    return float(np.sum((c - r) * np.log(c / r)))


def run(case):
    op = case["op"]
    if op == "ks":
        res = stats.ks_2samp(case["a"], case["b"], method="auto")
        return [float(res.statistic), float(res.pvalue)]
    if op == "chisquare":
        res = stats.chisquare(case["observed"], case["expected"])
        return [float(res.statistic), float(res.pvalue)]
    if op == "kolmogorov":
        return [float(special.kolmogorov(case["x"]))]
    if op == "chi2_contingency":
        res = stats.chi2_contingency([case["a"], case["b"]], correction=False)
        return [float(res[0]), float(res[1])]
    if op == "wasserstein":
        a = np.asarray(case["a"])
        return [float(stats.wasserstein_distance(a, case["b"]) / max(np.std(a), 0.001))]
    if op == "wasserstein_weighted":
        return [float(stats.wasserstein_distance(case["a"], case["b"], case["aw"], case["bw"]))]
    if op == "jensenshannon":
        return [float(distance.jensenshannon(case["p"], case["q"]))]
    if op == "psi":
        a, b = np.asarray(case["a"]), np.asarray(case["b"])
        edges = np.unique(np.quantile(a, [k / 10 for k in range(1, 10)]))
        r, c = shares(a, edges), shares(b, edges)
        return [psi(r, c)] + edges.tolist() + r.tolist() + c.tolist()
    if op == "psi_edges":
        a, b, edges = np.asarray(case["a"]), np.asarray(case["b"]), np.asarray(case["edges"])
        r, c = shares(a, edges), shares(b, edges)
        return [psi(r, c)] + c.tolist()
    if op == "ztest":
        x1, n1, x2, n2 = case["x1"], case["n1"], case["x2"], case["n2"]
        pooled = (x1 + x2) / (n1 + n2)
        if pooled in (0, 1):
            return [0.0, 1.0]
        z = (x1 / n1 - x2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        return [float(z), float(2 * stats.norm.sf(abs(z)))]
    if op == "hellinger_linf":
        p, q = np.asarray(case["p"], float), np.asarray(case["q"], float)
        p, q = p / p.sum(), q / q.sum()
        h = distance.euclidean(np.sqrt(p), np.sqrt(q)) / np.sqrt(2)
        return [float(h), float(distance.chebyshev(p, q))]
    raise SystemExit("unknown op " + op)


with open(sys.argv[1]) as f:
    cases = json.load(f)
json.dump([run(c) for c in cases], sys.stdout)
