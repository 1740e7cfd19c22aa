#!/usr/bin/env Rscript
# pg_learn reference generator for categorical (text) predictors.
#
# Writes data/factors.csv (generated, reproducible) and, from R's lm() and
# glm() on that file as read back from disk, with R's default treatment
# contrasts, tests/reference/expected/factors_coef.csv, factors_metrics.csv
# and factors_predict.csv.  Run from the repository root:
#     Rscript tests/reference/factors_reference.R
#
# Term names follow pg_learn: the intercept is "(intercept)", a numeric term
# is its column name and an encoded level is "column=level" (R's
# "colorgreen" becomes "color=green").  The level of each model-matrix column
# is taken from the model (its "assign" attribute names the variable, the
# rest of the column name is the contrast column, checked against the
# variable's xlevels and against the column's 0/1 values), never guessed from
# the string, so level labels that are prefixes of each other are safe.
#
# Levels are the default order of R's factor(), which for these ASCII labels
# ("blue" < "green" < "red", "L" < "M" < "S" < "XL") is byte order and also
# PostgreSQL's ORDER BY in both the "C" and the en_US collations; the script
# stops if the levels come out in any other order.  The first level is the
# reference.  Without an intercept R codes the FIRST factor with all its
# levels and the later ones with treatment contrasts (case lm_noint); that is
# kept as it is: R is the reference.
suppressPackageStartupMessages(library(sandwich))
data_dir <- "data"
exp_dir  <- file.path("tests", "reference", "expected")

# 6 decimals, as the double nearest to the 6-decimal string: R's round(v, 6)
# may be an ulp away from it (round(., 6) of y gave 0.60959700000000006
# where the file's "0.609597" reads as 0.60959699999999994)
r6 <- function(v) as.numeric(sprintf("%.6f", v))

set.seed(20261203)
n <- 300
x1 <- r6(rnorm(n))
x2 <- r6(runif(n, 0, 3))
color <- sample(c("blue", "green", "red"), n, replace = TRUE,
                prob = c(0.5, 0.3, 0.2))
size <- sample(c("L", "M", "S", "XL"), n, replace = TRUE,
               prob = c(0.3, 0.3, 0.25, 0.15))
g <- rep(1:2, length.out = n)
w <- rep(1:3, length.out = n)
color_eff <- c(blue = 0, green = 1.5, red = -1)
size_eff  <- c(L = 0, M = 0.5, S = -0.8, XL = 2)
y <- r6(1 + 0.8 * x1 - 0.6 * x2 + color_eff[color] + size_eff[size] +
        rnorm(n, 0, 0.7))
yb <- rbinom(n, 1, plogis(-0.2 + 1.1 * x1 + c(blue = 0, green = 0.9, red = -0.8)[color]))
yc <- rpois(n, exp(0.4 + 0.5 * x1 + c(L = 0, M = 0.3, S = -0.4, XL = 0.8)[size]))
d <- data.frame(x1, x2, color, size, g, w, y = unname(y), yb, yc)
write.csv(d, file.path(data_dir, "factors.csv"), row.names = FALSE)
in_memory <- d
d <- read.csv(file.path(data_dir, "factors.csv"), stringsAsFactors = FALSE)
stopifnot(identical(names(d), names(in_memory)),
          all(mapply(function(a, b) identical(as.numeric(a), as.numeric(b)),
                     d[c("x1", "x2", "g", "w", "y", "yb", "yc")],
                     in_memory[c("x1", "x2", "g", "w", "y", "yb", "yc")])),
          identical(d$color, in_memory$color), identical(d$size, in_memory$size))
# text columns -> factors, levels in factor()'s default order, which must be
# byte ("C") order as well
d$color <- factor(d$color)
d$size <- factor(d$size)
stopifnot(identical(levels(d$color), c("blue", "green", "red")),
          identical(levels(d$size), c("L", "M", "S", "XL")),
          identical(levels(d$color), sort(levels(d$color), method = "radix")),
          identical(levels(d$size), sort(levels(d$size), method = "radix")))

fmt17 <- function(x) sprintf("%.17g", x)

# pg_learn term names for the columns of fit's model matrix, in R's order.
pg_terms <- function(fit) {
  X <- model.matrix(fit)
  mf <- model.frame(fit)
  asg <- attr(X, "assign")
  labels <- attr(terms(fit), "term.labels")
  vapply(seq_along(asg), function(j) {
    cn <- colnames(X)[j]
    if (asg[j] == 0) {
      stopifnot(cn == "(Intercept)")
      return("(intercept)")
    }
    v <- labels[asg[j]]
    if (!(v %in% names(fit$xlevels))) {      # numeric term
      stopifnot(cn == v)
      return(v)
    }
    stopifnot(startsWith(cn, v))
    lev <- substring(cn, nchar(v) + 1)
    stopifnot(lev %in% fit$xlevels[[v]],
              identical(unname(X[, j]), as.numeric(mf[[v]] == lev)))
    paste0(v, "=", lev)
  }, character(1))
}

