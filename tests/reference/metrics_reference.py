#!/usr/bin/python3
"""pg_learn reference generator for the metric aggregates (learn.r2, mse,
rmse, mae, accuracy, precision, recall, f1, log_loss, auc and
confusion_matrix).

Writes data/metrics.csv (generated with a fixed numpy seed, every number
rounded and printed as the shortest decimal that reads back as the same
double, NULLs as empty fields) and, from that file as read back from disk:
  tests/reference/expected/metrics_expected.csv   metric,grp,value
  tests/reference/expected/metrics_confusion.csv  grp,matrix (JSON)
for every aggregate over all rows (grp "all") and per group g.  Uses
Debian's python3-numpy and python3-sklearn only (run it with
/usr/bin/python3, the interpreter they are installed for), from the
repository root:  /usr/bin/python3 tests/reference/metrics_reference.py

As the aggregates do, each metric reads the rows where both of its
arguments are non-NULL.  A value is left empty (NULL) where scikit-learn
cannot give one: no pairs (it raises), r2 of fewer than two pairs (NaN),
an UndefinedMetricWarning for precision, recall or F1 (0/0; it would
return 0), roc_auc_score of one class (it raises).
"""
import csv
import json
import math
import warnings

import numpy as np
import sklearn
import sklearn.metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

DATA = "data/metrics.csv"
EXP = "tests/reference/expected/"
COLUMNS = ["id", "g", "y", "yhat", "actual", "pred", "score", "p",
           "label", "label_hat", "cls", "cls_hat"]


def shortest(x):
    """The shortest decimal that reads back as the same double (no -0)."""
    return repr(float(x) + 0.0)


# ---------------------------------------------------------------- the data
rng = np.random.default_rng(20261203)
n = 4000
g = rng.choice(["east", "north", "south"], size=n)
y = np.round(rng.normal(50, 10, n), 4)
yhat = np.round(y + rng.normal(0, 3, n) + np.where(rng.uniform(size=n) < 0.05, 25, 0), 4)
x = rng.normal(size=n)
actual = rng.uniform(size=n) < 1 / (1 + np.exp(-2 * x))
p = np.round(1 / (1 + np.exp(-(2 * x + rng.normal(0, 0.5, n)))), 6)
# exact 0 and 1 for the clipping (on either class)
edge = rng.uniform(size=n)
p = np.where(edge < 0.005, 0.0, np.where(edge > 0.995, 1.0, p))
pred = p >= 0.5
# one decimal: many tied scores, within and across the classes
score = np.round(2 * x + rng.normal(0, 0.7, n), 1)
# "emu" is never predicted, "fox" never actual; "Zebra" sorts before the
# lower-case labels and "ñu" after them in byte (code point) order
label = rng.choice(["bird", "cat", "dog", "Zebra", "ñu", "emu"], size=n,
                   p=[0.25, 0.25, 0.2, 0.1, 0.1, 0.1])
other = rng.choice(["bird", "cat", "dog", "Zebra", "ñu", "fox"], size=n)
label_hat = np.where((rng.uniform(size=n) < 0.7) & (label != "emu"), label, other)
cls = rng.integers(1, 5, n)
cls_hat = np.where(rng.uniform(size=n) < 0.6, cls, rng.integers(1, 5, n)).astype(float)

rows = []
for i in range(n):
    rows.append({
        "id": i + 1, "g": g[i], "y": shortest(y[i]), "yhat": shortest(yhat[i]),
        "actual": "t" if actual[i] else "f", "pred": "t" if pred[i] else "f",
        "score": shortest(score[i]), "p": shortest(p[i]),
        "label": label[i], "label_hat": label_hat[i],
        "cls": str(cls[i]), "cls_hat": shortest(cls_hat[i])})
# about 2% NULLs in every column but id and g, each drawn on its own
for c in COLUMNS[2:]:
    for i in np.nonzero(rng.uniform(size=n) < 0.02)[0]:
        rows[i][c] = ""
# tiny: a constant y (r2 0: predictions not exact), only actual true
# (auc NULL), one label and one class
for k in range(12):
    rows.append({
        "id": len(rows) + 1, "g": "tiny", "y": "5", "yhat": shortest(5 + (k % 5 - 2) / 4),
        "actual": "t", "pred": "t" if k % 3 else "f", "score": shortest(k % 4 / 2),
        "p": shortest((k + 1) / 13), "label": "cat", "label_hat": "cat" if k % 4 else "dog",
        "cls": "2", "cls_hat": "2"})
# solo: one row: r2 NULL, a true negative only (precision, recall, f1 NULL)
rows.append({
    "id": len(rows) + 1, "g": "solo", "y": "1", "yhat": "1.5", "actual": "f", "pred": "f",
    "score": "0.25", "p": "0.25", "label": "dog", "label_hat": "dog", "cls": "3",
    "cls_hat": "3"})
# void: every pair has a NULL: every metric NULL
for k in range(3):
    rows.append({
        "id": len(rows) + 1, "g": "void", "y": "1" if k == 0 else "", "yhat": "2" if k == 1 else "",
        "actual": "t" if k == 2 else "", "pred": "", "score": "", "p": "",
        "label": "cat" if k == 0 else "", "label_hat": "", "cls": "", "cls_hat": "1" if k else ""})

