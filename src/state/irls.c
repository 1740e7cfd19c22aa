/*-------------------------------------------------------------------------
 * state/irls.c
 *	  The distributions and links of generalized linear models, as R's
 *	  family objects define them (binomial(), poisson(), Gamma(), ...,
 *	  make.link()), and learn._glm_pass, the aggregate of one IRLS pass
 *	  (irls.h).  The working response and weights of each row go into the
 *	  shared weighted least-squares state, so IRLS solves each iteration as
 *	  accurately as a linear model.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <float.h>
#include <math.h>

#include "common/int.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "numeric/distributions.h"
#include "passparam.h"
#include "state/groups.h"
#include "state/irls.h"
#include "state/trans.h"

PG_FUNCTION_INFO_V1(glm_pass_trans);
PG_FUNCTION_INFO_V1(glm_pass_combine);
PG_FUNCTION_INFO_V1(glm_pass_serial);
PG_FUNCTION_INFO_V1(glm_pass_deserial);
PG_FUNCTION_INFO_V1(glm_pass_final);
PG_FUNCTION_INFO_V1(glm_pass_groups_trans);
PG_FUNCTION_INFO_V1(glm_pass_groups_final);

/* First byte of a serialized pass state; bump when the layout changes. */
#define GLM_PASS_STATE_VERSION 5
/* Second byte of a state of groups (first: the version); one group's
 * state has its skip flag there, 0 or 1 */
#define GLM_PASS_GROUPS 'G'

/* A row's score kept for the AUC: its fitted probability and weight,
 * negative for class 0. */
typedef struct GlmScore
{
	double		p;
	double		w;
} GlmScore;

/* make.link's thresholds */
#define LOGIT_THRESH 30.0
#define EPS DBL_EPSILON

/* ---------------------------------------------------------------------
 * Links (R's make.link) and distributions (R's family objects)
 * ---------------------------------------------------------------------
 */

/* qnorm, for the probit link of the starting values only */
static double
normal_quantile(double p)
{
	double		x = 0.0;

	/* Newton on pnorm from 0: p is a starting mean, never near 0 or 1 */
	for (int i = 0; i < 100; i++)
	{
		double		d = exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
		double		step = (dist_normal_cdf(x) - p) / d;

		x -= step;
		if (fabs(step) <= 1e-15 * (1.0 + fabs(x)))
			break;
	}
	return x;
}

double
glm_linkfun(GlmLink link, double mu)
{
	switch (link)
	{
		case GLM_IDENTITY:
			return mu;
		case GLM_LOG:
			return log(mu);
		case GLM_LOGIT:
			return log(mu / (1.0 - mu));
		case GLM_PROBIT:
			return normal_quantile(mu);
		case GLM_CLOGLOG:
			return log(-log1p(-mu));
		case GLM_SQRT:
			return sqrt(mu);
		case GLM_INVERSE:
			return 1.0 / mu;
		case GLM_INVERSE_SQUARE:
			return 1.0 / (mu * mu);
	}
	return NAN;
}

double
glm_linkinv(GlmLink link, double eta)
{
	switch (link)
	{
		case GLM_IDENTITY:
			return eta;
		case GLM_LOG:
			return Max(exp(eta), EPS);
		case GLM_LOGIT:
			{
				double		t = eta < -LOGIT_THRESH ? EPS :
					eta > LOGIT_THRESH ? 1.0 / EPS : exp(eta);

				return t / (1.0 + t);
			}
		case GLM_PROBIT:
			{
				/* -qnorm(.Machine$double.eps) */
				const double thresh = 8.125890664701906;

				return dist_normal_cdf(Min(Max(eta, -thresh), thresh));
			}
		case GLM_CLOGLOG:
			return Max(Min(-expm1(-exp(eta)), 1.0 - EPS), EPS);
		case GLM_SQRT:
			return eta * eta;
		case GLM_INVERSE:
			return 1.0 / eta;
		case GLM_INVERSE_SQUARE:
			return 1.0 / sqrt(eta);
	}
	return NAN;
}

/* d mu / d eta */
double
glm_mu_eta(GlmLink link, double eta)
{
	switch (link)
	{
		case GLM_IDENTITY:
			return 1.0;
		case GLM_LOG:
			return Max(exp(eta), EPS);
		case GLM_LOGIT:
			{
				double		opexp = 1.0 + exp(eta);

				return (eta > LOGIT_THRESH || eta < -LOGIT_THRESH) ? EPS :
					exp(eta) / (opexp * opexp);
			}
		case GLM_PROBIT:
			return Max(exp(-0.5 * eta * eta) / sqrt(2.0 * M_PI), EPS);
		case GLM_CLOGLOG:
			{
				double		e = Min(eta, 700.0);

				return Max(exp(e) * exp(-exp(e)), EPS);
			}
		case GLM_SQRT:
			return 2.0 * eta;
		case GLM_INVERSE:
			return -1.0 / (eta * eta);
		case GLM_INVERSE_SQUARE:
			return -1.0 / (2.0 * pow(eta, 1.5));
	}
	return NAN;
}

bool
glm_valid_eta(GlmLink link, double eta)
{
	if (!isfinite(eta))
		return false;
	switch (link)
	{
		case GLM_SQRT:
		case GLM_INVERSE_SQUARE:
			return eta > 0.0;
		case GLM_INVERSE:
			return eta != 0.0;
		default:
			return true;
	}
}

bool
glm_valid_mu(GlmDist dist, double mu)
{
	if (!isfinite(mu))
		return false;
	switch (dist)
	{
		case GLM_BINOMIAL:
			return mu > 0.0 && mu < 1.0;
		case GLM_POISSON:
		case GLM_GAMMA:
			return mu > 0.0;
		default:
			return true;
	}
}

double
glm_variance(GlmDist dist, double mu)
{
	switch (dist)
	{
		case GLM_GAUSSIAN:
			return 1.0;
		case GLM_BINOMIAL:
			return mu * (1.0 - mu);
		case GLM_POISSON:
			return mu;
		case GLM_GAMMA:
			return mu * mu;
		case GLM_INVERSE_GAUSSIAN:
			return mu * mu * mu;
		case GLM_MULTINOMIAL:
			break;				/* a matrix: multinomial_add_row */
	}
	return NAN;
}

