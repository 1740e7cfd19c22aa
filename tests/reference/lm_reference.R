#!/usr/bin/env Rscript
# pg_learn reference generator.
#
# Regenerates the data sets in data/ and the expected results in
# tests/reference/expected/ using base R's lm() and sandwich::vcovHC().
# Run from the repository root:
#     Rscript tests/reference/lm_reference.R
#
# All models are fitted on the CSV files *as read back from disk*, so the
# references describe exactly the data that the SQL tests load.

suppressPackageStartupMessages(library(sandwich))

data_dir <- "data"
exp_dir  <- file.path("tests", "reference", "expected")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)
dir.create(exp_dir,  showWarnings = FALSE, recursive = TRUE)

# ---------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------

# Reference values: always 17 significant digits (round-trips any double).
# NA is written as an empty field; Inf/-Inf/NaN as R spells them.
fmt17 <- function(x) {
  out <- sprintf("%.17g", x)
  out[is.na(x) & !is.nan(x)] <- ""
  out
}

# Data values: the shortest plain (non-exponent) decimal string that reads
# back as the very same double (so 2.62 is written "2.62", not
# "2.6200000000000001", and 160 is written "160").
fmt_short <- function(x) {
  vapply(x, function(v) {
    if (is.na(v)) return("")
    for (d in 0:25) {
      s <- sprintf("%.*f", d, v)
      if (as.numeric(s) == v) return(s)
    }
    sprintf("%.17g", v)
  }, character(1))
}

# Write a data.frame as CSV: header, no quotes unless needed, numbers exact.
write_data_csv <- function(df, path) {
  cols <- lapply(df, function(col) {
    if (is.numeric(col)) fmt_short(col) else as.character(col)
  })
  lines <- c(paste(names(df), collapse = ","),
             do.call(paste, c(cols, sep = ",")))
  writeLines(lines, path)
  invisible(path)
}

write_lines_csv <- function(header, cols, path) {
  writeLines(c(paste(header, collapse = ","),
               do.call(paste, c(cols, sep = ","))), path)
}

# Term names: "(Intercept)" -> "(intercept)", others are the column names.
term_names <- function(nm) ifelse(nm == "(Intercept)", "(intercept)", nm)

# ---------------------------------------------------------------------------
# Reference writers
# ---------------------------------------------------------------------------

# Coefficient table in model-matrix order; aliased terms keep their row with
# empty (NA) fields.  If `vcov_fun` is given, standard errors come from that
# covariance matrix (e.g. a sandwich estimator), statistic = estimate / se and
# p_value = 2 * pt(-|t|, df.residual).
write_coef <- function(fit, case, vcov_fun = NULL) {
  est <- coef(fit)                       # includes NA for aliased terms
  se  <- rep(NA_real_, length(est)); names(se) <- names(est)
  ok  <- !is.na(est)
  V   <- if (is.null(vcov_fun)) vcov(fit) else vcov_fun(fit)
  se[ok] <- sqrt(diag(V))[names(est)[ok]]
  stat <- est / se
  pval <- 2 * pt(-abs(stat), df.residual(fit))
  if (is.null(vcov_fun)) {
    # cross-check against summary.lm for the classical case
    sm <- coef(summary(fit))
    stopifnot(isTRUE(all.equal(unname(sm[, 2]), unname(se[ok]), tolerance = 1e-12)),
              isTRUE(all.equal(unname(sm[, 4]), unname(pval[ok]), tolerance = 1e-12)))
  }
  write_lines_csv(c("term", "estimate", "std_error", "statistic", "p_value"),
                  list(term_names(names(est)), fmt17(est), fmt17(se),
                       fmt17(stat), fmt17(pval)),
                  file.path(exp_dir, paste0(case, "_coef.csv")))
}

