#!/usr/bin/python3
"""Reference for learn.linreg's MADlib-compatible result on MADlib's own
documented example (the 15 'houses' rows of MADlib's linregr docs, here in
data/houses.csv).  numpy (Debian's python3-numpy) computes the least-squares
coefficients of price on [1, tax, bath, size] and the condition number that
MADlib's documented output reports as condition_no (9002.50457069858 in
those docs): sqrt(max/min eigenvalue of X'X), i.e. the 2-norm condition
number of X, the same quantity as statsmodels' condition_number.

Run from the repository root:  python3 tests/reference/houses_reference.py
It rewrites tests/reference/expected/houses_linreg.csv.
"""
import csv

import numpy as np

with open("data/houses.csv") as f:
    rows = list(csv.DictReader(f))
X = np.array([[1.0, float(r["tax"]), float(r["bath"]), float(r["size"])] for r in rows])
y = np.array([float(r["price"]) for r in rows])
coef = np.linalg.lstsq(X, y, rcond=None)[0]
sv = np.linalg.svd(X, compute_uv=False)
with open("tests/reference/expected/houses_linreg.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["key", "value"])
    for i, c in enumerate(coef):
        w.writerow([f"coef{i + 1}", "%.17g" % c])
    w.writerow(["condition_no", "%.17g" % (sv.max() / sv.min())])
