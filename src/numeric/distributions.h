/*-------------------------------------------------------------------------
 * distributions.h
 *	  Tail probabilities of the normal, Student t, F and chi-square
 *	  distributions, for the p-values of pg_learn's test statistics.
 *
 * Pure C with no PostgreSQL dependency.  Upper tails are computed directly
 * (never as 1 - lower), so tiny p-values keep their relative accuracy: about
 * 2e-13 relative down to 1e-300, matching R's pnorm/pt/pf/pchisq to that
 * level except where R itself is less accurate.  Results below ~1e-308 are
 * subnormal or 0.  A NaN argument gives NaN, as does an invalid degree of
 * freedom (df <= 0; df = 0 is allowed for chi-square, a point mass at 0),
 * or a chi-square / F (both df) beyond ~1e16 degrees of freedom.
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
