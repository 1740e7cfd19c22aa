#!/usr/bin/python3
"""pg_learn reference generator for the multinomial family and for the ROC AUC
of binary logistic fits.

Writes data/multinomial.csv (generated with a fixed numpy seed, every value
rounded to 6 decimals and printed as the shortest decimal that reads back as
the same double) and, from fits on that file as read back from disk:
  tests/reference/expected/multinomial_coef.csv     (statsmodels MNLogit)
  tests/reference/expected/multinomial_metrics.csv
  tests/reference/expected/glm_auc.csv               (statsmodels GLM Binomial,
      sklearn roc_auc_score; the binomial fits are on data/glm.csv, which
      glm_reference.R writes, plus two on data/multinomial.csv)
Uses Debian's python3-numpy, python3-statsmodels, python3-sklearn and
python3-pandas only.

Run from the repository root:  python3 tests/reference/multinomial_reference.py
(/usr/bin/python3, the interpreter the Debian packages are installed for.)

It prints the library versions, any convergence warning and the largest
discrepancy of each cross-check: the log-likelihood by hand from the softmax
at the estimates, log_loss by hand against sklearn's, aic/bic against
statsmodels', the null log-likelihood in closed form against statsmodels'
refit, the weighted case (statsmodels on replicated rows) against a weighted
Newton fit on the original rows, each AUC against a Mann-Whitney count and,
for the data/glm.csv cases, against the AUC of R's estimates
(expected/glm_coef.csv; R stops at a 1e-8 relative deviance change, so its
estimates themselves differ from these MLEs by up to ~1e-5).
"""
import csv
import math
import warnings

import numpy as np
import pandas as pd
import sklearn
import sklearn.metrics
import statsmodels
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import MNLogit
from statsmodels.genmod.families import links
from statsmodels.tools.sm_exceptions import ConvergenceWarning

DATA = "data/multinomial.csv"
EXP = "tests/reference/expected/"


def fmt17(x):
    return "%.17g" % x


def shortest(x):
    """The shortest decimal that reads back as the same double (no -0)."""
    return repr(float(x) + 0.0)


# ---------------------------------------------------------------- the data
rng = np.random.default_rng(20261202)
n = 600
x1 = np.round(rng.normal(size=n), 6)
x2 = np.round(rng.uniform(0, 2, n), 6)
x3 = np.round(rng.uniform(0, 1, n), 6)
g = np.tile([1, 2], n // 2)
w = np.resize([1, 2, 3, 1], n)


def draw(etas):
    """One class index per row from the softmax of etas (rows x classes)."""
    p = np.exp(etas - etas.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.uniform(size=len(p))
    return np.minimum((u[:, None] > np.cumsum(p, axis=1)).sum(axis=1), p.shape[1] - 1)


zero = np.zeros(n)
# y3: 'bird' (the reference, eta 0), 'cat', 'dog'
y3 = np.array(["bird", "cat", "dog"])[draw(np.column_stack([
    zero, 0.3 + 1.0 * x1 - 0.6 * x2, -0.2 - 0.8 * x1 + 0.9 * x2]))]
# y4: 1 (the reference, eta 0), 2, 3, 4
y4 = 1 + draw(np.column_stack([
    zero,
    0.2 + 0.5 * x1 - 0.4 * x2 + 0.6 * x3,
    -0.3 - 0.6 * x1 + 0.5 * x2 + 0.3 * x3,
    0.1 + 0.3 * x1 + 0.2 * x2 - 0.8 * x3]))
yb = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-0.3 + 1.1 * x1 - 0.7 * x2)))).astype(int)

