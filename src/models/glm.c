/*-------------------------------------------------------------------------
 * models/glm.c
 *	  The `glm` and `logistic` families: generalized linear models fitted
 *	  by IRLS (Fisher scoring) as R's glm.fit does, one aggregate pass over
 *	  the source per iteration (learn._glm_pass, state/irls.c).
 *
 * Pass 1 starts from R's mustart.  Each later pass evaluates every active
 * group's current coefficients: its deviance decides convergence (relative
 * change below `tolerance`) or a halved step (non-finite deviance, means
 * or linear predictors out of range, or a rising deviance), and its
 * least-squares state gives the next coefficients.  Standard errors come
 * from the weighted least-squares factor of the last iteration times the
 * dispersion, as summary.glm computes them.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "family.h"
#include "models/linpred.h"
#include "numeric/distributions.h"
#include "state/irls.h"
#include "state/lsq.h"

PG_FUNCTION_INFO_V1(learn_logistic_predict);

static const char *const dist_choices[] = {"gaussian", "binomial", "poisson", "gamma",
"inverse_gaussian", NULL};
static const char *const link_choices[] = {"identity", "log", "logit", "probit",
"cloglog", "sqrt", "inverse", "1/mu^2", NULL};

static const LearnParamSpec glm_params[] = {
	{.name = "family", .type = LEARN_PARAM_ENUM, .default_string = "gaussian",
	.choices = dist_choices},
	{.name = "link", .type = LEARN_PARAM_ENUM, .default_string = NULL,
	.choices = link_choices, .false_allowed = true},
	{.name = "intercept", .type = LEARN_PARAM_BOOL, .default_bool = true},
	{.name = "offset", .type = LEARN_PARAM_STRING, .default_string = NULL},
	{.name = "max_iterations", .type = LEARN_PARAM_NUMBER, .default_number = 100,
	.min = 1, .max = 10000, .integer = true},
	{.name = "tolerance", .type = LEARN_PARAM_NUMBER, .default_number = 1e-8,
	.min = 1e-300, .max = 1},
	{.name = "verbose", .type = LEARN_PARAM_BOOL, .default_bool = false},
	{.name = NULL}
};

static const LearnParamSpec logistic_params[] = {
	{.name = "intercept", .type = LEARN_PARAM_BOOL, .default_bool = true},
	{.name = "max_iterations", .type = LEARN_PARAM_NUMBER, .default_number = 100,
	.min = 1, .max = 10000, .integer = true},
	{.name = "tolerance", .type = LEARN_PARAM_NUMBER, .default_number = 1e-8,
	.min = 1e-300, .max = 1},
	{.name = "verbose", .type = LEARN_PARAM_BOOL, .default_bool = false},
	{.name = NULL}
};

/* the links each distribution may use, as R's family functions allow */
static bool
link_allowed(GlmDist dist, GlmLink link)
{
	switch (dist)
	{
		case GLM_GAUSSIAN:
			return link == GLM_IDENTITY || link == GLM_LOG || link == GLM_INVERSE;
		case GLM_BINOMIAL:
			return link == GLM_LOGIT || link == GLM_PROBIT || link == GLM_CLOGLOG ||
				link == GLM_LOG;
		case GLM_POISSON:
			return link == GLM_LOG || link == GLM_IDENTITY || link == GLM_SQRT;
		case GLM_GAMMA:
			return link == GLM_INVERSE || link == GLM_IDENTITY || link == GLM_LOG;
		case GLM_INVERSE_GAUSSIAN:
			return link == GLM_INVERSE_SQUARE || link == GLM_INVERSE ||
				link == GLM_IDENTITY || link == GLM_LOG;
	}
	return false;
}

static const GlmLink canonical_link[] = {0, GLM_IDENTITY, GLM_LOGIT, GLM_LOG,
GLM_INVERSE, GLM_INVERSE_SQUARE};

static int
choice_index(const char *const *choices, const char *s)
{
	for (int i = 0; choices[i]; i++)
		if (strcmp(choices[i], s) == 0)
			return i;
	return -1;
}

typedef struct GlmPlan
{
	GlmDist		dist;
	GlmLink		link;
	bool		intercept;
	bool		classifier;		/* logistic */
	int			max_iterations;
	double		tolerance;
	bool		verbose;
	const char *target;
	const char *offset_sql;		/* the offset column's argument, or NULL */
	int			k;
	int			p;
	int		   *cols;			/* state column of each term */
	const char **terms;
	int			active;			/* groups still iterating */
	int			n_not_converged;
	int			n_boundary;
	int			n_halved;
} GlmPlan;

