#!/usr/bin/env Rscript
# pg_learn reference generator for the glm and logistic families.
#
# Writes data/glm.csv (generated, reproducible) and, from R's glm() on that
# file as read back from disk, tests/reference/expected/glm_coef.csv and
# glm_metrics.csv.  Run from the repository root:
#     Rscript tests/reference/glm_reference.R
data_dir <- "data"
exp_dir  <- file.path("tests", "reference", "expected")

set.seed(20261201)
n <- 400
x1 <- round(rnorm(n), 6)
x2 <- round(runif(n, 0, 2), 6)
x3 <- round(runif(n, 0, 1), 6)
g <- rep(1:3, length.out = n)
w <- rep(c(1, 2, 3, 1), length.out = n)
yb <- rbinom(n, 1, plogis(-0.5 + 1.2 * x1 - 0.8 * x2))
yp <- rbinom(n, 1, pnorm(0.2 + 0.7 * x1 - 0.5 * x2))
yc <- rpois(n, exp(0.3 + 0.5 * x1 + 0.4 * x2 + 0.2 * g))
yci <- rpois(n, 10 + 4 * x2 + 6 * x3)
mug <- exp(0.5 + 0.3 * x1 - 0.2 * x2)
yg <- round(rgamma(n, shape = 2, rate = 2 / mug), 6)
# inverse gaussian (Michael, Schucany and Haas), mean 1/sqrt(eta), shape 5
rinvgauss <- function(mu, lambda) {
  nu <- rnorm(length(mu))^2
  x <- mu + mu^2 * nu / (2 * lambda) -
    mu / (2 * lambda) * sqrt(4 * mu * lambda * nu + mu^2 * nu^2)
  ifelse(runif(length(mu)) <= mu / (mu + x), x, mu^2 / x)
}
yi <- round(rinvgauss(1 / sqrt(0.5 + 0.4 * x2 + 0.3 * x3), 5), 6)
ys <- as.integer(x1 > 0.1)          # separated by x1
expo <- round(runif(n, 0.5, 3), 6)  # exposure: counts over a time
yo <- rpois(n, expo * exp(0.2 + 0.4 * x1 - 0.3 * x2))
d <- data.frame(x1, x2, x3, g, w, yb, yp, yc, yci, yg, yi, ys,
                yl = yb == 1, expo, yo)
write.csv(d, file.path(data_dir, "glm.csv"), row.names = FALSE)
d <- read.csv(file.path(data_dir, "glm.csv"))

fmt17 <- function(x) sprintf("%.17g", x)
coef_rows <- list()
metric_rows <- list()
add_case <- function(case, fit, skip = character(0)) {
  s <- summary(fit)
  co <- s$coefficients
  terms <- sub("^\\(Intercept\\)$", "(intercept)", rownames(co))
  coef_rows[[length(coef_rows) + 1]] <<- data.frame(
    case_name = case, term = terms,
    estimate = fmt17(co[, 1]), std_error = fmt17(co[, 2]),
    statistic = fmt17(co[, 3]), p_value = fmt17(co[, 4]))
  m <- c(deviance = fit$deviance, null_deviance = fit$null.deviance,
         aic = AIC(fit), bic = BIC(fit), log_likelihood = as.numeric(logLik(fit)),
         dispersion = s$dispersion, df_residual = fit$df.residual,
         df_null = fit$df.null, iterations = fit$iter, rank = fit$rank)
  m <- m[!(names(m) %in% skip)]
  metric_rows[[length(metric_rows) + 1]] <<- data.frame(
    case_name = case, key = names(m), value = fmt17(m))
}
add_case("logistic", glm(yb ~ x1 + x2, binomial, d))
add_case("logistic_bool", glm(yl ~ x1 + x2, binomial, d))
add_case("logistic_weighted", glm(yb ~ x1 + x2, binomial, d, weights = w))
add_case("probit", glm(yp ~ x1 + x2, binomial(link = "probit"), d))
add_case("cloglog", glm(yp ~ x1 + x2, binomial(link = "cloglog"), d))
add_case("poisson", glm(yc ~ x1 + x2, poisson, d))
add_case("poisson_identity", glm(yci ~ x2 + x3, poisson(link = "identity"), d))
add_case("poisson_noint", glm(yc ~ 0 + x1 + x2, poisson, d))
add_case("poisson_offset", glm(yo ~ x1 + x2, poisson, d, offset = log(expo)))
# the null model with an offset is fitted again (glm's null.deviance)
add_case("gamma_offset", glm(yg ~ x1 + x2, Gamma(link = "log"), d, offset = log(expo)))
add_case("binomial_offset", glm(yb ~ x1, binomial, d, offset = x2 - 1))
add_case("gamma_log", glm(yg ~ x1 + x2, Gamma(link = "log"), d))
add_case("gamma_inverse", glm(yg ~ x1 + x2, Gamma, d))
add_case("inverse_gaussian", glm(yi ~ x2 + x3, inverse.gaussian, d))
add_case("gaussian", glm(yg ~ x1 + x2, gaussian, d))
for (gr in 1:3)
  add_case(paste0("poisson_g", gr), glm(yc ~ x1 + x2, poisson, d[d$g == gr, ]))

write.csv(do.call(rbind, coef_rows), file.path(exp_dir, "glm_coef.csv"),
          row.names = FALSE, quote = TRUE)
write.csv(do.call(rbind, metric_rows), file.path(exp_dir, "glm_metrics.csv"),
          row.names = FALSE, quote = TRUE)