# Fit metrics.  w = prior weights (1 when unweighted), e = raw residuals.
#   rmse             = sqrt(sum(w * e^2) / sum(w))
#   log_likelihood   = logLik(fit)  (R includes 0.5*sum(log(w)) for weights)
#   aic, bic         = AIC(fit), BIC(fit); R counts sigma as a parameter,
#                      i.e. k = rank + 1
#   condition_number = sqrt(max / min eigenvalue of crossprod(sqrt(w) * X)),
#                      X the full model matrix (intercept and aliased columns
#                      included).  Computed as the equivalent ratio of the
#                      largest to smallest singular value of sqrt(w) * X:
#                      forming crossprod() squares the condition number, so
#                      for longley (~4.86e9) eigen() is off in the 3rd digit
#                      (4.866e9 vs SVD/QR 4.859e9), and for the rank-deficient
#                      case its smallest eigenvalue comes out negative (NaN).
#                      The SVD value is stable; for the singular case it is
#                      huge (~4e16, rounding level) rather than Inf.
write_metrics <- function(fit, case) {
  sm <- summary(fit)
  w  <- weights(fit); if (is.null(w)) w <- rep(1, nobs(fit))
  e  <- residuals(fit)
  X  <- model.matrix(fit)
  sv <- svd(sqrt(w) * X, nu = 0, nv = 0)$d
  cond <- max(sv) / min(sv)
  fs <- sm$fstatistic
  vals <- c(
    n                = nobs(fit),
    r2               = sm$r.squared,
    adj_r2           = sm$adj.r.squared,
    sigma            = sm$sigma,
    rmse             = sqrt(sum(w * e^2) / sum(w)),
    f_statistic      = unname(fs["value"]),
    f_p_value        = unname(pf(fs["value"], fs["numdf"], fs["dendf"], lower.tail = FALSE)),
    log_likelihood   = as.numeric(logLik(fit)),
    aic              = AIC(fit),
    bic              = BIC(fit),
    condition_number = cond
  )
  write_lines_csv(c("key", "value"), list(names(vals), fmt17(unname(vals))),
                  file.path(exp_dir, paste0(case, "_metrics.csv")))
  invisible(vals)
}

write_case <- function(fit, case) {
  write_coef(fit, case)
  write_metrics(fit, case)
}

# ---------------------------------------------------------------------------
# Data files
# ---------------------------------------------------------------------------

# mtcars: row names become the first column `model`.
mt <- data.frame(model = rownames(mtcars), mtcars, row.names = NULL)
write_data_csv(mt, file.path(data_dir, "mtcars.csv"))

# stackloss: renamed to snake_case.
sl <- stackloss
names(sl) <- c("air_flow", "water_temp", "acid_conc", "stack_loss")
write_data_csv(sl, file.path(data_dir, "stackloss.csv"))

# longley in NIST StRD units (R's data set is rescaled).  x1, the GNP
# deflator, has one decimal in NIST (83.0, 88.5, ...); everything else is an
# integer.
lo <- data.frame(
  y  = round(longley$Employed * 1000),
  x1 = round(longley$GNP.deflator, 1),
  x2 = round(longley$GNP * 1000),
  x3 = round(longley$Unemployed * 10),
  x4 = round(longley$Armed.Forces * 10),
  x5 = round(longley$Population * 1000),
  x6 = longley$Year
)
# spot checks against NIST Longley.dat (first, middle and last rows)
stopifnot(
  identical(unname(unlist(lo[1, ])),  c(60323, 83.0, 234289, 2356, 1590, 107608, 1947)),
  identical(unname(unlist(lo[8, ])),  c(63761, 100.0, 363112, 3578, 3350, 116219, 1954)),
  identical(unname(unlist(lo[16, ])), c(70551, 116.9, 554894, 4007, 2827, 130081, 1962))
)
write_data_csv(lo, file.path(data_dir, "longley.csv"))

# NIST certified values for Longley (copied from the StRD page).
cert <- data.frame(
  term = c("(intercept)", "x1", "x2", "x3", "x4", "x5", "x6"),
  estimate = c(-3482258.63459582, 15.0618722713733, -0.358191792925910E-01,
               -2.02022980381683, -1.03322686717359, -0.511041056535807E-01,
               1829.15146461355),
  std_error = c(890420.383607373, 84.9149257747669, 0.334910077722432E-01,
                0.488399681651699, 0.214274163161675, 0.226073200069370,
                455.478499142212)
)
write_lines_csv(c("term", "estimate", "std_error"),
                list(cert$term, fmt_short(cert$estimate), fmt_short(cert$std_error)),
                file.path(data_dir, "longley_certified.csv"))
cert_metrics <- c(sigma = 304.854073561965, r2 = 0.995479004577296)
write_lines_csv(c("key", "value"),
                list(names(cert_metrics), fmt_short(unname(cert_metrics))),
                file.path(data_dir, "longley_certified_metrics.csv"))

# iris: snake_case names, species as text.
ir <- iris
names(ir) <- c("sepal_length", "sepal_width", "petal_length", "petal_width", "species")
ir$species <- as.character(ir$species)
write_data_csv(ir, file.path(data_dir, "iris.csv"))

# mtcars_rankdef: combo = 2*wt + hp is an exact linear combination.  combo is
# computed in double precision by R and written with its shortest exact
# decimal, so reading the CSV gives back the same double.
rd <- data.frame(mpg = mtcars$mpg, wt = mtcars$wt, hp = mtcars$hp,
                 qsec = mtcars$qsec, combo = 2 * mtcars$wt + mtcars$hp)
