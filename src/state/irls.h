/*-------------------------------------------------------------------------
 * state/irls.h
 *	  Generalized linear models: the distributions and links of R's
 *	  family objects, and the state of one IRLS (Fisher scoring) pass.
 *
 * A pass evaluates the coefficients b it is given (or, in the first pass,
 * R's starting values mustart) on every row: eta = [1 x] b + offset,
 * mu = linkinv(eta).  It accumulates the deviance, the Pearson statistic
 * and the log-likelihood terms at b, and the weighted least-squares state
 * (state/lsq.h) of the working response z = eta - offset + (y - mu) / mu'
 * with working weights w mu'^2 / V(mu), whose solve is the next b.  That
 * is one iteration of glm.fit, in one scan.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_STATE_IRLS_H
#define PG_LEARN_STATE_IRLS_H

#include "pg_learn.h"

#include "state/lsq.h"

typedef enum GlmDist
{
	GLM_GAUSSIAN = 1,
	GLM_BINOMIAL,
	GLM_POISSON,
	GLM_GAMMA,
	GLM_INVERSE_GAUSSIAN,
	GLM_MULTINOMIAL				/* K classes, the first the reference */
} GlmDist;

typedef enum GlmLink
{
	GLM_IDENTITY = 1,
	GLM_LOG,
	GLM_LOGIT,
	GLM_PROBIT,
	GLM_CLOGLOG,
	GLM_SQRT,
	GLM_INVERSE,
	GLM_INVERSE_SQUARE			/* R's "1/mu^2" */
} GlmLink;

/*
 * A distribution and link as one int4 of the pass aggregate, plus
 * GLM_SPEC_CLASSIFIER for a classifier (the target is 0 or 1), and for a
 * multinomial model its number of classes K times GLM_SPEC_NCLASSES (the
 * target is the index 0..K-1 of a row's class).
 */
#define GLM_SPEC(dist, link) ((int) (dist) * 16 + (int) (link))
#define GLM_SPEC_CLASSIFIER 256
#define GLM_SPEC_NCLASSES 512
#define GLM_SPEC_DIST(spec) ((GlmDist) (((spec) % 256) / 16))
#define GLM_SPEC_LINK(spec) ((GlmLink) ((spec) % 16))
#define GLM_SPEC_CLASSES(spec) ((spec) / GLM_SPEC_NCLASSES)
#define GLM_SPEC_MULTINOMIAL(nclasses) \
	(GLM_SPEC(GLM_MULTINOMIAL, GLM_LOGIT) + GLM_SPEC_CLASSIFIER + \
	 (nclasses) * GLM_SPEC_NCLASSES)

/*
 * A multinomial model's coefficients: K - 1 blocks of k + 1 (intercept
 * first), one per class after the reference; at most GLM_MAX_COEF, which
 * bounds a group's least-squares state to 8 MB.
 */
#define GLM_MAX_COEF 1024
#define GLM_MAX_CLASSES (GLM_MAX_COEF + 1)

extern double glm_linkfun(GlmLink link, double mu);
extern double glm_linkinv(GlmLink link, double eta);
extern double glm_mu_eta(GlmLink link, double eta);
extern bool glm_valid_eta(GlmLink link, double eta);
extern bool glm_valid_mu(GlmDist dist, double mu);
extern double glm_variance(GlmDist dist, double mu);
extern double glm_dev_resid(GlmDist dist, double y, double mu, double w);

/*
 * A group's values in the pass parameter, for k features: its
 * coefficients (k + 1, intercept first), what made the previous ones (0:
 * nothing known, 1: the starting means, 2: the coefficients that follow),
 * the previous coefficients (k + 1), what its null model is (0:
 * linkinv(offset) of each row, as glm.fit takes without an intercept; 1:
 * the null mean that follows; 2: with an offset and an intercept, the
 * intercept b0 that follows, the null model being linkinv(b0 + offset)
 * as R's glm fits it; 3: none, its deviance is known), that value, and
 * whether the pass keeps each row's fitted probability
 * for the AUC (a binary classifier's last pass).
 */
