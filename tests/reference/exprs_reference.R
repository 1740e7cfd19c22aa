#!/usr/bin/env Rscript
# pg_learn reference generator for feature expressions.
#
# From R's lm() and glm() on data/mtcars.csv (as read back from disk) with
# terms computed in the model formula -- log(disp), I(hp/wt), factor(cyl),
# log(hp), I(wt/qsec) -- writes tests/reference/expected/exprs_coef.csv
# (each term's estimate, standard error, t or z value and p-value) and
# exprs_predict.csv (each car's fitted value: the mean for lm, the
# probability for the binomial glm).  Run from the repository root:
#     Rscript tests/reference/exprs_reference.R
#
# Term names follow pg_learn's: "(intercept)", the feature's name for a
# computed number ("log_disp" for log(disp)), "cyls=6" for the level 6 of
# factor(cyl), which pg_learn computes as cyl::text.
exp_dir <- file.path("tests", "reference", "expected")
mt <- read.csv(file.path("data", "mtcars.csv"), stringsAsFactors = FALSE)

fits <- list(
  cars_lm = lm(mpg ~ log(disp) + I(hp / wt) + factor(cyl), data = mt),
  cars_glm = glm(am ~ log(hp) + I(wt / qsec), family = binomial, data = mt)
)
names_of <- list(
  cars_lm = c("(Intercept)" = "(intercept)", "log(disp)" = "log_disp",
              "I(hp/wt)" = "power", "factor(cyl)6" = "cyls=6", "factor(cyl)8" = "cyls=8"),
  cars_glm = c("(Intercept)" = "(intercept)", "log(hp)" = "log_hp",
               "I(wt/qsec)" = "wt_per_qsec")
)

coef_rows <- list()
pred_rows <- list()
for (m in names(fits)) {
  s <- coef(summary(fits[[m]]))
  terms <- names_of[[m]][rownames(s)]
  if (anyNA(terms)) stop("unnamed term in ", m, ": ", paste(rownames(s), collapse = ", "))
  coef_rows[[m]] <- data.frame(model = m, term = unname(terms),
                               estimate = s[, 1], std_error = s[, 2],
                               statistic = s[, 3], p_value = s[, 4])
  pred_rows[[m]] <- data.frame(model = m, car = mt$model,
                               prediction = unname(fitted(fits[[m]])))
}
fmt <- function(d) {
  for (c in names(d)) if (is.numeric(d[[c]])) d[[c]] <- sprintf("%.17g", d[[c]])
  d
}
write.csv(fmt(do.call(rbind, coef_rows)), file.path(exp_dir, "exprs_coef.csv"),
          row.names = FALSE, quote = TRUE)
write.csv(fmt(do.call(rbind, pred_rows)), file.path(exp_dir, "exprs_predict.csv"),
          row.names = FALSE, quote = TRUE)
