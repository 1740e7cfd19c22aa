#!/usr/bin/env Rscript
# pg_learn reference generator for learn.linreg over a moving window frame.
#
# Writes data/rolling.csv: 3 series (s = 1, 2, 3) of 100 rows each
# (t = 1..100, seed 20261204): x1 ~ N(0, 1), x2 ~ N(0, 1) and
# y = 1 + 2 x1 - 0.5 x2 + N(0, 0.5^2), except that in series 2 the 60 rows
# t = 21..80 have x2 = x1 + 1e-6 N(0, 1): the window that ends at t = 80 is
# ill-conditioned (condition number about 2e6, written below), and the
# windows next to it reach it by removing the one row that held what they
# knew of x2 - x1.  (1e-6 rather than less keeps lm's own rank test, tol
# 1e-7, from dropping x2, which the script checks.)
#
# Then, for every row, lm(y ~ x1 + x2) on the window of the row and the 59
# before it in its series (rows of the window as read back from the CSV),
# written to tests/reference/expected/rolling_coef.csv: s, t, n, the three
# coefficients and their standard errors (intercept, x1, x2), r2 and the
# condition number of the model matrix (max/min singular value).  Windows
# with fewer rows than the 3 coefficients are left out (pg_learn gives
# NULL); with exactly 3 the standard errors are empty (NaN in R).
# Run from the repository root:
#     Rscript tests/reference/rolling_reference.R
set.seed(20261204)
exp_dir <- file.path("tests", "reference", "expected")
frame <- 60
rows <- list()
for (s in 1:3) {
  t <- 1:100
  x1 <- rnorm(100)
  x2 <- rnorm(100)
  if (s == 2) {
    ill <- t >= 21 & t <= 80
    x2[ill] <- x1[ill] + 1e-6 * rnorm(sum(ill))
  }
  y <- 1 + 2 * x1 - 0.5 * x2 + rnorm(100, sd = 0.5)
  rows[[s]] <- data.frame(s = s, t = t, x1 = x1, x2 = x2, y = y)
}
d <- do.call(rbind, rows)
fmt <- function(d) {
  for (c in names(d)) if (is.double(d[[c]])) d[[c]] <- sprintf("%.17g", d[[c]])
  d
}
write.csv(fmt(d), file.path("data", "rolling.csv"), row.names = FALSE, quote = FALSE)

d <- read.csv(file.path("data", "rolling.csv"))
out <- list()
for (i in seq_len(nrow(d))) {
  w <- d[d$s == d$s[i] & d$t <= d$t[i] & d$t > d$t[i] - frame, ]
  if (nrow(w) < 3) next
  fit <- lm(y ~ x1 + x2, data = w)
  b <- coef(fit)
  if (anyNA(b)) stop("lm aliased a term at s = ", d$s[i], ", t = ", d$t[i])
  se <- if (nrow(w) > 3) coef(summary(fit))[, 2] else rep(NaN, 3)
  X <- model.matrix(fit)
  sv <- svd(X)$d
  out[[length(out) + 1]] <- data.frame(
    s = d$s[i], t = d$t[i], n = nrow(w),
    b0 = b[1], b1 = b[2], b2 = b[3], se0 = se[1], se1 = se[2], se2 = se[3],
    r2 = summary(fit)$r.squared, condition_no = max(sv) / min(sv))
}
ref <- do.call(rbind, out)
ref <- fmt(ref)
ref[ref == "NaN"] <- ""
write.csv(ref, file.path(exp_dir, "rolling_coef.csv"), row.names = FALSE, quote = FALSE)