/* y log(y / mu), 0 when y is 0 */
static inline double
y_log_y(double y, double mu)
{
	return y != 0.0 ? y * log(y / mu) : 0.0;
}

double
glm_dev_resid(GlmDist dist, double y, double mu, double w)
{
	switch (dist)
	{
		case GLM_GAUSSIAN:
			return w * (y - mu) * (y - mu);
		case GLM_BINOMIAL:
			return 2.0 * w * (y_log_y(y, mu) + y_log_y(1.0 - y, 1.0 - mu));
		case GLM_POISSON:
			return 2.0 * w * (y > 0.0 ? y * log(y / mu) - (y - mu) : mu);
		case GLM_GAMMA:
			return -2.0 * w * (log(y == 0.0 ? 1.0 : y / mu) - (y - mu) / mu);
		case GLM_INVERSE_GAUSSIAN:
			return w * (y - mu) * (y - mu) / (y * mu * mu);
		case GLM_MULTINOMIAL:
			break;				/* multinomial_add_row */
	}
	return NAN;
}

/* R's mustart, the mean of the first iteration */
static double
glm_mustart(GlmDist dist, double y, double w)
{
	switch (dist)
	{
		case GLM_BINOMIAL:
			return (w * y + 0.5) / (w + 1.0);
		case GLM_POISSON:
			return y + 0.1;
		default:
			return y;
	}
}

static const char *
dist_name(GlmDist dist)
{
	switch (dist)
	{
		case GLM_GAUSSIAN:
			return "gaussian";
		case GLM_BINOMIAL:
			return "binomial";
		case GLM_POISSON:
			return "poisson";
		case GLM_GAMMA:
			return "gamma";
		case GLM_INVERSE_GAUSSIAN:
			return "inverse_gaussian";
		case GLM_MULTINOMIAL:
			return "multinomial";
	}
	return "?";
}

/* The target must be in the distribution's support: 22023 naming it. */
static void
check_target(GlmDist dist, double y, const char *target)
{
	const char *need = NULL;

	switch (dist)
	{
		case GLM_BINOMIAL:
			if (y < 0.0 || y > 1.0)
				need = "between 0 and 1";
			break;
		case GLM_POISSON:
			if (y < 0.0)
				need = "non-negative";
			break;
		case GLM_GAMMA:
		case GLM_INVERSE_GAUSSIAN:
			if (y <= 0.0)
				need = "positive";
			break;
		default:
			break;
	}
	if (need)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target column \"%s\" has the value %g, but the %s family needs it %s",
						target, y, dist_name(dist), need)));
}

/* log of the binomial density of round(w y) successes in round(w) trials */
static double
binomial_loglik(double y, double mu, double w)
{
	double		n = rint(w);
	double		k = rint(w * y);
	double		ll;

	if (n == 1.0)				/* one trial: the binomial coefficient is 1 */
		return k > 0.0 ? log(mu) : log1p(-mu);
	if (n <= 0.0)
		return 0.0;
	ll = lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
	if (k > 0.0)
		ll += k * log(mu);
	if (n - k > 0.0)
		ll += (n - k) * log1p(-mu);
	return ll;
}

double
glm_loglik(GlmDist dist, const GlmSums *s)
{
	double		dev = s->deviance;

	switch (dist)
	{
		case GLM_GAUSSIAN:
			{
				double		n = (double) s->n_obs;

				return -0.5 * n * (log(2.0 * M_PI * dev / n) + 1.0) + 0.5 * s->sum_log_w;
			}
		case GLM_BINOMIAL:
		case GLM_POISSON:
		case GLM_MULTINOMIAL:
			return s->loglik;
		case GLM_GAMMA:
			{
				double		phi = dev / s->sum_w;
				double		a = 1.0 / phi;

				return -s->sum_w * (lgamma(a) + a * log(phi))
					- a * s->sum_gamma + (a - 1.0) * s->sum_w_log_y;
			}
		case GLM_INVERSE_GAUSSIAN:
			return -0.5 * (s->sum_w * (1.0 + log(2.0 * M_PI * dev / s->sum_w))
						   + 3.0 * s->sum_w_log_y);
	}
	return NAN;
}

/* ---------------------------------------------------------------------
 * The pass aggregate
 *
 * learn._glm_pass(param bytea, ngroupcols int4, spec int4, target text,
 *				   y float8, w float8, offset float8,
 *				   VARIADIC: the group columns, then the features)
 *
 * param NULL: the first pass, from R's starting means.  Otherwise each
 * group's values (passparam.h) are its k + 1 coefficients and its null
 * mean; a group without values takes no part.
 * ---------------------------------------------------------------------
 */

/* arguments of the transition function: 0 is the state */
#define GLM_FIRST_ARG 8

typedef struct GlmCallSite
{
	TransCache *tc;
	GlmDist		dist;
	GlmLink		link;
	bool		classifier;		/* the target must be 0 or 1 */
	char	   *target;
	int			ngroupcols;
	int			nclasses;		/* multinomial: K; else 0 */
	int			lsk;			/* features of the least-squares state */
	double	   *scratch;		/* multinomial: a row's work space */
} GlmCallSite;

static void
invalid_glm_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid glm pass state"),
			 errdetail("%s", detail)));
}

int
glm_nparam(int spec, int k)
{
	int			nclasses = GLM_SPEC_CLASSES(spec);

	return nclasses > 0 ? (nclasses - 1) * (k + 1) : GLM_NPARAM(k);
}