/* One fitted group, kept between passes. */
typedef struct GlmGroup
{
	double	   *coef;			/* k + 1, by state column; 0 when aliased */
	double	   *coefold;		/* the coefficients whose working weights
								 * made coef, and where a halved step goes;
								 * NULL: the starting means made coef */
	double		wtdmu;			/* the null mean (NaN: linkinv(offset)) */
	double		devold;
	int			iter;			/* least-squares solves so far */
	int			halvings;		/* of the current step */
	bool		done;
	bool		converged;
	LinearFit  *fit;			/* the solve that gave coef */
	GlmSums		sums;			/* at coef, once done */
	double	   *history;		/* deviance per iteration */
	int			nhistory;
	int			caphistory;
	MemoryContext mcxt;			/* where the group is kept */
} GlmGroup;

static void *
glm_begin(const LearnTrainSpec *spec, bool classifier)
{
	GlmPlan    *plan = palloc0(sizeof(GlmPlan));

	plan->classifier = classifier;
	if (classifier)
	{
		plan->dist = GLM_BINOMIAL;
		plan->link = GLM_LOGIT;
	}
	else
	{
		const char *link = learn_param_string(spec->params, "link");

		plan->dist = (GlmDist) (choice_index(dist_choices,
											 learn_param_string(spec->params, "family")) + 1);
		if (link == NULL)
		{
			plan->link = canonical_link[plan->dist];
			learn_param_set_string(spec->params, "link", link_choices[plan->link - 1]);
		}
		else
		{
			plan->link = (GlmLink) (choice_index(link_choices, link) + 1);
			if (!link_allowed(plan->dist, plan->link))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the %s family cannot use the %s link",
								dist_choices[plan->dist - 1], link),
						 errhint("The %s family takes the links its R family function takes; its canonical link is %s.",
								 dist_choices[plan->dist - 1],
								 link_choices[canonical_link[plan->dist] - 1])));
		}
	}
	plan->intercept = learn_param_bool(spec->params, "intercept");
	plan->max_iterations = (int) learn_param_number(spec->params, "max_iterations");
	plan->tolerance = learn_param_number(spec->params, "tolerance");
	plan->verbose = learn_param_bool(spec->params, "verbose");
	plan->target = spec->target;
	if (!classifier && learn_param_string(spec->params, "offset") != NULL)
		plan->offset_sql = spec->column_sql(spec, learn_param_string(spec->params, "offset"),
											"offset");
	plan->k = spec->nfeatures;
	plan->p = linpred_terms(spec, plan->intercept, &plan->cols, &plan->terms);
	return plan;
}

static void *
glm_begin_glm(const LearnTrainSpec *spec)
{
	return glm_begin(spec, false);
}

static void *
logistic_begin(const LearnTrainSpec *spec)
{
	return glm_begin(spec, true);
}

/* Every pass, the first included, is learn._glm_pass. */
static bool
glm_pass(void *planp, int pass, LearnPass *out)
{
	GlmPlan    *plan = planp;

	/* pass 2 always follows (no group can converge before it) */
	if (pass > 2 && plan->active == 0)
		return false;
	out->aggregate = "learn._glm_pass";
	out->nparam = GLM_NPARAM(plan->k);
	out->lead_args = psprintf("%d, %s", GLM_SPEC(plan->dist, plan->link) +
							  (plan->classifier ? GLM_SPEC_CLASSIFIER : 0),
							  quote_literal_cstr(plan->target));
	/* without an offset column, 0 (a NULL offset skips its row) */
	out->mid_args = plan->offset_sql ? plan->offset_sql : "0::pg_catalog.float8";
	return true;
}

static void *
glm_absorb(void *plan, bytea *state, LearnCounts *counts)
{
	GlmPassState *gs = glm_pass_deserialize(state);

	counts->n = gs->sums.n_obs;
	counts->n_skipped = gs->ls->n_skipped;
	counts->n_zero_weight = gs->ls->n_zero_weight;
	return gs;
}

/* Solve a pass's least-squares state for the next coefficients. */
static LinearFit *
glm_solve(GlmPlan *plan, GlmPassState *gs, const char **reason)
{
	return linear_fit(gs->ls, plan->cols, plan->p, plan->intercept, plan->intercept, reason);
}

