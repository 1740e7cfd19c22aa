/*-------------------------------------------------------------------------
 * distributions.h
 *	  Tail probabilities of the normal, Student t, F and chi-square
 *	  distributions, for the p-values of pg_learn's test statistics.
 *
 * Pure C with no PostgreSQL dependency.  Upper tails are computed directly
 * (never as 1 - lower), so tiny p-values keep their relative accuracy; the
 * results agree with R's pnorm/pt/pf/pchisq to about 1e-13 relative down to
 * the smallest normal doubles.  A NaN argument gives NaN, as does an invalid
 * degree of freedom (df <= 0).
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_DISTRIBUTIONS_H
#define PG_LEARN_DISTRIBUTIONS_H

/* Standard normal distribution function P(Z <= z). */
extern double dist_normal_cdf(double z);

/* Two-sided normal p-value 2 * P(Z > |z|). */
extern double dist_normal_sf2(double z);

/*
 * Two-sided Student t p-value 2 * P(T > |t|) on df > 0 (real) degrees of
 * freedom; df = +Inf gives the normal one.  R: 2 * pt(-abs(t), df).
 */
extern double dist_t_sf2(double t, double df);

/*
 * Upper tail P(F > f) of the F distribution on df1, df2 > 0 degrees of
 * freedom (either may be +Inf).  R: pf(f, df1, df2, lower.tail = FALSE).
 */
extern double dist_f_sf(double f, double df1, double df2);

/*
 * Upper tail P(X > x) of the chi-square distribution on df >= 0 degrees of
 * freedom.  R: pchisq(x, df, lower.tail = FALSE).
 */
extern double dist_chisq_sf(double x, double df);

#endif							/* PG_LEARN_DISTRIBUTIONS_H */