/* The call site of an IRLS pass aggregate (aggregate: its name, for errors) */
static GlmCallSite *
glm_call_site(FunctionCallInfo fcinfo, const char *aggregate)
{
	GlmCallSite *cs = fcinfo->flinfo->fn_extra;
	int			spec;
	int			ngroupcols;
	MemoryContext old;

	if (cs != NULL)
		return cs;
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s needs its group columns, spec and target", aggregate)));
	ngroupcols = PG_GETARG_INT32(2);
	spec = PG_GETARG_INT32(3);
	/* no sum that can overflow: ngroupcols comes from SQL */
	if (ngroupcols < 0 || ngroupcols >= PG_NARGS() - GLM_FIRST_ARG ||
		spec < 0 || GLM_SPEC_CLASSES(spec) > GLM_MAX_CLASSES ||
		GLM_SPEC_DIST(spec) < GLM_GAUSSIAN || GLM_SPEC_DIST(spec) > GLM_MULTINOMIAL ||
		GLM_SPEC_LINK(spec) < GLM_IDENTITY || GLM_SPEC_LINK(spec) > GLM_INVERSE_SQUARE ||
		(GLM_SPEC_DIST(spec) == GLM_MULTINOMIAL) != (GLM_SPEC_CLASSES(spec) > 0) ||
		(GLM_SPEC_CLASSES(spec) > 0 &&
		 (GLM_SPEC_CLASSES(spec) < 2 || spec % GLM_SPEC_NCLASSES != GLM_SPEC_MULTINOMIAL(0))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: bad spec %d or %d group columns", aggregate, spec, ngroupcols)));
	/* trans_cache owns fn_extra until it has made its cache */
	(void) trans_cache(fcinfo, GLM_FIRST_ARG + ngroupcols);
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cs = palloc0(sizeof(GlmCallSite));
	cs->tc = fcinfo->flinfo->fn_extra;
	cs->dist = GLM_SPEC_DIST(spec);
	cs->link = GLM_SPEC_LINK(spec);
	cs->classifier = (spec & GLM_SPEC_CLASSIFIER) != 0;
	cs->target = text_to_cstring(PG_GETARG_TEXT_PP(4));
	cs->ngroupcols = ngroupcols;
	cs->nclasses = GLM_SPEC_CLASSES(spec);
	cs->lsk = cs->tc->k;
	if (cs->nclasses > 0)
	{
		int			m = cs->nclasses - 1;
		int			ncoef = m * (cs->tc->k + 1);

		if (ncoef > GLM_MAX_COEF)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a multinomial model of %d classes and %d %s has %d coefficients, more than the %d it can have",
							cs->nclasses, cs->tc->k, cs->tc->k == 1 ? "feature" : "features",
							ncoef, GLM_MAX_COEF)));
		cs->lsk = ncoef - 1;
		/* eta (m), p (K), V's factor (m x m), v (m), a row (ncoef + 1) */
		cs->scratch = palloc(sizeof(double) * ((size_t) 3 * m + 1 + (size_t) m * m + ncoef + 1));
	}
	if (!PG_ARGISNULL(1))
		cs->tc->pass = learn_pass_params_decode(fcinfo, 1, 2, GLM_FIRST_ARG,
												glm_nparam(spec, cs->tc->k));
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = cs;
	return cs;
}

/*
 * A row's term of the Pearson statistic, as summary.glm sums it: the
 * working weight of the iteration that made the coefficients (from the
 * previous coefficients, or from the starting means) times the squared
 * working residual at the coefficients.  Without a previous iteration,
 * w (y - mu)^2 / V(mu).
 */
static double
pearson_term(GlmCallSite *cs, GlmPassState *gs, const double *x, double y,
			 double w, double offset, double mu, double mueta, double var)
{
	int			k = cs->tc->k;
	const double *p = gs->param;
	double		prev = p ? p[GLM_PARAM_PREV_KIND(k)] : 0.0;
	double		eta_p;
	double		mu_p;
	double		mueta_p;
	double		r;

	if (prev == 0.0 || mueta == 0.0)
		return w * (y - mu) * (y - mu) / var;
	if (prev == 1.0)
	{
		mu_p = glm_mustart(cs->dist, y, w);
		eta_p = glm_linkfun(cs->link, mu_p);
	}
	else
	{
		const double *b = p + GLM_PARAM_PREV(k);

		eta_p = b[0] + offset;
		for (int j = 0; j < k; j++)
			eta_p += b[j + 1] * x[j];
		mu_p = glm_linkinv(cs->link, eta_p);
	}
	mueta_p = glm_mu_eta(cs->link, eta_p);
	r = (y - mu) / mueta;
	return w * mueta_p * mueta_p / glm_variance(cs->dist, mu_p) * r * r;
}

/*
 * The most scores a state keeps: learn.max_group_memory, and at most what
 * a parallel worker's serialized state can hold.  Beyond it the state
 * drops them and its AUC is -1 (not computed).
 */
static int64
max_scores(void)
{
	Size		bytes = Min((Size) learn_max_group_memory * 1024, MaxAllocSize / 2);

	return (int64) (bytes / sizeof(GlmScore));
}

static void
drop_scores(GlmPassState *gs)
{
	if (gs->scores)
		pfree(gs->scores);
	gs->scores = NULL;
	gs->nscores = gs->capscores = 0;
	gs->nruns = 0;
	gs->sums.auc = -1.0;
}

/* Make room for n more scores; false when they would be too many. */
static bool
reserve_scores(GlmPassState *gs, int64 n)
{
	int64		need = gs->nscores + n;
	int64		cap;

	if (need <= gs->capscores)
		return true;
	if (need > max_scores())
	{
		drop_scores(gs);
		return false;
	}
	cap = Min(Max(need, Max(2 * gs->capscores, 1024)), max_scores());
	gs->scores = gs->scores ?
		repalloc_huge(gs->scores, sizeof(GlmScore) * cap) :
		MemoryContextAllocHuge(gs->ls->mcxt, sizeof(GlmScore) * cap);
	gs->capscores = cap;
	return true;
}

static inline void
keep_score(GlmPassState *gs, double p, double w)
{
	GlmScore   *sc;

	if (gs->sums.auc < 0.0 || (gs->nscores == gs->capscores && !reserve_scores(gs, 1)))
		return;
	sc = (GlmScore *) gs->scores + gs->nscores++;
	sc->p = p;
	sc->w = w;
	gs->nruns = 0;
}

/* Sort the scores into one run, unless they are one already. */
static void
sort_scores_once(GlmPassState *gs)
{
	StaticAssertStmt(sizeof(GlmScore) == 2 * sizeof(double) &&
					 offsetof(GlmScore, p) == 0, "GlmScore is a weighted score");
	if (gs->nruns != 1)
		learn_sort_scores(gs->scores, gs->nscores, sizeof(GlmScore));
	gs->nruns = 1;
	gs->run_end[0] = gs->nscores;
}