static void
set_coef(GlmPlan *plan, GlmGroup *g, const LinearFit *fit)
{
	memset(g->coef, 0, sizeof(double) * (plan->k + 1));
	for (int j = 0; j < plan->p; j++)
		g->coef[plan->cols[j]] = fit->aliased[j] ? 0.0 : fit->coef[j];
}

/* Pass 1: the first solve, from the starting means. */
static void *
glm_fit(void *planp, void *state, const char **reason)
{
	GlmPlan    *plan = planp;
	GlmPassState *gs = state;
	LinearFit  *fit;

	if (gs->sums.n_invalid > 0)
	{
		*reason = "the starting values are out of range for the link";
		return NULL;
	}
	if (plan->classifier && (gs->sums.sum_wy == 0.0 || gs->sums.sum_wy == gs->sums.sum_w))
	{
		*reason = "all rows are of one class";
		return NULL;
	}
	fit = glm_solve(plan, gs, reason);
	if (fit == NULL)
		return NULL;
	/* the group's first state, for glm_keep: its deviance at mustart */
	fit->n = gs->sums.n_obs;
	return list_make2(gs, fit);
}

static void
history_add(GlmGroup *g, double dev)
{
	if (g->nhistory == g->caphistory)
	{
		g->caphistory = g->caphistory ? 2 * g->caphistory : 8;
		g->history = g->history ?
			repalloc(g->history, sizeof(double) * g->caphistory) :
			MemoryContextAlloc(g->mcxt, sizeof(double) * g->caphistory);
	}
	g->history[g->nhistory++] = dev;
}

static void *
glm_keep(void *planp, void *fitp)
{
	GlmPlan    *plan = planp;
	List	   *l = fitp;
	GlmPassState *gs = linitial(l);
	LinearFit  *fit = lsecond(l);
	GlmGroup   *g = palloc0(sizeof(GlmGroup));

	g->mcxt = CurrentMemoryContext;
	g->coef = palloc(sizeof(double) * (plan->k + 1));
	set_coef(plan, g, fit);
	g->fit = linear_fit_copy(fit);
	g->devold = gs->sums.deviance;
	g->wtdmu = plan->intercept ? gs->sums.sum_wy / gs->sums.sum_w : NAN;
	g->iter = 1;
	plan->active++;
	return g;
}

static bool
glm_pass_param(void *planp, int pass, void *gp, double *param)
{
	GlmPlan    *plan = planp;
	GlmGroup   *g = gp;
	int			k = plan->k;

	if (g->done)
		return false;
	memcpy(param, g->coef, sizeof(double) * (k + 1));
	/* the iteration that made coef: a halved step keeps it */
	if (g->coefold == NULL)
	{
		param[GLM_PARAM_PREV_KIND(k)] = 1.0;
		memset(param + GLM_PARAM_PREV(k), 0, sizeof(double) * (k + 1));
	}
	else
	{
		param[GLM_PARAM_PREV_KIND(k)] = 2.0;
		memcpy(param + GLM_PARAM_PREV(k), g->coefold, sizeof(double) * (k + 1));
	}
	param[GLM_PARAM_HAS_NULL_MEAN(k)] = isnan(g->wtdmu) ? 0.0 : 1.0;
	param[GLM_PARAM_NULL_MEAN(k)] = isnan(g->wtdmu) ? 0.0 : g->wtdmu;
	return true;
}

/* Halve the step towards the last good coefficients. */
static const char *
halve(GlmPlan *plan, GlmGroup *g)
{
	if (g->coefold == NULL)
		return "no valid set of coefficients has been found from the starting values";
	if (++g->halvings > plan->max_iterations)
		return "the step size could not be corrected";
	for (int j = 0; j <= plan->k; j++)
		g->coef[j] = 0.5 * (g->coef[j] + g->coefold[j]);
	plan->n_halved++;
	return NULL;
}

static void
finish(GlmPlan *plan, GlmGroup *g, const GlmSums *s, bool converged)
{
	g->sums = *s;
	g->done = true;
	g->converged = converged;
	plan->active--;
	if (!converged)
		plan->n_not_converged++;
	if (s->n_boundary > 0)
		plan->n_boundary++;
}