write_data_csv(rd, file.path(data_dir, "mtcars_rankdef.csv"))

# Read everything back: the references are computed from the files on disk,
# and every numeric value must read back as exactly the double written.
rd_csv <- function(f) read.csv(file.path(data_dir, f), stringsAsFactors = FALSE)
same_data <- function(a, b) {
  num <- vapply(a, is.numeric, logical(1))
  identical(names(a), names(b)) &&
    all(mapply(function(x, y) identical(as.numeric(x), as.numeric(y)), a[num], b[num])) &&
    all(mapply(identical, a[!num], b[!num]))
}
in_memory <- list(mt = mt, sl = sl, lo = lo, ir = ir, rd = rd)
mt <- rd_csv("mtcars.csv")
sl <- rd_csv("stackloss.csv")
lo <- rd_csv("longley.csv")
ir <- rd_csv("iris.csv")
rd <- rd_csv("mtcars_rankdef.csv")
stopifnot(same_data(in_memory$mt, mt), same_data(in_memory$sl, sl),
          same_data(in_memory$lo, lo), same_data(in_memory$ir, ir),
          same_data(in_memory$rd, rd),
          identical(rd$combo, 2 * rd$wt + rd$hp))

# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

# mtcars: all ten predictors, with intercept.
fit_mtcars <- lm(mpg ~ cyl + disp + hp + drat + wt + qsec + vs + am + gear + carb, data = mt)
write_case(fit_mtcars, "mtcars")

# stackloss: the classic three-predictor model.
fit_sl <- lm(stack_loss ~ air_flow + water_temp + acid_conc, data = sl)
write_case(fit_sl, "stackloss")

# longley: NIST StRD "higher difficulty" problem; must match certified values.
fit_lo <- lm(y ~ x1 + x2 + x3 + x4 + x5 + x6, data = lo)
write_case(fit_lo, "longley")
cert_csv <- rd_csv("longley_certified.csv")
rel_est <- max(abs(coef(fit_lo) - cert_csv$estimate) / abs(cert_csv$estimate))
rel_se  <- max(abs(coef(summary(fit_lo))[, 2] - cert_csv$std_error) / cert_csv$std_error)
rel_sig <- abs(summary(fit_lo)$sigma - cert_metrics[["sigma"]]) / cert_metrics[["sigma"]]
rel_r2  <- abs(summary(fit_lo)$r.squared - cert_metrics[["r2"]]) / cert_metrics[["r2"]]
cat(sprintf("longley vs NIST (max relative error): estimate %.3g, std_error %.3g, sigma %.3g, r2 %.3g\n",
            rel_est, rel_se, rel_sig, rel_r2))
stopifnot(rel_est < 1e-7, rel_se < 1e-7, rel_sig < 1e-7, rel_r2 < 1e-7)

# mtcars_weighted: weighted least squares with weights = drat (an existing,
# strictly positive column, so the SQL test can pass weight => 'drat').
fit_mtw <- lm(mpg ~ wt + hp + qsec, data = mt, weights = drat)
write_case(fit_mtw, "mtcars_weighted")

# mtcars_noint: no intercept; R's r2 / F-test are then the uncentered ones
# (total sum of squares about zero, numdf = 3).
fit_noint <- lm(mpg ~ 0 + wt + hp + qsec, data = mt)
write_case(fit_noint, "mtcars_noint")

# iris_grouped: one independent fit per species, one file pair per group.
for (sp in sort(unique(ir$species))) {
  fit_sp <- lm(sepal_length ~ sepal_width + petal_length + petal_width,
               data = ir[ir$species == sp, ])
  write_case(fit_sp, paste0("iris_grouped_", sp))
}

# mtcars_rankdef: combo = 2*wt + hp is collinear; R pivots it out and reports
# it as aliased (NA).  Statistics use the rank (4) not the column count (5).
fit_rd <- lm(mpg ~ wt + hp + combo + qsec, data = rd)
stopifnot(is.na(coef(fit_rd)[["combo"]]))
write_case(fit_rd, "mtcars_rankdef")

# stackloss_hc0 / stackloss_hc1: heteroskedasticity-consistent standard errors
# (sandwich::vcovHC), t-statistic and p-value on df.residual.
write_coef(fit_sl, "stackloss_hc0", function(f) vcovHC(f, type = "HC0"))
write_coef(fit_sl, "stackloss_hc1", function(f) vcovHC(f, type = "HC1"))

# mtcars_weighted_hc1: HC1 standard errors for the weighted (drat) fit.
write_coef(fit_mtw, "mtcars_weighted_hc1", function(f) vcovHC(f, type = "HC1"))

cat("references written to", exp_dir, "\n")