coef_rows <- list()
metric_rows <- list()
add_case <- function(case, fit) {
  stopifnot(!anyNA(coef(fit)))               # no aliased terms expected
  s <- summary(fit)
  co <- s$coefficients
  stopifnot(identical(rownames(co), colnames(model.matrix(fit))))
  coef_rows[[length(coef_rows) + 1]] <<- data.frame(
    case_name = case, term = pg_terms(fit),
    estimate = fmt17(co[, 1]), std_error = fmt17(co[, 2]),
    statistic = fmt17(co[, 3]), p_value = fmt17(co[, 4]))
  if (inherits(fit, "glm")) {
    m <- c(deviance = fit$deviance, null_deviance = fit$null.deviance,
           aic = AIC(fit), bic = BIC(fit),
           log_likelihood = as.numeric(logLik(fit)),
           df_residual = fit$df.residual, iterations = fit$iter,
           rank = fit$rank)
  } else {
    fs <- s$fstatistic
    m <- c(r2 = s$r.squared, adj_r2 = s$adj.r.squared, sigma = s$sigma,
           f_statistic = unname(fs["value"]),
           f_p_value = unname(pf(fs["value"], fs["numdf"], fs["dendf"],
                                 lower.tail = FALSE)),
           log_likelihood = as.numeric(logLik(fit)),
           aic = AIC(fit), bic = BIC(fit),
           df_residual = fit$df.residual, rank = fit$rank)
  }
  metric_rows[[length(metric_rows) + 1]] <<- data.frame(
    case_name = case, key = names(m), value = fmt17(m))
  invisible(fit)
}

fit_color <- add_case("lm_color", lm(y ~ color + x1, d))
fit_two <- add_case("lm_two", lm(y ~ color + size + x1 + x2, d))
# no intercept: color gets all three levels, size treatment contrasts
add_case("lm_noint", lm(y ~ 0 + color + size + x1, d))
# weights: logLik (so aic, bic) includes 0.5 * sum(log(w))
add_case("lm_weighted", lm(y ~ color + size + x1, d, weights = w))
for (gr in 1:2) {
  stopifnot(all(table(d$color[d$g == gr]) > 0))
  add_case(paste0("lm_g", gr), lm(y ~ color + x1, d[d$g == gr, ]))
}
# Huber-White (HC1) standard errors (sandwich::vcovHC), statistic =
# estimate / se and its p-value on df.residual, as pg_learn's "robust":
# "HC1" gives them; coefficients only
add_hc1_case <- function(case, fit) {
  V  <- vcovHC(fit, type = "HC1")
  se <- sqrt(diag(V))
  t  <- coef(fit) / se
  coef_rows[[length(coef_rows) + 1]] <<- data.frame(
    case_name = case, term = pg_terms(fit),
    estimate = fmt17(coef(fit)), std_error = fmt17(se),
    statistic = fmt17(t),
    p_value = fmt17(2 * pt(abs(t), fit$df.residual, lower.tail = FALSE)))
}
add_hc1_case("lm_hc1", lm(y ~ color + size + x1, d))
add_hc1_case("lm_g1_hc1", lm(y ~ color + size + x1, d[d$g == 1, ]))
fit_logit <- add_case("logistic_color", glm(yb ~ color + x1, binomial, d))
add_case("poisson_size", glm(yc ~ size + x1, poisson, d))

write.csv(do.call(rbind, coef_rows), file.path(exp_dir, "factors_coef.csv"),
          row.names = FALSE, quote = TRUE)
write.csv(do.call(rbind, metric_rows), file.path(exp_dir, "factors_metrics.csv"),
          row.names = FALSE, quote = TRUE)

# Predictions on new rows covering every level of both factors (logistic:
# type = "response", the probability of yb = 1).  The last row of each case
# has color "purple", a level not seen in training: pg_learn scores an unseen
# level as the reference level (all of that column's indicators 0), whereas
# R's predict() stops with "factor color has new level purple".  Its
# expected value is therefore R's prediction for the same row with color set
# to the reference level "blue"; the CSV still says "purple".
nd <- data.frame(
  x1    = c(-1.2, 0.3, 1.7, 0, -0.45, 0.85, 0.6),
  x2    = c(0.5, 1.25, 2.8, 0, 2.2, 1.6, 1.1),
  color = c("blue", "green", "red", "blue", "green", "red", "purple"),
  size  = c("L", "M", "S", "XL", "XL", "L", "S"))
nd_r <- nd
nd_r$color[nd_r$color == "purple"] <- levels(d$color)[1]
nd_r$color <- factor(nd_r$color, levels = levels(d$color))
nd_r$size <- factor(nd_r$size, levels = levels(d$size))
stopifnot(all(levels(d$color) %in% nd$color), all(levels(d$size) %in% nd$size))
pred <- rbind(
  data.frame(case_name = "lm_two", nd,
             prediction = fmt17(unname(predict(fit_two, nd_r)))),
  data.frame(case_name = "logistic_color", nd,
             prediction = fmt17(unname(predict(fit_logit, nd_r, type = "response")))))
write.csv(pred, file.path(exp_dir, "factors_predict.csv"),
          row.names = FALSE, quote = TRUE)
