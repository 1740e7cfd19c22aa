#!/usr/bin/env Rscript
# Reference values for src/numeric/distributions.c.
#
# Writes tests/unit/distributions_ref.csv (run from the repository root):
#     Rscript tests/unit/distributions_ref.R
#
# Columns fn,x,df1,df2,expected; unused df fields are empty.
#   t2     2 * pt(-abs(x), df1)                    (dist_t_sf2)
#   f      pf(x, df1, df2, lower.tail = FALSE)     (dist_f_sf)
#   chisq  pchisq(x, df1, lower.tail = FALSE)      (dist_chisq_sf)
#   norm2  2 * pnorm(-abs(x))                      (dist_normal_sf2)
# Every number is sprintf("%.17g"), which reads back as the same double.
# Tail cases take the statistic from R's quantile function at a target p
# (1e-10 ... 1e-250); only the statistic matters, the expected value is then
# recomputed from it, so quantile inaccuracy does not matter.
#
# R 4.2's own values are not exact everywhere (checked against 50-digit
# references): pf near p = 1e-250..1e-300 with one df about 20-80 and the
# other large can be off by percents or return 0 (pbeta's bgrat, which then
# usually warns); pf with both df ~1e6..1e7 and pchisq with df ~1e4..1e5 in
# the far tail are good to only ~1e-11.  The cases below avoid those spots
# (the worst one left, F(1e6, 1e6) at p ~ 1e-100, has R off by ~6e-13), and
# warn = 2 makes any warning from R an error rather than a reference value.
options(warn = 2)

out <- file.path("tests", "unit", "distributions_ref.csv")

rows <- list()
add <- function(fn, x, df1, df2, expected) {
  rows[[length(rows) + 1L]] <<- data.frame(fn = fn, x = x, df1 = df1,
                                           df2 = df2, expected = expected)
}

tail_p <- c(1e-10, 1e-50, 1e-100, 1e-200, 1e-250)

# --- Student t, two-sided --------------------------------------------------
t2 <- function(t, df) add("t2", t, df, NA, 2 * pt(-abs(t), df))
for (df in c(1, 2, 3, 5, 10, 30, 100, 1e3, 1e5, 1e7))
  for (t in c(0, 0.5, 1.96, 4))
    t2(t, df)
for (df in c(1, 2.5, 7.3, 30, 1e3, 1e5, 1e6, 1e7))
  for (p in tail_p) {
    t <- -qt(p / 2, df)
    if (is.finite(t)) t2(t, df)
  }
# huge |t|, including t^2 overflow (R's z^a / (a B) branch) and negative t
t2(1e10, 1); t2(-1e50, 1); t2(1e60, 2); t2(1e150, 1); t2(1e200, 1)
t2(1e300, 1); t2(1e25, 10); t2(-3e8, 30)
t2(1.234e-8, 1e7); t2(0.05, 0.5); t2(2, 0.3)

# --- F, upper tail ---------------------------------------------------------
fsf <- function(f, d1, d2) add("f", f, d1, d2, pf(f, d1, d2, lower.tail = FALSE))
dfs <- list(c(1, 1), c(1, 10), c(2, 5), c(3, 30), c(10, 1), c(5, 1e3),
            c(7.5, 12.3), c(100, 100), c(1, 1e7), c(1e7, 1), c(20, 1e5),
            c(1e6, 1e6))
for (d in dfs) {
  for (f in c(0, 0.5, 1, 2, 5))
    fsf(f, d[1], d[2])
  for (p in tail_p[1:4]) {
    f <- qf(p, d[1], d[2], lower.tail = FALSE)
    if (is.finite(f) && f > 0) fsf(f, d[1], d[2])
  }
}
fsf(1e-8, 3, 4); fsf(1e300, 2, 2); fsf(1e-300, 1e7, 1); fsf(1.001, 1e7, 1e7)

# --- chi-square, upper tail ------------------------------------------------
csf <- function(x, df) add("chisq", x, df, NA, pchisq(x, df, lower.tail = FALSE))
for (df in c(0.5, 1, 2, 3, 10, 100, 1e3, 1e5, 1e7)) {
  for (r in c(0, 0.01, 0.5, 1, 1.5))
    csf(r * df, df)
  for (p in tail_p) {
    x <- qchisq(p, df, lower.tail = FALSE)
    if (is.finite(x)) csf(x, df)
  }
}
csf(1e-300, 1); csf(1, 0.1); csf(1500, 1); csf(1e7 + 3000, 1e7)

# --- normal, two-sided -----------------------------------------------------
for (z in c(0, 1e-10, 0.5, -1, 1.959963984540054, 3, 5, 10, 20, 30, 37, 37.5,
            38.5, -qnorm(tail_p / 2)))
  add("norm2", z, NA, NA, 2 * pnorm(-abs(z)))

ref <- do.call(rbind, rows)
fmt <- function(v) ifelse(is.na(v), "", sprintf("%.17g", v))
lines <- c("fn,x,df1,df2,expected",
           paste(ref$fn, fmt(ref$x), fmt(ref$df1), fmt(ref$df2),
                 fmt(ref$expected), sep = ","))
writeLines(lines, out)
cat(sprintf("wrote %d cases to %s\n", nrow(ref), out))