/*
 * The weighted ROC AUC of the kept scores: the weight of (class 1, class
 * 0) pairs ordered right, ties counting one half, over the weight of all
 * such pairs; NaN when a class has no weight.  Sorts the scores.
 */
static double
scores_auc(GlmPassState *gs)
{
	GlmScore   *sc = (GlmScore *) gs->scores;
	int64		pos[GLM_MAX_SCORE_RUNS];
	double		pw = 0.0;
	double		nw = 0.0;
	double		num = 0.0;

	if (gs->nruns == 0)
		sort_scores_once(gs);
	for (int r = 0; r < gs->nruns; r++)
		pos[r] = r > 0 ? gs->run_end[r - 1] : 0;

	/* the runs merged as they are read: each score, lowest first */
	for (;;)
	{
		double		p = 0.0;
		bool		any = false;
		double		bp = 0.0;
		double		bn = 0.0;

		for (int r = 0; r < gs->nruns; r++)
			if (pos[r] < gs->run_end[r] && (!any || sc[pos[r]].p < p))
			{
				p = sc[pos[r]].p;
				any = true;
			}
		if (!any)
			break;
		/* every score equal to it, in every run */
		for (int r = 0; r < gs->nruns; r++)
			for (; pos[r] < gs->run_end[r] && sc[pos[r]].p == p; pos[r]++)
			{
				if (sc[pos[r]].w > 0.0)
					bp += sc[pos[r]].w;
				else
					bn -= sc[pos[r]].w;
			}
		/* class 0 rows below this score, and half of those at it */
		num += bp * (nw + 0.5 * bn);
		pw += bp;
		nw += bn;
	}
	return pw > 0.0 && nw > 0.0 ? num / (pw * nw) : NAN;
}

/*
 * A row of the null model linkinv(b0 + offset) (null model 2): its
 * deviance, and its part of the weighted least squares of the next b0.
 */
static void
null_model_row(GlmCallSite *cs, GlmSums *s, double y, double w, double b0, double offset)
{
	double		eta = b0 + offset;
	double		mu = glm_linkinv(cs->link, eta);
	double		mueta;
	double		ww;

	if (!glm_valid_eta(cs->link, eta) || !glm_valid_mu(cs->dist, mu))
	{
		s->null_invalid++;
		return;
	}
	s->null_deviance += glm_dev_resid(cs->dist, y, mu, w);
	mueta = glm_mu_eta(cs->link, eta);
	if (mueta == 0.0)
		return;
	ww = w * mueta * mueta / glm_variance(cs->dist, mu);
	s->null_sw += ww;
	s->null_swz += ww * (b0 + (y - mu) / mueta);
}

/* One row into a group's pass state. */
static void
glm_add_row(GlmCallSite *cs, GlmPassState *gs, const double *x, double y,
			double w, double offset)
{
	GlmSums    *s = &gs->sums;
	int			k = cs->tc->k;
	double		eta;
	double		mu;
	double		mueta;
	double		var;
	double		z;
	double		ww;

	check_response_weight(y, w);
	if (cs->classifier && y != 0.0 && y != 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target column \"%s\" has the value %g, but a numeric target of a classifier takes 0 and 1",
						cs->target, y),
				 errhint("Use a boolean or text target to name the classes otherwise.")));
	check_target(cs->dist, y, cs->target);
	if (w == 0.0)
	{
		gs->ls->n_zero_weight++;
		return;
	}
	s->n_obs++;
	s->sum_w += w;
	s->sum_wy += w * y;
	if (w != 1.0)
		s->sum_log_w += log(w);
	if (gs->param == NULL)
	{
		mu = glm_mustart(cs->dist, y, w);
		eta = glm_linkfun(cs->link, mu);
	}
	else
	{
		const double *p = gs->param;

		eta = p[0] + offset;
		for (int j = 0; j < k; j++)
			eta += p[j + 1] * x[j];
		mu = glm_linkinv(cs->link, eta);
		/* the null model, until its deviance is known (3) */
		switch ((int) p[GLM_PARAM_HAS_NULL_MEAN(k)])
		{
			case 0:
				s->null_deviance += glm_dev_resid(cs->dist, y,
												  glm_linkinv(cs->link, offset), w);
				break;
			case 1:
				s->null_deviance += glm_dev_resid(cs->dist, y,
												  p[GLM_PARAM_NULL_MEAN(k)], w);
				break;
			case 2:
				null_model_row(cs, s, y, w, p[GLM_PARAM_NULL_MEAN(k)], offset);
				break;
			default:
				break;
		}
	}
	if (!glm_valid_eta(cs->link, eta) || !glm_valid_mu(cs->dist, mu))
	{
		s->n_invalid++;
		return;
	}
	var = glm_variance(cs->dist, mu);
	/* the logit's mu' is mu (1 - mu): no second exp per row */
	mueta = cs->link == GLM_LOGIT && fabs(eta) <= LOGIT_THRESH ?
		mu * (1.0 - mu) : glm_mu_eta(cs->link, eta);
	if (cs->dist == GLM_BINOMIAL && w == 1.0 && (y == 0.0 || y == 1.0))
	{
		/* one 0/1 trial: one log gives the deviance and the likelihood */
		double		ll = y == 1.0 ? log(mu) : log1p(-mu);

		s->deviance -= 2.0 * ll;
		s->loglik += ll;
	}
	else
	{
		s->deviance += glm_dev_resid(cs->dist, y, mu, w);
		if (cs->dist == GLM_BINOMIAL)
			s->loglik += binomial_loglik(y, mu, w);
	}
	/* binomial and poisson have dispersion 1: no Pearson statistic */
	if (cs->dist != GLM_BINOMIAL && cs->dist != GLM_POISSON)
		s->pearson += pearson_term(cs, gs, x, y, w, offset, mu, mueta, var);
	switch (cs->dist)
	{
		case GLM_BINOMIAL:
			if (mu < 10.0 * EPS || mu > 1.0 - 10.0 * EPS)
				s->n_boundary++;
			if ((mu > 0.5) == (y > 0.5))
				s->sum_w_correct += w;
			if (gs->keep_scores)
				keep_score(gs, mu, y > 0.5 ? w : -w);
			break;
		case GLM_POISSON:
			s->loglik += w * ((y > 0.0 ? y * log(mu) : 0.0) - mu - lgamma(y + 1.0));
			break;
		case GLM_GAMMA:
			s->sum_gamma += w * (log(mu) + y / mu);
			s->sum_w_log_y += w * log(y);
			break;
		case GLM_INVERSE_GAUSSIAN:
			s->sum_w_log_y += w * log(y);
			break;
		default:
			break;
	}
	if (mueta == 0.0)
		return;					/* R's glm.fit leaves such rows out */
	z = eta - offset + (y - mu) / mueta;
	/* the logit's mu' is V(mu) */
	ww = mueta == var ? w * mueta : w * mueta * mueta / var;
	if (gs->param == NULL)
	{
		/* the null model's first step, from the same starting means */
		s->null_sw += ww;
		s->null_swz += ww * z;
	}
	if (gs->ls->cells)
		linear_state_add_cells(gs->ls, cs->tc->lev, cs->tc->xnum, z, ww);
	else
		linear_state_add(gs->ls, x, z, ww);
}