with open(DATA, "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["x1", "x2", "x3", "g", "w", "y3", "y4", "yb"])
    for i in range(n):
        out.writerow([shortest(x1[i]), shortest(x2[i]), shortest(x3[i]),
                      g[i], w[i], y3[i], y4[i], yb[i]])

# fit on what was read back (and check that it round-tripped exactly)
d = pd.read_csv(DATA, float_precision="round_trip", dtype={"y3": str, "y4": str})
assert (d.x1.values == x1).all() and (d.x2.values == x2).all() and (d.x3.values == x3).all()
assert (d.y3.values == y3).all() and (d.y4.values.astype(int) == y4).all()
# every class in both groups; no x3 on a rounding half at one decimal (the
# ties case rounds it: then every rounding rule gives the same x3r)
for gr in (1, 2):
    assert set(d.y3[d.g == gr]) == {"bird", "cat", "dog"}
    assert set(d.y4[d.g == gr]) == {"1", "2", "3", "4"}
assert not any(abs(v * 100 % 10 - 5) < 1e-6 and abs(v * 100 - round(v * 100)) < 1e-6
               for v in d.x3)
glm_d = pd.read_csv("data/glm.csv", float_precision="round_trip")

print("numpy %s, pandas %s, statsmodels %s, sklearn %s" % (
    np.__version__, pd.__version__, statsmodels.__version__, sklearn.__version__))

# largest discrepancy of each cross-check
checks = {}


def check(name, a, b, relative=True):
    a, b = np.asarray(a, float), np.asarray(b, float)
    err = np.abs(a - b)
    if relative:
        err = err / np.maximum(np.abs(b), 1e-300)
    checks[name] = max(checks.get(name, 0.0), float(np.max(err)) if err.size else 0.0)


def fit_reporting(label, fit):
    """Runs fit(), printing (not hiding) any convergence warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit()
    for wm in caught:
        if issubclass(wm.category, (ConvergenceWarning, RuntimeWarning)):
            print("WARNING %s: %s" % (label, wm.message))
    return res


def design(frame, terms, intercept):
    cols = [np.ones(len(frame))] if intercept else []
    cols += [frame[t].to_numpy(float) for t in terms]
    names = (["(intercept)"] if intercept else []) + list(terms)
    return np.column_stack(cols), names


def softmax_logp(X, B):
    """log class probabilities, the reference class's eta being 0."""
    eta = np.column_stack([np.zeros(len(X)), X @ B])
    m = eta.max(axis=1, keepdims=True)
    return eta - m - np.log(np.exp(eta - m).sum(axis=1, keepdims=True))


def weighted_newton(X, code, wt, K):
    """Weighted multinomial logit by Newton's method on the original rows:
    returns (p x K-1 estimates, their standard errors from the inverse of the
    weighted log-likelihood's Hessian)."""
    p = X.shape[1]
    Y = np.eye(K)[code][:, 1:]
    beta = np.zeros(p * (K - 1))
    for _ in range(100):
        P = np.exp(softmax_logp(X, beta.reshape(K - 1, p).T))[:, 1:]
        grad = np.concatenate([X.T @ (wt * (Y[:, j] - P[:, j])) for j in range(K - 1)])
        info = np.empty((p * (K - 1), p * (K - 1)))
        for j in range(K - 1):
            for k in range(K - 1):
                v = wt * P[:, j] * ((j == k) - P[:, k])
                info[j * p:(j + 1) * p, k * p:(k + 1) * p] = X.T @ (v[:, None] * X)
        step = np.linalg.solve(info, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-15 * max(1.0, np.max(np.abs(beta))):
            break
    P = np.exp(softmax_logp(X, beta.reshape(K - 1, p).T))[:, 1:]
    for j in range(K - 1):
        for k in range(K - 1):
            v = wt * P[:, j] * ((j == k) - P[:, k])
            info[j * p:(j + 1) * p, k * p:(k + 1) * p] = X.T @ (v[:, None] * X)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    return beta.reshape(K - 1, p).T, se.reshape(K - 1, p).T


# ------------------------------------------------------------ multinomial
coef_rows = []
metric_rows = []


def multinomial_case(case, frame, yname, terms, intercept=True, weighted=False):
    labels = frame[yname].to_numpy(str)
    classes = sorted(set(labels))   # '1' < '2' < ... for y4, the labels being one digit
    K = len(classes)
    code = np.array([classes.index(s) for s in labels])
    X, names = design(frame, terms, intercept)
    wt = frame["w"].to_numpy(float) if weighted else np.ones(len(frame))
    nrows, p = X.shape
    k = (K - 1) * p
    # MNLogit orders the classes by np.unique(endog): codes 0..K-1 keep them
    # in the labels' sort order, the first one being the reference
    rep = np.repeat(np.arange(nrows), wt.astype(int))
    mod = MNLogit(code[rep], X[rep])
    res = fit_reporting(case, lambda: mod.fit(method="newton", maxiter=100, tol=1e-14, disp=0))
    if not res.mle_retvals.get("converged", True):
        print("WARNING %s: not converged" % case)
    B = np.asarray(res.params)
    se, z, pv = (np.asarray(a) for a in (res.bse, res.tvalues, res.pvalues))
    for j in range(K - 1):
        for t in range(p):
            coef_rows.append([case, classes[j + 1], names[t], fmt17(B[t, j]),
                              fmt17(se[t, j]), fmt17(z[t, j]), fmt17(pv[t, j])])

    logp = softmax_logp(X, B)                      # original rows
    lp_actual = logp[np.arange(nrows), code]
    llf = float(res.llf)
    check("llf: statsmodels vs softmax by hand", llf, np.sum(wt * lp_actual))
    if weighted:
        Bw, sew = weighted_newton(X, code, wt, K)
        check("weighted: replicated-row MNLogit vs weighted Newton (estimates)", B, Bw)
        check("weighted: replicated-row MNLogit vs weighted Newton (std errors)", se, sew)
    m = {"log_likelihood": llf, "deviance": -2 * llf}
    if intercept:
        # intercept-only MLE: the (weighted) class shares
        nk = np.array([wt[code == c].sum() for c in range(K)])
        llnull = float(np.sum(nk * np.log(nk / nk.sum())))
        check("llnull: closed form vs statsmodels refit", llnull, res.llnull)
        m["null_deviance"] = -2 * llnull
    m["aic"] = -2 * llf + 2 * k
    m["bic"] = -2 * llf + k * math.log(nrows)
    if not weighted:
        check("aic/bic vs statsmodels", [m["aic"], m["bic"]], [res.aic, res.bic])
    pred = logp.argmax(axis=1)
    m["accuracy"] = float(np.sum(wt * (pred == code)) / np.sum(wt))
    m["log_loss"] = float(-np.sum(wt * lp_actual) / np.sum(wt))
    check("log_loss: by hand vs sklearn", m["log_loss"],
          sklearn.metrics.log_loss(code, np.exp(logp), sample_weight=wt, labels=list(range(K))))
    m["df_residual"] = nrows - k
    for key, value in m.items():
        metric_rows.append([case, key, fmt17(value)])
    print("%-22s classes %s, n %d, %d iterations, llf %.12g, accuracy %.4g"
          % (case, classes, nrows, res.mle_retvals.get("iterations", -1), llf, m["accuracy"]))


multinomial_case("multinomial", d, "y3", ["x1", "x2"])
multinomial_case("multinomial4", d, "y4", ["x1", "x2", "x3"])
multinomial_case("multinomial_noint", d, "y3", ["x1", "x2"], intercept=False)
multinomial_case("multinomial_weighted", d, "y3", ["x1", "x2"], weighted=True)
for gr in (1, 2):
    multinomial_case("multinomial_g%d" % gr, d[d.g == gr].reset_index(drop=True),
                     "y3", ["x1", "x2"])

with open(EXP + "multinomial_coef.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["case_name", "class", "term", "estimate", "std_error", "statistic", "p_value"])
    out.writerows(coef_rows)
with open(EXP + "multinomial_metrics.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["case_name", "key", "value"])
    out.writerows(metric_rows)

# ------------------------------------------------------------------- AUC
# R's estimates of the glm.csv cases, to check the statsmodels fits against
r_coef = pd.read_csv(EXP + "glm_coef.csv", float_precision="round_trip")


def mann_whitney_auc(y, s, wt):
    """Weighted share of (positive, negative) pairs ranked right, a tie
    counting one half."""
    pos, neg = y == 1, y == 0
    sp, sn = s[pos][:, None], s[neg][None, :]
    pair = wt[pos][:, None] * wt[neg][None, :]
    return float(np.sum(pair * ((sp > sn) + 0.5 * (sp == sn))) / np.sum(pair))


auc_rows = []


def auc_case(case, frame, yname, terms, link=None, weighted=False, r_case=None):
    X, names = design(frame, terms, True)
    y = frame[yname].to_numpy(int)
    wt = frame["w"].to_numpy(float) if weighted else np.ones(len(frame))
    fam = sm.families.Binomial(link=link() if link else None)
    mod = sm.GLM(y, X, family=fam, freq_weights=wt if weighted else None)
    res = fit_reporting(case, lambda: mod.fit(method="IRLS", maxiter=100, tol=1e-14))
    if not res.converged:
        print("WARNING %s: not converged" % case)
    score = res.predict(X)
    auc = sklearn.metrics.roc_auc_score(y, score, sample_weight=wt if weighted else None)
    check("auc: sklearn vs Mann-Whitney by hand", auc, mann_whitney_auc(y, score, wt))
    if r_case is not None:
        # R's glm() stops at its 1e-8 relative deviance change, statsmodels
        # here at the MLE to ~1e-14: the estimates differ by up to ~1e-5, but
        # the scores must rank the rows the same, giving the same AUC
        r = r_coef[r_coef.case_name == r_case].set_index("term").loc[names]
        check("binomial estimates vs R's (glm_coef.csv, R's 1e-8 stopping)",
              res.params, r.estimate.to_numpy())
        score_r = fam.link.inverse(X @ r.estimate.to_numpy())
        check("auc: statsmodels' estimates vs R's", auc, sklearn.metrics.roc_auc_score(
            y, score_r, sample_weight=wt if weighted else None), relative=False)
    auc_rows.append([case, fmt17(auc)])
    print("%-22s auc %.12g (%d distinct scores)" % (case, auc, len(np.unique(score))))


probit = getattr(links, "Probit", None) or links.probit
cloglog = getattr(links, "CLogLog", None) or links.cloglog
auc_case("logistic", glm_d, "yb", ["x1", "x2"], r_case="logistic")
auc_case("logistic_weighted", glm_d, "yb", ["x1", "x2"], weighted=True, r_case="logistic_weighted")
auc_case("probit", glm_d, "yp", ["x1", "x2"], link=probit, r_case="probit")
auc_case("cloglog", glm_d, "yp", ["x1", "x2"], link=cloglog, r_case="cloglog")
auc_case("multinomial_yb", d, "yb", ["x1", "x2"])
# ties: x3 rounded to one decimal leaves 11 distinct values, so the scores
# are heavily tied and the AUC depends on a tied (positive, negative) pair
# counting one half
d_ties = d.assign(x3r=d.x3.round(1))
auc_case("ties", d_ties, "yb", ["x3r"])

with open(EXP + "glm_auc.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["case_name", "value"])
    out.writerows(auc_rows)

print("cross-checks, largest discrepancy (relative, AUCs absolute):")
for name, err in checks.items():
    print("  %-66s %.3g" % (name, err))
print("overall max discrepancy (the R estimates' line aside): %.3g"
      % max(v for k, v in checks.items() if "R's 1e-8" not in k))