with open(DATA, "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(COLUMNS)
    for r in rows:
        out.writerow([r[c] for c in COLUMNS])

# ----------------------------------------------------- read back from disk
with open(DATA, newline="", encoding="utf-8") as f:
    data = list(csv.DictReader(f))


def as_float(s):
    return float(s)


def as_bool(s):
    return s == "t"


def pairs(rows_, a, b, conv_a, conv_b):
    """The (a, b) columns of the rows where both are non-NULL, as arrays."""
    kept = [(conv_a(r[a]), conv_b(r[b])) for r in rows_ if r[a] != "" and r[b] != ""]
    return np.array([k[0] for k in kept]), np.array([k[1] for k in kept])


def sk(fn, a, b, **kw):
    """fn(a, b), or None where scikit-learn gives no value (see the top)."""
    if len(a) == 0:
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            v = fn(a, b, **kw)
        except ValueError as e:
            if "Only one class present" in str(e):
                return None
            raise
    if any(issubclass(w.category, UndefinedMetricWarning) for w in caught):
        return None
    v = float(v)
    return None if math.isnan(v) else v


def rmse(a, b):
    return math.sqrt(skm.mean_squared_error(a, b))


def metrics_of(rows_):
    y_, yhat_ = pairs(rows_, "y", "yhat", as_float, as_float)
    lab, lab_hat = pairs(rows_, "label", "label_hat", str, str)
    c, c_hat = pairs(rows_, "cls", "cls_hat", int, as_float)
    a, pr = pairs(rows_, "actual", "pred", as_bool, as_bool)
    a_s, s = pairs(rows_, "actual", "score", as_bool, as_float)
    a_p, p_ = pairs(rows_, "actual", "p", as_bool, as_float)
    return {
        "r2": sk(skm.r2_score, y_, yhat_),
        "mse": sk(skm.mean_squared_error, y_, yhat_),
        "rmse": sk(rmse, y_, yhat_),
        "mae": sk(skm.mean_absolute_error, y_, yhat_),
        "accuracy": sk(skm.accuracy_score, lab, lab_hat),
        "accuracy_cls": sk(skm.accuracy_score, c, c_hat),
        "precision": sk(skm.precision_score, a, pr, zero_division="warn"),
        "recall": sk(skm.recall_score, a, pr, zero_division="warn"),
        "f1": sk(skm.f1_score, a, pr, zero_division="warn"),
        "log_loss": sk(skm.log_loss, a_p, p_, labels=[False, True]),
        "auc": sk(skm.roc_auc_score, a_s, s),
    }


def confusion_of(rows_):
    lab, lab_hat = pairs(rows_, "label", "label_hat", str, str)
    if len(lab) == 0:
        return None
    # numpy.unique sorts strings by code point: byte order in UTF-8
    labels = np.unique(np.concatenate([lab, lab_hat]))
    m = skm.confusion_matrix(lab, lab_hat, labels=labels)
    return json.dumps({"labels": [str(v) for v in labels],
                       "matrix": [[int(v) for v in r] for r in m]}, ensure_ascii=False)


scopes = [("all", data)] + [(grp, [r for r in data if r["g"] == grp])
                            for grp in sorted({r["g"] for r in data})]

expected = []
confusion = []
for grp, rows_ in scopes:
    for metric, v in metrics_of(rows_).items():
        expected.append([metric, grp, "" if v is None else "%.17g" % v])
    cm = confusion_of(rows_)
    confusion.append([grp, "" if cm is None else cm])

with open(EXP + "metrics_expected.csv", "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["metric", "grp", "value"])
    out.writerows(expected)
with open(EXP + "metrics_confusion.csv", "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["grp", "matrix"])
    out.writerows(confusion)

# ------------------------------------------------------------- cross-checks
print("numpy", np.__version__, "scikit-learn", sklearn.__version__)
print("rows", len(data), "groups", [s[0] for s in scopes[1:]])


def mann_whitney(a_, s_):
    """AUC by counting (positive, negative) pairs, ties one half."""
    pos, neg = s_[a_], s_[~a_]
    return (np.sum(pos[:, None] > neg[None, :]) + 0.5 * np.sum(pos[:, None] == neg[None, :])) \
        / (len(pos) * len(neg))


a_s, s = pairs(data, "actual", "score", as_bool, as_float)
y_, yhat_ = pairs(data, "y", "yhat", as_float, as_float)
a_p, p_ = pairs(data, "actual", "p", as_bool, as_float)
pc = np.clip(p_, np.finfo(float).eps, 1 - np.finfo(float).eps)
checks = {
    "auc vs Mann-Whitney count": (skm.roc_auc_score(a_s, s), mann_whitney(a_s, s)),
    "r2 vs two-pass 1 - SSE/SS": (skm.r2_score(y_, yhat_),
                                  1 - np.sum((y_ - yhat_) ** 2) / np.sum((y_ - y_.mean()) ** 2)),
    "log_loss vs clipped mean": (skm.log_loss(a_p, p_),
                                 -np.mean(np.where(a_p, np.log(pc), np.log1p(-pc)))),
}
for name, (u, v) in checks.items():
    print("%-28s %.3g relative" % (name, abs(u - v) / abs(v)))
print("distinct scores", len(np.unique(s)), "of", len(s),
      "; p at 0 or 1:", int(np.sum((p_ == 0) | (p_ == 1))))