#define GLM_PARAM_PREV_KIND(k) ((k) + 1)
#define GLM_PARAM_PREV(k) ((k) + 2)
#define GLM_PARAM_HAS_NULL_MEAN(k) (2 * (k) + 3)
#define GLM_PARAM_NULL_MEAN(k) (2 * (k) + 4)
#define GLM_PARAM_AUC(k) (2 * (k) + 5)
#define GLM_NPARAM(k) (2 * (k) + 6)

/* A multinomial model's values are its (K - 1)(k + 1) coefficients only. */
extern int	glm_nparam(int spec, int k);

/* One pass's sums for one group, besides its least-squares state. */
typedef struct GlmSums
{
	int64		n_obs;			/* rows with a positive weight */
	int64		n_invalid;		/* rows whose eta or mu is out of range */
	int64		n_boundary;		/* binomial: fitted probability 0 or 1 */
	double		sum_w;			/* prior weights */
	double		sum_wy;			/* prior weight times y */
	double		sum_log_w;		/* sum of log prior weight (gaussian) */
	double		deviance;
	double		null_deviance;	/* of the group's null model (not pass 1) */
	int64		null_invalid;	/* null model 2: rows out of range */
	double		null_sw;		/* null model 2: the weighted least squares */
	double		null_swz;		/* of its next intercept (pass 1: the first) */
	double		pearson;		/* sum w (y - mu)^2 / V(mu) */
	double		loglik;			/* binomial, poisson: the log-likelihood */
	double		sum_w_log_y;	/* gamma, inverse gaussian */
	double		sum_gamma;		/* gamma: sum w (log mu + y / mu) */
	double		sum_w_correct;	/* binomial: weight of rows whose rounded
								 * fitted probability is their y */
	double		auc;			/* binary classifier: the ROC AUC of the
								 * pass's fitted probabilities; NaN when not
								 * kept, -1 when there were more rows than
								 * learn.max_group_memory holds */
} GlmSums;

/* Sorted runs of scores a pass state keeps apart (then it sorts them all). */
#define GLM_MAX_SCORE_RUNS 16

typedef struct GlmPassState
{
	LinearState *ls;			/* of sqrt(W) [1 x z] */
	GlmSums		sums;
	const double *param;		/* the group's coefficients, then its null
								 * mean; NULL in the first pass */
	bool		skip;			/* the group takes no part in this pass */
	int			nclasses;		/* multinomial: K; else 0 */
	double	   *class_w;		/* multinomial: the prior weight of each
								 * class's rows */
	bool		keep_scores;	/* keep each row's score for the AUC */
	int64		nscores;		/* scores kept */
	int64		capscores;
	double	   *scores;			/* pairs: fitted probability, and the
								 * weight, negative for class 0 */

	/*
	 * The scores as sorted runs [run_end[r - 1], run_end[r]) (0: not
	 * sorted): each parallel worker sorts its own before handing them on,
	 * and the final function counts the pairs across the runs.
	 */
	int			nruns;
	int64		run_end[GLM_MAX_SCORE_RUNS];

	struct GroupTable *groups;	/* learn._glm_pass_groups: the groups'
								 * states (the fields above unused) */
} GlmPassState;

/*
 * The serialized form: what the pass aggregate returns per group (without
 * the scores, whose AUC is then in sums), or, with_scores, what a parallel
 * worker hands on.
 */
extern bytea *glm_pass_serialize(GlmPassState *gs, bool with_scores);
extern GlmPassState *glm_pass_deserialize(bytea *b);

/*
 * The log-likelihood of a fit (R's logLik.glm), from the sums of the pass
 * that evaluated its coefficients; dispersion_mle is deviance / sum_w
 * (gaussian: / n_obs) where the distribution has a dispersion.
 */
extern double glm_loglik(GlmDist dist, const GlmSums *s);

#endif							/* PG_LEARN_STATE_IRLS_H */
