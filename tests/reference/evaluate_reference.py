#!/usr/bin/python3
"""pg_learn reference generator for learn.evaluate: a model's metrics on
held-out rows, end to end (fit on some rows, score the others, measure).

Writes data/evaluate.csv (generated with a fixed numpy seed, numbers as the
shortest decimal that reads back as the same double, NULLs as empty
fields) and, from that file as read back from disk,
  tests/reference/expected/evaluate_expected.csv   case,key,value
Uses Debian's python3-numpy, -statsmodels 0.13.5 and -sklearn 1.2.1 (run
it with /usr/bin/python3), from the repository root:
    /usr/bin/python3 tests/reference/evaluate_reference.py

Each model is fitted on the rows with part = 'train' to full precision
(statsmodels: OLS; Logit and MNLogit by Newton to 1e-14), the rows with
part = 'test' are scored, and scikit-learn measures the predictions:
  linear       y ~ x1 + x2: r2_score, mean_squared_error (mse, and its
               square root rmse), mean_absolute_error
  logistic     yb ~ x1 + x2, classes "no" < "yes", the positive one
               "yes": accuracy_score of the label (yes when p > 0.5),
               roc_auc_score and log_loss of p, precision, recall and f1
               with pos_label "yes"
  multinomial  y3 ~ x1 + x2, classes "ant" < "bee" < "cow" ("ant" the
               reference): accuracy_score of the most probable class,
               log_loss of the probability matrix (labels in that order)
A test row whose target is NULL is not scored (n_skipped), as
learn.evaluate does; n counts the others.
"""
import csv
import math

import numpy as np
import sklearn.metrics as skm
import statsmodels.api as sm

DATA = "data/evaluate.csv"
EXPECTED = "tests/reference/expected/evaluate_expected.csv"
COLUMNS = ["id", "part", "x1", "x2", "y", "yb", "y3"]
CLASSES = ["ant", "bee", "cow"]


def shortest(x):
    """The shortest decimal that reads back as the same double (no -0)."""
    return repr(float(x) + 0.0)


# ---------------------------------------------------------------- the data
rng = np.random.default_rng(20261204)
n = 500
x1 = np.round(rng.normal(size=n), 6)
x2 = np.round(rng.normal(size=n), 6)
y = np.round(1 + 2 * x1 - x2 + rng.normal(0, 1.5, n), 6)
yb = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 + 1.2 * x1 - 0.8 * x2))), "yes", "no")
eta = np.stack([np.zeros(n), 0.4 + x1 - 0.5 * x2, -0.2 - 0.7 * x1 + x2], axis=1)
prob = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
y3 = np.array([CLASSES[rng.choice(3, p=prob[i])] for i in range(n)])
part = np.where(rng.uniform(size=n) < 0.7, "train", "test")

rows = []
for i in range(n):
    rows.append({"id": i + 1, "part": part[i], "x1": shortest(x1[i]), "x2": shortest(x2[i]),
                 "y": shortest(y[i]), "yb": yb[i], "y3": y3[i]})
# a few NULL targets, in both parts
for c in ["y", "yb", "y3"]:
    for i in np.nonzero(rng.uniform(size=n) < 0.03)[0]:
        rows[i][c] = ""

with open(DATA, "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(COLUMNS)
    for r in rows:
        out.writerow([r[c] for c in COLUMNS])

# ----------------------------------------------------- read back from disk
with open(DATA, newline="", encoding="utf-8") as f:
    data = list(csv.DictReader(f))


def design(rs):
    return np.array([[1.0, float(r["x1"]), float(r["x2"])] for r in rs])


def split(target):
    """The train and test rows whose target is not NULL, and the count of
    test rows whose target is."""
    train = [r for r in data if r["part"] == "train" and r[target] != ""]
    test = [r for r in data if r["part"] == "test" and r[target] != ""]
    skipped = sum(1 for r in data if r["part"] == "test" and r[target] == "")
    return train, test, skipped


results = []


def put(case, key, value):
    v = float(value)
    results.append((case, key, "" if math.isnan(v) else "%.17g" % v))


# linear
train, test, skipped = split("y")
fit = sm.OLS(np.array([float(r["y"]) for r in train]), design(train)).fit()
yt = np.array([float(r["y"]) for r in test])
yh = fit.predict(design(test))
put("linear", "n", len(test))
put("linear", "n_skipped", skipped)
put("linear", "r2", skm.r2_score(yt, yh))
put("linear", "mse", skm.mean_squared_error(yt, yh))
put("linear", "rmse", math.sqrt(skm.mean_squared_error(yt, yh)))
put("linear", "mae", skm.mean_absolute_error(yt, yh))

# logistic
train, test, skipped = split("yb")
fit = sm.Logit(np.array([r["yb"] == "yes" for r in train], dtype=float),
               design(train)).fit(method="newton", tol=1e-14, maxiter=100, disp=False)
actual = np.array([r["yb"] for r in test])
p = fit.predict(design(test))
label = np.where(p > 0.5, "yes", "no")
put("logistic", "n", len(test))
put("logistic", "n_skipped", skipped)
put("logistic", "accuracy", skm.accuracy_score(actual, label))
put("logistic", "auc", skm.roc_auc_score(actual == "yes", p))
put("logistic", "log_loss", skm.log_loss(actual == "yes", p))
put("logistic", "precision", skm.precision_score(actual, label, pos_label="yes"))
put("logistic", "recall", skm.recall_score(actual, label, pos_label="yes"))
put("logistic", "f1", skm.f1_score(actual, label, pos_label="yes"))

# multinomial
train, test, skipped = split("y3")
fit = sm.MNLogit(np.array([CLASSES.index(r["y3"]) for r in train]),
                 design(train)).fit(method="newton", tol=1e-14, maxiter=100, disp=False)
actual = np.array([r["y3"] for r in test])
pm = np.asarray(fit.predict(design(test)))
label = np.array([CLASSES[k] for k in pm.argmax(axis=1)])
put("multinomial", "n", len(test))
put("multinomial", "n_skipped", skipped)
put("multinomial", "accuracy", skm.accuracy_score(actual, label))
put("multinomial", "log_loss", skm.log_loss(actual, pm, labels=CLASSES))

with open(EXPECTED, "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["case", "key", "value"])
    for r in results:
        out.writerow(r)
