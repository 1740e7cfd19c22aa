#!/usr/bin/env Rscript
# pg_learn reference generator for params "impute": "mean".
#
# Writes data/impute.csv: data/factors.csv's first 200 rows with NULLs
# (empty fields) put in x1 (every 7th row), x2 (every 9th) and color
# (every 11th).  Then, as pg_learn imputes, replaces each NULL number by
# the mean of the column's other values and each NULL category by its most
# frequent level (the first in sort order among equals), fits R's lm() and
# glm(binomial) on that and writes tests/reference/expected/impute_coef.csv
# (estimate, standard error, statistic, p-value of each term) and
# impute_means.csv (the imputed values).  Run from the repository root:
#     Rscript tests/reference/impute_reference.R
exp_dir <- file.path("tests", "reference", "expected")
d <- read.csv(file.path("data", "factors.csv"), stringsAsFactors = FALSE)[1:200, ]
i <- seq_len(nrow(d))
d$x1[i %% 7 == 0] <- NA
d$x2[i %% 9 == 0] <- NA
d$color[i %% 11 == 0] <- NA
out <- d[, c("x1", "x2", "color", "y", "yb")]
write.csv(out, file.path("data", "impute.csv"), row.names = FALSE, na = "")

m1 <- mean(d$x1, na.rm = TRUE)
m2 <- mean(d$x2, na.rm = TRUE)
counts <- table(factor(d$color[!is.na(d$color)]))
mode <- names(counts)[which.max(counts)]   # first of equals, in level order
f <- d
f$x1[is.na(f$x1)] <- m1
f$x2[is.na(f$x2)] <- m2
f$color[is.na(f$color)] <- mode

names_of <- c("(Intercept)" = "(intercept)", "x1" = "x1", "x2" = "x2",
              "colorgreen" = "color=green", "colorred" = "color=red")
rows <- list()
for (m in c("imp_lm", "imp_glm")) {
  fit <- if (m == "imp_lm") lm(y ~ x1 + x2 + color, data = f) else
    glm(yb ~ x1 + x2 + color, family = binomial, data = f)
  s <- coef(summary(fit))
  terms <- names_of[rownames(s)]
  if (anyNA(terms)) stop("unnamed term: ", paste(rownames(s), collapse = ", "))
  rows[[m]] <- data.frame(model = m, term = unname(terms), estimate = s[, 1],
                          std_error = s[, 2], statistic = s[, 3], p_value = s[, 4])
}
fmt <- function(d) {
  for (c in names(d)) if (is.numeric(d[[c]])) d[[c]] <- sprintf("%.17g", d[[c]])
  d
}
write.csv(fmt(do.call(rbind, rows)), file.path(exp_dir, "impute_coef.csv"), row.names = FALSE)
write.csv(data.frame(feature = c("x1", "x2", "color"),
                     value = c(sprintf("%.17g", m1), sprintf("%.17g", m2), mode)),
          file.path(exp_dir, "impute_means.csv"), row.names = FALSE)