static const char *
glm_pass_absorb(void *planp, int pass, void *gp, Datum result)
{
	GlmPlan    *plan = planp;
	GlmGroup   *g = gp;
	GlmPassState *gs = glm_pass_deserialize(DatumGetByteaPP(result));
	double		dev = gs->sums.deviance;
	double		change;
	const char *reason;
	LinearFit  *fit;
	MemoryContext old;

	if (gs->sums.n_invalid > 0 || !isfinite(dev) ||
		(g->coefold != NULL && dev > g->devold + plan->tolerance * (fabs(g->devold) + 0.1)))
	{
		reason = halve(plan, g);
		if (reason)
			plan->active--;
		return reason;
	}
	g->halvings = 0;
	history_add(g, dev);
	change = fabs(dev - g->devold) / (fabs(dev) + 0.1);
	if (plan->verbose)
		ereport(NOTICE,
				(errmsg("iteration %d: deviance %.10g, change %.3g", g->iter, dev, change)));
	if (change < plan->tolerance)
	{
		/* R's binomial warning: estimates running off to infinity */
		finish(plan, g, &gs->sums, gs->sums.n_boundary == 0 || plan->dist != GLM_BINOMIAL);
		return NULL;
	}
	if (g->iter >= plan->max_iterations)
	{
		finish(plan, g, &gs->sums, false);
		return NULL;
	}
	fit = glm_solve(plan, gs, &reason);
	if (fit == NULL)
	{
		plan->active--;
		return reason;
	}
	old = MemoryContextSwitchTo(g->mcxt);
	if (g->coefold == NULL)
		g->coefold = palloc(sizeof(double) * (plan->k + 1));
	memcpy(g->coefold, g->coef, sizeof(double) * (plan->k + 1));
	pfree(g->fit);
	g->fit = linear_fit_copy(fit);
	MemoryContextSwitchTo(old);
	set_coef(plan, g, fit);
	g->devold = dev;
	g->iter++;
	return NULL;
}

static bool
has_dispersion(GlmDist dist)
{
	return dist != GLM_BINOMIAL && dist != GLM_POISSON;
}

static double
dispersion(GlmPlan *plan, GlmGroup *g)
{
	double		df = (double) g->sums.n_obs - g->fit->rank;

	if (!has_dispersion(plan->dist))
		return 1.0;
	return df > 0 ? g->sums.pearson / df : NAN;
}