/*
 * One row into a multinomial pass state: y is the index of the row's
 * class.  With the linear predictors eta of the K - 1 classes after the
 * reference (0 in the first pass: every class equally likely) and their
 * softmax probabilities p, the Newton step of glm.fit's kind is the
 * weighted least-squares solve of z = eta + V^-1 (e - p) with the
 * (K - 1) x (K - 1) weight w V, V = diag(p) - p p' (e: the row's class as
 * K - 1 indicators).  With V = U'U (Cholesky) the row adds K - 1 rows
 * sqrt(w) [U (I kron [1 x]), U z] to the least-squares state, and
 * U z = U eta + U^-T (e - p).  Probabilities below DBL_EPSILON are raised
 * to it (and all scaled to sum to 1) for V and the residual, as
 * make.link's logit bounds mu: V stays positive definite.
 */
static void
multinomial_add_row(GlmCallSite *cs, GlmPassState *gs, const double *x, double y,
					double w)
{
	GlmSums    *s = &gs->sums;
	int			nclasses = cs->nclasses;
	int			m = nclasses - 1;
	int			k = cs->tc->k;
	int			q = k + 1;
	int			ncoef = m * q;
	double	   *eta = cs->scratch;
	double	   *p = eta + m;
	double	   *U = p + nclasses;
	double	   *v = U + (size_t) m * m;
	double	   *row = v + m;
	double		mx = 0.0;
	double		sum;
	double		logp;
	double		sw;
	bool		clamped = false;
	int			c;
	int			best = 0;

	check_response_weight(y, w);
	if (!(y >= 0.0 && y < nclasses) || y != floor(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target column \"%s\" has a value that is none of the %d classes read when training began",
						cs->target, nclasses),
				 errhint("The source's rows changed between passes: train on a source that gives the same rows each time it is read.")));
	if (w == 0.0)
	{
		gs->ls->n_zero_weight++;
		return;
	}
	c = (int) y;
	s->n_obs++;
	s->sum_w += w;
	gs->class_w[c] += w;
	for (int j = 0; j < m; j++)
	{
		eta[j] = 0.0;
		if (gs->param)
		{
			const double *b = gs->param + (size_t) j * q;

			eta[j] = b[0];
			for (int i = 0; i < k; i++)
				eta[j] += b[i + 1] * x[i];
		}
		mx = Max(mx, eta[j]);
	}
	if (!isfinite(mx))
	{
		s->n_invalid++;
		return;
	}
	/* the softmax, from the largest predictor: no overflow */
	p[0] = exp(-mx);
	sum = p[0];
	for (int j = 0; j < m; j++)
	{
		p[j + 1] = exp(eta[j] - mx);
		sum += p[j + 1];
	}
	logp = (c == 0 ? 0.0 : eta[c - 1]) - mx - log(sum);
	s->deviance -= 2.0 * w * logp;
	s->loglik += w * logp;
	for (int j = 0; j < nclasses; j++)
	{
		p[j] /= sum;
		if (p[j] > p[best])
			best = j;
	}
	if (best == c)
		s->sum_w_correct += w;
	for (int j = 0; j < nclasses; j++)
	{
		if (p[j] < 10.0 * EPS)
			clamped = true;
		p[j] = Max(p[j], EPS);
	}
	if (clamped)
	{
		s->n_boundary++;
		sum = 0.0;
		for (int j = 0; j < nclasses; j++)
			sum += p[j];
		for (int j = 0; j < nclasses; j++)
			p[j] /= sum;
	}

	/* U'U = V, upper triangular, row-major */
	for (int i = 0; i < m; i++)
	{
		double		d = p[i + 1] * (1.0 - p[i + 1]);

		for (int r = 0; r < i; r++)
			d -= U[r * m + i] * U[r * m + i];
		if (!(d > 0.0))
		{
			s->n_invalid++;
			return;
		}
		U[i * m + i] = sqrt(d);
		for (int j = i + 1; j < m; j++)
		{
			double		e = -p[i + 1] * p[j + 1];

			for (int r = 0; r < i; r++)
				e -= U[r * m + i] * U[r * m + j];
			U[i * m + j] = e / U[i * m + i];
		}
	}
	/* v = U^-T (e - p): forward substitution */
	for (int i = 0; i < m; i++)
	{
		double		r = (c == i + 1 ? 1.0 : 0.0) - p[i + 1];

		for (int j = 0; j < i; j++)
			r -= U[j * m + i] * v[j];
		v[i] = r / U[i * m + i];
	}
	sw = sqrt(w);
	for (int i = 0; i < m; i++)
	{
		double		ueta = 0.0;

		memset(row, 0, sizeof(double) * (ncoef + 1));
		for (int j = i; j < m; j++)
		{
			double		a = sw * U[i * m + j];

			ueta += U[i * m + j] * eta[j];
			row[j * q] = a;
			for (int t = 0; t < k; t++)
				row[j * q + 1 + t] = a * x[t];
		}
		row[ncoef] = sw * (ueta + v[i]);
		linear_state_add_row(gs->ls, row);
	}
	gs->ls->sum_w += w;
}

