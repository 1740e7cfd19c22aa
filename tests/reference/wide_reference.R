# A wide fit (70 features, 300 rows) for the blocked QR fold of states
# with more than 64 columns: lm on data the regression test regenerates in
# SQL from the same formulas (x[i, j] = sin(0.1 i j + j), y = sum(j/10 x) + cos(i)).
# Run from the repository root: Rscript tests/reference/wide_reference.R
n <- 300
k <- 70
x <- outer(1:n, 1:k, function(i, j) sin(0.1 * i * j + j))
y <- as.vector(x %*% ((1:k) / 10)) + cos(1:n)
d <- data.frame(y = y, x)
names(d) <- c("y", paste0("x", 1:k))
fit <- lm(y ~ ., data = d)
s <- summary(fit)$coefficients
out <- data.frame(term = c("(intercept)", paste0("x", 1:k)),
                  estimate = sprintf("%.17g", s[, 1]),
                  std_error = sprintf("%.17g", s[, 2]),
                  statistic = sprintf("%.17g", s[, 3]),
                  p_value = sprintf("%.17g", s[, 4]))
write.csv(out, "tests/reference/expected/wide_coef.csv", row.names = FALSE, quote = FALSE)