static void
glm_metrics(StringInfo out, void *planp, const LearnCounts *counts, void *gp)
{
	GlmPlan    *plan = planp;
	GlmGroup   *g = gp;
	const GlmSums *s = &g->sums;
	double		ll = glm_loglik(plan->dist, s);
	double		npar = g->fit->rank + (has_dispersion(plan->dist) ? 1 : 0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	linpred_json_number(&buf, "n", (double) counts->n);
	linpred_json_number(&buf, "n_skipped", (double) counts->n_skipped);
	linpred_json_number(&buf, "rank", g->fit->rank);
	linpred_json_number(&buf, "df_residual", (double) s->n_obs - g->fit->rank);
	linpred_json_number(&buf, "df_null", (double) s->n_obs - (plan->intercept ? 1 : 0));
	linpred_json_number(&buf, "deviance", s->deviance);
	/*
	 * With an offset and an intercept R fits the null model again (glm's
	 * refit of an intercept-only model with the offset); not done here.
	 */
	linpred_json_number(&buf, "null_deviance",
						plan->offset_sql && plan->intercept ? NAN : s->null_deviance);
	linpred_json_number(&buf, "dispersion", dispersion(plan, g));
	linpred_json_number(&buf, "log_likelihood", ll);
	linpred_json_number(&buf, "aic", -2.0 * ll + 2.0 * npar);
	linpred_json_number(&buf, "bic", -2.0 * ll + log((double) s->n_obs) * npar);
	if (plan->classifier)
	{
		/* on the training rows; log_loss is the mean of -log p(y) */
		linpred_json_number(&buf, "accuracy", s->sum_w_correct / s->sum_w);
		linpred_json_number(&buf, "log_loss", s->deviance / (2.0 * s->sum_w));
	}
	linpred_json_number(&buf, "iterations", g->iter);
	appendStringInfo(&buf, ", \"converged\": %s", g->converged ? "true" : "false");
	appendStringInfoString(&buf, ", \"history\": [");
	for (int i = 0; i < g->nhistory; i++)
		appendStringInfo(&buf, "%s%.17g", i ? ", " : "", g->history[i]);
	appendStringInfoString(&buf, "]}");
	appendStringInfoString(out, buf.data);
	pfree(buf.data);
}

static int
glm_terms(void *planp, void *gp, const char *group_text, LearnTerm **terms)
{
	GlmPlan    *plan = planp;
	GlmGroup   *g = gp;
	LinearFit  *fit = g->fit;
	double		phi = dispersion(plan, g);
	double		df = (double) g->sums.n_obs - fit->rank;
	LearnTerm  *t = palloc(sizeof(LearnTerm) * plan->p);
	int			r = 0;

	for (int j = 0; j < plan->p; j++)
	{
		t[j].position = plan->cols[j];
		t[j].term = plan->terms[j];
		if (fit->aliased[j])
		{
			t[j].estimate = t[j].std_error = t[j].statistic = t[j].p_value = NAN;
			continue;
		}
		t[j].estimate = g->coef[plan->cols[j]];
		{
			/* sqrt(phi * ((X'WX)^-1)[r,r]): the row norm of R^-1 */
			double		ss = 0.0;

			for (int c = r; c < fit->rank; c++)
				ss += fit->rinv[r + c * fit->rank] * fit->rinv[r + c * fit->rank];
			t[j].std_error = sqrt(phi * ss);
		}
		t[j].statistic = t[j].estimate / t[j].std_error;
		t[j].p_value = has_dispersion(plan->dist) ?
			(df > 0 ? dist_t_sf2(t[j].statistic, df) : NAN) :
			dist_normal_sf2(t[j].statistic);
		r++;
	}
	*terms = t;
	return plan->p;
}

static void
glm_terms_done(void *planp)
{
	GlmPlan    *plan = planp;

	if (plan->n_boundary > 0)
		ereport(WARNING,
				(errmsg("fitted probabilities numerically 0 or 1 occurred in %d %s",
						plan->n_boundary, plan->n_boundary == 1 ? "fit" : "fits"),
				 errdetail("The classes are (quasi-)separated by the features: the estimates grow without bound, and the fit is stored with \"converged\": false."),
				 errhint("Remove or combine the features that separate the classes, or use a regularized model.")));
	if (plan->n_not_converged > plan->n_boundary)
		ereport(WARNING,
				(errmsg("the IRLS algorithm did not converge in %d iterations in %d %s",
						plan->max_iterations, plan->n_not_converged - plan->n_boundary,
						plan->n_not_converged - plan->n_boundary == 1 ? "fit" : "fits"),
				 errhint("Raise \"max_iterations\", or loosen \"tolerance\".")));
}

/* ---------------------------------------------------------------------
 * Scoring: the mean response, linkinv([1 x] b)
 * ---------------------------------------------------------------------
 */

/* The link of a stored model, from its params. */
static void *
glm_model_load(const char *params_json, MemoryContext mcxt)
{
	Jsonb	   *params = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
															CStringGetDatum(params_json)));
	JsonbValue *v = getKeyJsonValueFromContainer(&params->root, "link", 4, NULL);
	GlmLink    *link = MemoryContextAlloc(mcxt, sizeof(GlmLink));
	char	   *s = v && v->type == jbvString ?
		pnstrdup(v->val.string.val, v->val.string.len) : NULL;
	int			i = s ? choice_index(link_choices, s) : -1;

	*link = i >= 0 ? (GlmLink) (i + 1) : GLM_LOGIT;
	return link;
}

static double
glm_score(const void *model, const void *group, const double *x, int n)
{
	return glm_linkinv(*(const GlmLink *) model, linpred_eta(group, x, n));
}

Datum
learn_logistic_predict(PG_FUNCTION_ARGS)
{
	const double *coef;
	const double *x;
	int			n;

	if (!linpred_args(fcinfo, &coef, &x, &n))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(glm_linkinv(GLM_LOGIT, linpred_eta(coef, x, n)));
}

#define GLM_CALLBACKS \
	.first_pass = glm_pass, \
	.absorb = glm_absorb, \
	.fit = glm_fit, \
	.keep = glm_keep, \
	.later_pass = glm_pass, \
	.pass_param = glm_pass_param, \
	.pass_absorb = glm_pass_absorb, \
	.metrics = glm_metrics, \
	.terms = glm_terms, \
	.terms_done = glm_terms_done, \
	.model_load = glm_model_load, \
	.load = linpred_load, \
	.score = glm_score

const LearnFamily learn_family_glm = {
	.name = "glm",
	.task = "regression",
	.noun = "generalized linear model",
	.params = glm_params,
	.begin = glm_begin_glm,
	.target_bool = true,
	GLM_CALLBACKS
};

const LearnFamily learn_family_logistic = {
	.name = "logistic",
	.task = "classification",
	.noun = "logistic regression",
	.params = logistic_params,
	.begin = logistic_begin,
	.target_bool = true,
	GLM_CALLBACKS
};