/* lsk: the features of the least-squares state (glm: k) */
static GlmPassState *
glm_pass_state_create(int lsk, int nclasses)
{
	GlmPassState *gs = palloc0(sizeof(GlmPassState));

	gs->ls = linear_state_create(lsk, LINEAR_FAMILY_LINEAR, 0);
	gs->ls->no_log_w = true;
	gs->nclasses = nclasses;
	if (nclasses > 0)
		gs->class_w = palloc0(sizeof(double) * nclasses);
	gs->sums.auc = NAN;
	return gs;
}

/*
 * A group's state, made with its first row in cxt: with the group's
 * parameter (pass_param) in a later pass, looked up in the caller's
 * short-lived context and kept as long as the state
 * (learn_pass_params_lookup).
 */
static GlmPassState *
glm_group_start(FunctionCallInfo fcinfo, GlmCallSite *cs, MemoryContext cxt)
{
	TransCache *tc = cs->tc;
	const double *param = tc->pass ? learn_pass_params_lookup(tc->pass, fcinfo, cxt) : NULL;
	MemoryContext old = MemoryContextSwitchTo(cxt);
	GlmPassState *gs = glm_pass_state_create(cs->lsk, cs->nclasses);

	if (cs->nclasses == 0)
		trans_set_cells(tc, gs->ls);
	MemoryContextSwitchTo(old);
	if (tc->pass)
	{
		gs->param = param;
		gs->skip = (param == NULL);
		gs->keep_scores = param && cs->nclasses == 0 && param[GLM_PARAM_AUC(tc->k)] != 0.0;
	}
	return gs;
}

/* The row of fcinfo into its group's state. */
static void
glm_group_add(FunctionCallInfo fcinfo, GlmCallSite *cs, GlmPassState *gs)
{
	TransCache *tc = cs->tc;

	if (gs->skip)
		return;
	/* a NULL target, weight, offset or feature skips the row */
	if (PG_ARGISNULL(5) || PG_ARGISNULL(6) || PG_ARGISNULL(7) ||
		!read_features(fcinfo, tc))
	{
		gs->ls->n_skipped++;
		return;
	}
	if (!isfinite(PG_GETARG_FLOAT8(7)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the offset is %s", isnan(PG_GETARG_FLOAT8(7)) ? "NaN" : "infinite"),
				 errhint("Filter such rows out of the source, or turn them into NULLs to have them skipped.")));
	if (cs->nclasses > 0)
		multinomial_add_row(cs, gs, tc->x, PG_GETARG_FLOAT8(5), PG_GETARG_FLOAT8(6));
	else
		glm_add_row(cs, gs, tc->x, PG_GETARG_FLOAT8(5), PG_GETARG_FLOAT8(6),
					PG_GETARG_FLOAT8(7));
	CHECK_FOR_INTERRUPTS();
}

Datum
glm_pass_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "glm_pass_trans");
	GlmPassState *gs = PG_ARGISNULL(0) ? NULL : (GlmPassState *) PG_GETARG_POINTER(0);
	GlmCallSite *cs = glm_call_site(fcinfo, "learn._glm_pass");

	if (gs == NULL)
		gs = glm_group_start(fcinfo, cs, aggcontext);
	glm_group_add(fcinfo, cs, gs);
	PG_RETURN_POINTER(gs);
}

/*
 * glm_pass_groups_trans(state internal, param bytea, ngroupcols int4,
 *						 spec int4, target text, y float8, w float8,
 *						 offset float8, VARIADIC: the group columns, then x)
 *
 * learn._glm_pass as one ungrouped scan that keeps its groups itself
 * (state/groups.h): learn._glm_pass_groups.  A group's state, and its
 * parameter, are found once per row by the group's values.
 */
Datum
glm_pass_groups_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "glm_pass_groups_trans");
	GlmPassState *top = PG_ARGISNULL(0) ? NULL : (GlmPassState *) PG_GETARG_POINTER(0);
	GlmCallSite *cs = glm_call_site(fcinfo, "learn._glm_pass_groups");
	void	  **slot;

	if (top == NULL)
	{
		if (cs->ngroupcols < 1 || cs->ngroupcols > INDEX_MAX_KEYS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("learn._glm_pass_groups takes between 1 and %d group columns",
							INDEX_MAX_KEYS)));
		top = MemoryContextAllocZero(aggcontext, sizeof(GlmPassState));
		top->groups = group_table_create(fcinfo, GLM_FIRST_ARG, cs->ngroupcols, aggcontext);
	}
	if (top->groups == NULL)
		invalid_glm_state("A state of one group cannot take the rows of groups.");
	slot = group_table_find(top->groups, fcinfo->args + GLM_FIRST_ARG);
	if (slot == NULL)
		PG_RETURN_POINTER(top);	/* stopped: more groups than hash_mem holds */
	if (*slot == NULL)
	{
		GlmPassState *gs = glm_group_start(fcinfo, cs, group_table_context(top->groups));

		/* a narrow state in a table of groups keeps its small block */
		gs->ls->small_buffer = true;
		*slot = gs;
	}
	glm_group_add(fcinfo, cs, *slot);
	PG_RETURN_POINTER(top);
}

static void
glm_sums_merge(GlmSums *d, const GlmSums *s)
{
	if (pg_add_s64_overflow(d->n_obs, s->n_obs, &d->n_obs) ||
		pg_add_s64_overflow(d->n_invalid, s->n_invalid, &d->n_invalid) ||
		pg_add_s64_overflow(d->n_boundary, s->n_boundary, &d->n_boundary) ||
		pg_add_s64_overflow(d->null_invalid, s->null_invalid, &d->null_invalid))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of merged glm states out of range")));
	d->sum_w += s->sum_w;
	d->sum_wy += s->sum_wy;
	d->sum_log_w += s->sum_log_w;
	d->deviance += s->deviance;
	d->null_deviance += s->null_deviance;
	d->null_sw += s->null_sw;
	d->null_swz += s->null_swz;
	d->pearson += s->pearson;
	d->loglik += s->loglik;
	d->sum_w_log_y += s->sum_w_log_y;
	d->sum_gamma += s->sum_gamma;
	d->sum_w_correct += s->sum_w_correct;
}

/* s2 into s1 (allocating in the current memory context) */
static void
glm_pass_merge(GlmPassState *s1, GlmPassState *s2)
{
	if (s1->nclasses != s2->nclasses)
		elog(ERROR, "pg_learn: glm pass states of %d and %d classes cannot merge",
			 s1->nclasses, s2->nclasses);
	s1->skip = s1->skip && s2->skip;
	linear_state_merge(s1->ls, s2->ls);
	glm_sums_merge(&s1->sums, &s2->sums);
	for (int c = 0; c < s1->nclasses; c++)
		s1->class_w[c] += s2->class_w[c];
	if (s2->keep_scores)
	{
		s1->keep_scores = true;
		if (s2->sums.auc < 0.0)
			drop_scores(s1);
		else if (!(s1->sums.auc < 0.0) && s2->nscores > 0)
		{
			int64		before = s1->nscores;

			if (reserve_scores(s1, s2->nscores))
			{
				memcpy((GlmScore *) s1->scores + s1->nscores, s2->scores,
					   sizeof(GlmScore) * s2->nscores);
				s1->nscores += s2->nscores;
				/* a sorted run follows the runs before it, or none are kept */
				if (s2->nruns == 1 && (before == 0 || s1->nruns > 0) &&
					s1->nruns < GLM_MAX_SCORE_RUNS)
					s1->run_end[s1->nruns++] = s1->nscores;
				else
					s1->nruns = 0;
			}
		}
	}
}

/* A new state of src's shape with src merged into it */
static GlmPassState *
glm_pass_copy(GlmPassState *src)
{
	GlmPassState *gs = glm_pass_state_create(src->ls->ncols - 2, src->nclasses);

	gs->skip = src->skip;
	glm_pass_merge(gs, src);
	return gs;
}

/* group_table_* callbacks of a group's state */
static void
merge_glm_group(void *dst, void *src)
{
	glm_pass_merge(dst, src);
}

static void *
copy_glm_group(void *src)
{
	return glm_pass_copy(src);
}

static bytea *
serialize_glm_group(void *gs)
{
	return glm_pass_serialize(gs, true);
}

static void *
read_glm_group(bytea *b)
{
	return glm_pass_deserialize(b);
}

Datum
glm_pass_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "glm_pass_combine");
	GlmPassState *s1 = PG_ARGISNULL(0) ? NULL : (GlmPassState *) PG_GETARG_POINTER(0);
	GlmPassState *s2 = PG_ARGISNULL(1) ? NULL : (GlmPassState *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (s2 == NULL)
		PG_RETURN_POINTER(s1);
	old = MemoryContextSwitchTo(aggcontext);
	if (s2->groups || (s1 && s1->groups))
	{
		if (s1 == NULL)
		{
			s1 = palloc0(sizeof(GlmPassState));
			s1->groups = group_table_create_like(s2->groups, aggcontext);
		}
		if (s1->groups == NULL || s2->groups == NULL)
			invalid_glm_state("A state of groups cannot merge with a state of one group.");
		group_table_merge(s1->groups, s2->groups, merge_glm_group, copy_glm_group);
	}
	else if (s1 == NULL)
		s1 = glm_pass_copy(s2);
	else
		glm_pass_merge(s1, s2);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s1);
}

bytea *
glm_pass_serialize(GlmPassState *gs, bool with_scores)
{
	StringInfoData buf;
	bytea	   *ls = linear_state_serialize(gs->ls);
	const GlmSums *s = &gs->sums;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, GLM_PASS_STATE_VERSION);
	pq_sendbyte(&buf, gs->skip);
	pq_sendint64(&buf, s->n_obs);
	pq_sendint64(&buf, s->n_invalid);
	pq_sendint64(&buf, s->n_boundary);
	pq_sendfloat8(&buf, s->sum_w);
	pq_sendfloat8(&buf, s->sum_wy);
	pq_sendfloat8(&buf, s->sum_log_w);
	pq_sendfloat8(&buf, s->deviance);
	pq_sendfloat8(&buf, s->null_deviance);
	pq_sendint64(&buf, s->null_invalid);
	pq_sendfloat8(&buf, s->null_sw);
	pq_sendfloat8(&buf, s->null_swz);
	pq_sendfloat8(&buf, s->pearson);
	pq_sendfloat8(&buf, s->loglik);
	pq_sendfloat8(&buf, s->sum_w_log_y);
	pq_sendfloat8(&buf, s->sum_gamma);
	pq_sendfloat8(&buf, s->sum_w_correct);
	pq_sendfloat8(&buf, s->auc);
	pq_sendint32(&buf, gs->nclasses);
	for (int c = 0; c < gs->nclasses; c++)
		pq_sendfloat8(&buf, gs->class_w[c]);
	pq_sendbyte(&buf, gs->keep_scores);
	/* a parallel worker sorts its scores: the workers sort at once */
	if (with_scores && gs->nscores > 0)
		sort_scores_once(gs);
	pq_sendint64(&buf, with_scores ? gs->nscores : 0);
	if (with_scores && gs->nscores > 0)
	{
		/*
		 * Copied as they lie in memory: a state with scores goes only from
		 * a parallel worker to its leader, on the same machine (the
		 * result of the pass, glm_pass_final's, has none).
		 */
		appendBinaryStringInfo(&buf, (const char *) gs->scores,
							   (int) (gs->nscores * sizeof(GlmScore)));
	}
	pq_sendbytes(&buf, VARDATA(ls), VARSIZE(ls) - VARHDRSZ);
	return pq_endtypsend(&buf);
}

GlmPassState *
glm_pass_deserialize(bytea *b)
{
	StringInfoData buf;
	GlmPassState *gs = palloc0(sizeof(GlmPassState));
	GlmSums    *s = &gs->sums;
	int			rest;
	bytea	   *ls;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 2 + 4 * 8 + 13 * 8 + 4 + 1 + 8 || pq_getmsgbyte(&buf) != GLM_PASS_STATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid glm pass state"),
				 errdetail("The state is too short or of another version.")));
	gs->skip = pq_getmsgbyte(&buf) != 0;
	s->n_obs = pq_getmsgint64(&buf);
	s->n_invalid = pq_getmsgint64(&buf);
	s->n_boundary = pq_getmsgint64(&buf);
	s->sum_w = pq_getmsgfloat8(&buf);
	s->sum_wy = pq_getmsgfloat8(&buf);
	s->sum_log_w = pq_getmsgfloat8(&buf);
	s->deviance = pq_getmsgfloat8(&buf);
	s->null_deviance = pq_getmsgfloat8(&buf);
	s->null_invalid = pq_getmsgint64(&buf);
	s->null_sw = pq_getmsgfloat8(&buf);
	s->null_swz = pq_getmsgfloat8(&buf);
	s->pearson = pq_getmsgfloat8(&buf);
	s->loglik = pq_getmsgfloat8(&buf);
	s->sum_w_log_y = pq_getmsgfloat8(&buf);
	s->sum_gamma = pq_getmsgfloat8(&buf);
	s->sum_w_correct = pq_getmsgfloat8(&buf);
	s->auc = pq_getmsgfloat8(&buf);
	gs->nclasses = pq_getmsgint(&buf, 4);
	if (gs->nclasses < 0 || gs->nclasses > GLM_MAX_CLASSES ||
		gs->nclasses > (buf.len - buf.cursor) / 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid glm pass state"),
				 errdetail("The number of classes is out of range.")));
	if (gs->nclasses > 0)
		gs->class_w = palloc(sizeof(double) * gs->nclasses);
	for (int c = 0; c < gs->nclasses; c++)
		gs->class_w[c] = pq_getmsgfloat8(&buf);
	gs->keep_scores = pq_getmsgbyte(&buf) != 0;
	gs->nscores = pq_getmsgint64(&buf);
	if (gs->nscores < 0 || gs->nscores > max_scores() ||
		gs->nscores > (buf.len - buf.cursor) / (int64) sizeof(GlmScore))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid glm pass state"),
				 errdetail("The number of kept scores is out of range.")));
	if (gs->nscores > 0)
	{
		GlmScore   *sc = MemoryContextAllocHuge(CurrentMemoryContext,
												sizeof(GlmScore) * gs->nscores);

		pq_copymsgbytes(&buf, (char *) sc, (int) (sizeof(GlmScore) * gs->nscores));
		gs->scores = (double *) sc;
		gs->capscores = gs->nscores;
		/* as serialized: sorted */
		for (int64 i = 1; i < gs->nscores; i++)
			if (!(sc[i - 1].p <= sc[i].p))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid glm pass state"),
						 errdetail("The kept scores are not in order.")));
		gs->nruns = 1;
		gs->run_end[0] = gs->nscores;
	}
	if (s->n_obs < 0 || s->n_invalid < 0 || s->n_boundary < 0 || s->null_invalid < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid glm pass state"),
				 errdetail("A count is negative.")));
	rest = buf.len - buf.cursor;
	ls = palloc(VARHDRSZ + rest);
	SET_VARSIZE(ls, VARHDRSZ + rest);
	memcpy(VARDATA(ls), buf.data + buf.cursor, rest);
	gs->ls = linear_state_deserialize(ls);
	if (gs->ls->family == LINEAR_FAMILY_OPEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid glm pass state"),
				 errdetail("Its least-squares state has open levels.")));
	pfree(ls);
	return gs;
}

/* A state of groups as the version, GLM_PASS_GROUPS, the table. */
#define glm_groups_bytea(gs, write, each) \
	group_table_bytea((gs)->groups, GLM_PASS_STATE_VERSION, GLM_PASS_GROUPS, (write), (each))

Datum
glm_pass_serial(PG_FUNCTION_ARGS)
{
	GlmPassState *gs = (GlmPassState *) PG_GETARG_POINTER(0);

	agg_context(fcinfo, "glm_pass_serial");
	if (gs->groups)
		PG_RETURN_BYTEA_P(glm_groups_bytea(gs, group_table_serialize, serialize_glm_group));
	PG_RETURN_BYTEA_P(glm_pass_serialize(gs, true));
}

Datum
glm_pass_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	GroupTable *gt;

	agg_context(fcinfo, "glm_pass_deserial");
	/* a parallel worker's state of groups: only ever its glm_pass_serial's */
	gt = group_table_from_bytea(b, GLM_PASS_STATE_VERSION, GLM_PASS_GROUPS,
								CurrentMemoryContext, read_glm_group);
	if (gt)
	{
		GlmPassState *top = palloc0(sizeof(GlmPassState));

		top->groups = gt;
		PG_RETURN_POINTER(top);
	}
	PG_RETURN_POINTER(glm_pass_deserialize(b));
}

/*
 * A group's result: its serialized state with the AUC of its scores
 * (unless they were too many: -1); NULL when it took no part.
 */
static bytea *
glm_group_result(void *state)
{
	GlmPassState *gs = state;

	if (gs->skip)
		return NULL;
	if (gs->keep_scores && !(gs->sums.auc < 0.0))
		gs->sums.auc = scores_auc(gs);
	return glm_pass_serialize(gs, false);
}

Datum
glm_pass_final(PG_FUNCTION_ARGS)
{
	GlmPassState *gs = PG_ARGISNULL(0) ? NULL : (GlmPassState *) PG_GETARG_POINTER(0);
	bytea	   *result;

	if (gs == NULL)
		PG_RETURN_NULL();
	if (gs->groups)
		invalid_glm_state("A state of groups is not the state of one group.");
	result = glm_group_result(gs);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(result);
}

/*
 * Final function of learn._glm_pass_groups: every group's key and result
 * (group_table_result after the version and GLM_PASS_GROUPS), the groups
 * that took no part left out.
 */
Datum
glm_pass_groups_final(PG_FUNCTION_ARGS)
{
	GlmPassState *top;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	top = (GlmPassState *) PG_GETARG_POINTER(0);
	if (top->groups == NULL)
		invalid_glm_state("The state holds no groups.");
	PG_RETURN_BYTEA_P(glm_groups_bytea(top, group_table_result, glm_group_result));
}
