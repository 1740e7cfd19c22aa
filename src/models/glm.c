/*-------------------------------------------------------------------------
 * models/glm.c
 *	  The `glm`, `logistic` and `multinomial` families: generalized linear
 *	  models fitted by IRLS (Fisher scoring) as R's glm.fit does, one
 *	  aggregate pass over the source per iteration (learn._glm_pass,
 *	  state/irls.c).  A multinomial model takes the same Newton steps on
 *	  its K - 1 blocks of coefficients, from zero (every class equally
 *	  likely), as statsmodels' MNLogit does.
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

/* where the iterations start: R's starting means, or a fit to a sample */
static const char *const start_choices[] = {"auto", "means", "sample", NULL};

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
	{.name = "start", .type = LEARN_PARAM_ENUM, .default_string = "auto",
	.choices = start_choices, .shown_with = "start"},
	{.name = NULL}
};

static const LearnParamSpec logistic_params[] = {
	{.name = "intercept", .type = LEARN_PARAM_BOOL, .default_bool = true},
	{.name = "max_iterations", .type = LEARN_PARAM_NUMBER, .default_number = 100,
	.min = 1, .max = 10000, .integer = true},
	{.name = "tolerance", .type = LEARN_PARAM_NUMBER, .default_number = 1e-8,
	.min = 1e-300, .max = 1},
	{.name = "verbose", .type = LEARN_PARAM_BOOL, .default_bool = false},
	{.name = "start", .type = LEARN_PARAM_ENUM, .default_string = "auto",
	.choices = start_choices, .shown_with = "start"},
	{.name = NULL}
};

static const LearnParamSpec multinomial_params[] = {
	{.name = "intercept", .type = LEARN_PARAM_BOOL, .default_bool = true},
	{.name = "max_iterations", .type = LEARN_PARAM_NUMBER, .default_number = 100,
	.min = 1, .max = 10000, .integer = true},
	{.name = "tolerance", .type = LEARN_PARAM_NUMBER, .default_number = 1e-8,
	.min = 1e-300, .max = 1},
	{.name = "max_classes", .type = LEARN_PARAM_NUMBER, .default_number = 100,
	.min = 2, .max = GLM_MAX_CLASSES, .integer = true},
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
		case GLM_MULTINOMIAL:
			return link == GLM_LOGIT;
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
	bool		classifier;		/* logistic, multinomial */
	int			nclasses;		/* multinomial: K; else 0 */
	char	  **classes;		/* multinomial: the K labels */
	int			ncoef;			/* k + 1; multinomial (K - 1)(k + 1) */
	int			max_iterations;
	double		tolerance;
	bool		verbose;
	const char *target;
	const char *offset_sql;		/* the offset column's argument, or NULL */
	int			k;
	int			p;
	int		   *cols;			/* state column of each term: the index of
								 * its coefficient */
	const char **terms;
	bool		auc;			/* a binary classifier: its AUC is kept */
	int			n_auc_dropped;	/* fits with too many rows for it */
	int			n_null_failed;	/* fits whose null model did not converge */
	int			active;			/* groups still iterating */
	int			n_not_converged;
	int			n_boundary;
	int			n_halved;
	LearnParams *params;		/* the training's: start's effective value */
	const char *start_asked;	/* the param start as given (or "auto") */
	double	   *start;			/* the first coefficients, from a sample's
								 * fit (ncoef); NULL: R's starting means */
	int			sample_iterations;	/* of that fit */
} GlmPlan;

/* One fitted group, kept between passes. */
typedef struct GlmGroup
{
	double	   *coef;			/* ncoef, by state column; 0 when aliased */
	double	   *coefold;		/* the coefficients whose working weights
								 * made coef, and where a halved step goes;
								 * NULL: the starting means made coef */
	double		wtdmu;			/* the null mean (NaN: linkinv(offset)) */
	double		devold;
	int			iter;			/* least-squares solves so far */
	int			halvings;		/* of the current step */
	double		change;			/* the last relative change of the deviance */
	bool		auc_pending;	/* fitted, but the AUC needs one more pass */
	bool		fitted;			/* the fit is final (done: and all else) */
	bool		done;

	/*
	 * With an offset and an intercept, the null model linkinv(b0 +
	 * offset), fitted by IRLS in the same passes (R's glm refits it).
	 */
	bool		null_offset;	/* there is such a null model */
	bool		null_known;		/* null_deviance is final: no pass sums it */
	bool		null_iterating;
	double		nullb;			/* its intercept, evaluated next */
	double		nullb_old;		/* the last good one (NaN: none yet) */
	double		null_devold;
	double		null_deviance;	/* once converged; NaN when it did not */
	int			null_iter;
	int			null_halvings;
	bool		converged;
	LinearFit  *fit;			/* the solve that gave coef */
	GlmSums		sums;			/* at coef, once done */
	double	   *history;		/* deviance per iteration */
	int			nhistory;
	int			caphistory;
	MemoryContext mcxt;			/* where the group is kept */
} GlmGroup;

/* The terms of a multinomial model: the base terms for each class. */
static void
multinomial_terms(GlmPlan *plan, const LearnTrainSpec *spec)
{
	int			m = plan->nclasses - 1;
	int			q = plan->k + 1;
	int			pb = plan->p;
	int		   *cols = palloc(sizeof(int) * pb * m);
	const char **terms = palloc(sizeof(char *) * pb * m);
	ListCell   *lc;
	int			i = 0;

	if ((int64) m * q > GLM_MAX_COEF)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a multinomial model of %d classes and %d %s would have %lld coefficients, more than the %d it can have",
						plan->nclasses, plan->k, plan->k == 1 ? "feature" : "features",
						(long long) m * q, GLM_MAX_COEF),
				 errhint("Use fewer features, or combine classes.")));
	for (int c = 0; c < m; c++)
		for (int j = 0; j < pb; j++)
		{
			cols[c * pb + j] = c * q + plan->cols[j];
			terms[c * pb + j] = plan->terms[j];
		}
	plan->cols = cols;
	plan->terms = terms;
	plan->p = pb * m;
	plan->ncoef = m * q;
	plan->classes = palloc(sizeof(char *) * plan->nclasses);
	foreach(lc, spec->classes)
		plan->classes[i++] = lfirst(lc);
}

typedef enum GlmKind
{
	KIND_GLM,
	KIND_LOGISTIC,
	KIND_MULTINOMIAL
} GlmKind;

static void *
glm_begin(const LearnTrainSpec *spec, GlmKind kind)
{
	GlmPlan    *plan = palloc0(sizeof(GlmPlan));
	bool		classifier = kind != KIND_GLM;

	plan->classifier = classifier;
	if (classifier)
	{
		plan->dist = kind == KIND_MULTINOMIAL ? GLM_MULTINOMIAL : GLM_BINOMIAL;
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
	plan->ncoef = plan->k + 1;
	plan->auc = kind == KIND_LOGISTIC;
	plan->params = spec->params;
	if (kind == KIND_MULTINOMIAL)
	{
		plan->nclasses = list_length(spec->classes);
		multinomial_terms(plan, spec);
	}
	else
	{
		/*
		 * What was asked.  The stored params show start only when the fit
		 * starts from a sample ("sample", glm_set_start): a fit from R's
		 * means keeps the params it had before the param came.
		 */
		plan->start_asked = learn_param_string(spec->params, "start");
		learn_param_set_string(spec->params, "start", "auto");
	}
	return plan;
}

static void *
glm_begin_glm(const LearnTrainSpec *spec)
{
	return glm_begin(spec, KIND_GLM);
}

static void *
logistic_begin(const LearnTrainSpec *spec)
{
	return glm_begin(spec, KIND_LOGISTIC);
}

static void *
multinomial_begin(const LearnTrainSpec *spec)
{
	return glm_begin(spec, KIND_MULTINOMIAL);
}

static int
pass_spec(GlmPlan *plan)
{
	if (plan->nclasses > 0)
		return GLM_SPEC_MULTINOMIAL(plan->nclasses);
	return GLM_SPEC(plan->dist, plan->link) + (plan->classifier ? GLM_SPEC_CLASSIFIER : 0);
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
	out->groups_aggregate = "learn._glm_pass_groups";
	out->nparam = glm_nparam(pass_spec(plan), plan->k);
	/* a binary classifier's groups keep their scores in the pass for the AUC */
	out->rows_flag = plan->auc ? GLM_PARAM_AUC(plan->k) + 1 : 0;
	out->lead_args = psprintf("%d, %s", pass_spec(plan), quote_literal_cstr(plan->target));
	/* without an offset column, 0 (a NULL offset skips its row) */
	out->mid_args = plan->offset_sql ? plan->offset_sql : "0::pg_catalog.float8";
	return true;
}

/*
 * A multinomial pass's null deviance: of the class shares with an
 * intercept (the intercept-only fit), else of equal probabilities.
 */
static void
multinomial_null_deviance(GlmPlan *plan, GlmPassState *gs)
{
	double		ll = 0.0;

	for (int c = 0; c < gs->nclasses; c++)
		if (gs->class_w[c] > 0.0)
			ll += gs->class_w[c] * (plan->intercept ? log(gs->class_w[c] / gs->sums.sum_w) :
									-log((double) gs->nclasses));
	gs->sums.null_deviance = -2.0 * ll;
}

static void *
glm_absorb(void *planp, bytea *state, LearnCounts *counts)
{
	GlmPlan    *plan = planp;
	GlmPassState *gs = glm_pass_deserialize(state);

	if (plan->nclasses > 0)
		multinomial_null_deviance(plan, gs);

	counts->n = gs->sums.n_obs;
	counts->n_skipped = gs->ls->n_skipped;
	counts->n_zero_weight = gs->ls->n_zero_weight;
	return gs;
}

/* Solve a pass's least-squares state for the next coefficients. */
static LinearFit *
glm_solve(GlmPlan *plan, GlmPassState *gs, const char **reason)
{
	/* a multinomial model has K - 1 intercepts: none is state column 0 */
	bool		intercept = plan->intercept && plan->nclasses == 0;

	return linear_fit_solve(gs->ls, plan->cols, plan->p, intercept, reason);
}

static void
set_coef(GlmPlan *plan, GlmGroup *g, const LinearFit *fit)
{
	memset(g->coef, 0, sizeof(double) * plan->ncoef);
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
	if (plan->nclasses > 0)
	{
		for (int c = 0; c < plan->nclasses; c++)
			if (gs->class_w[c] == 0.0)
			{
				*reason = psprintf("class \"%s\" has no rows", plan->classes[c]);
				return NULL;
			}
	}
	else if (plan->classifier &&
			 (gs->sums.sum_wy == 0.0 || gs->sums.sum_wy == gs->sums.sum_w))
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
	g->coef = palloc(sizeof(double) * plan->ncoef);
	set_coef(plan, g, fit);
	g->fit = linear_fit_copy(fit);
	g->devold = gs->sums.deviance;
	g->wtdmu = plan->intercept && plan->nclasses == 0 ?
		gs->sums.sum_wy / gs->sums.sum_w : NAN;
	g->iter = 1;
	g->change = INFINITY;
	if (plan->start)
	{
		/* R's glm.fit from start: a halved step goes back towards it */
		g->coefold = palloc(sizeof(double) * plan->ncoef);
		memcpy(g->coefold, plan->start, sizeof(double) * plan->ncoef);
	}
	if (plan->offset_sql && plan->intercept)
	{
		g->null_offset = true;
		g->null_deviance = NAN;
		g->nullb_old = NAN;
		/* its first step, from R's starting means as the model's */
		g->null_iterating = gs->sums.null_sw > 0.0;
		g->null_known = !g->null_iterating;		/* NaN: no step possible */
		g->nullb = g->null_iterating ? gs->sums.null_swz / gs->sums.null_sw : 0.0;
		g->null_devold = gs->sums.deviance;
		g->null_iter = 1;
	}
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
	memcpy(param, g->coef, sizeof(double) * plan->ncoef);
	if (plan->nclasses > 0)
		return true;			/* a multinomial pass takes nothing else */
	/*
	 * The iteration that made coef: a halved step keeps it.  From a
	 * sample's start, the Pearson statistic is taken at coef itself (0),
	 * as the standard errors are (glm_pass_absorb).
	 */
	if (plan->start)
	{
		param[GLM_PARAM_PREV_KIND(k)] = 0.0;
		memset(param + GLM_PARAM_PREV(k), 0, sizeof(double) * (k + 1));
	}
	else if (g->coefold == NULL)
	{
		param[GLM_PARAM_PREV_KIND(k)] = 1.0;
		memset(param + GLM_PARAM_PREV(k), 0, sizeof(double) * (k + 1));
	}
	else
	{
		param[GLM_PARAM_PREV_KIND(k)] = 2.0;
		memcpy(param + GLM_PARAM_PREV(k), g->coefold, sizeof(double) * (k + 1));
	}
	if (g->null_known)
	{
		param[GLM_PARAM_HAS_NULL_MEAN(k)] = 3.0;
		param[GLM_PARAM_NULL_MEAN(k)] = 0.0;
	}
	else if (g->null_offset)
	{
		param[GLM_PARAM_HAS_NULL_MEAN(k)] = 2.0;
		param[GLM_PARAM_NULL_MEAN(k)] = g->nullb;
	}
	else
	{
		param[GLM_PARAM_HAS_NULL_MEAN(k)] = isnan(g->wtdmu) ? 0.0 : 1.0;
		param[GLM_PARAM_NULL_MEAN(k)] = isnan(g->wtdmu) ? 0.0 : g->wtdmu;
	}

	/*
	 * Keep the rows' scores for the AUC in the pass that is likely the
	 * last: Newton's change about squares from one iteration to the next
	 * (near the end), so a change whose square is below the tolerance
	 * announces convergence.  If the guess was wrong, the next pass keeps
	 * them again; if no pass kept them, one more pass is made for them.
	 */
	param[GLM_PARAM_AUC(k)] = plan->auc &&
		(g->auc_pending ||
		 (g->coefold != NULL &&
		  (g->change * g->change < plan->tolerance || g->iter >= plan->max_iterations))) ?
		1.0 : 0.0;
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
	for (int j = 0; j < plan->ncoef; j++)
		g->coef[j] = 0.5 * (g->coef[j] + g->coefold[j]);
	plan->n_halved++;
	return NULL;
}

/*
 * One step of the null model linkinv(b0 + offset), as glm.fit takes it for
 * the intercept alone: the pass's deviance at b0 and the weighted least
 * squares of the next b0, halving a step whose deviance is not finite, out
 * of range or rising.
 */
static void
null_step(GlmPlan *plan, GlmGroup *g, const GlmSums *s)
{
	double		dev = s->null_deviance;

	if (s->null_invalid > 0 || !isfinite(dev) ||
		(!isnan(g->nullb_old) && dev > g->null_devold + plan->tolerance * (fabs(g->null_devold) + 0.1)))
	{
		if (!isnan(g->nullb_old) && ++g->null_halvings <= plan->max_iterations)
		{
			g->nullb = 0.5 * (g->nullb + g->nullb_old);
			return;
		}
		g->null_iterating = false;
		g->null_known = true;	/* NaN */
		plan->n_null_failed++;
		return;
	}
	g->null_halvings = 0;
	if (fabs(dev - g->null_devold) / (fabs(dev) + 0.1) < plan->tolerance)
	{
		g->null_iterating = false;
		g->null_known = true;
		g->null_deviance = dev;
		return;
	}
	if (g->null_iter >= plan->max_iterations || !(s->null_sw > 0.0))
	{
		g->null_iterating = false;
		g->null_known = true;	/* NaN */
		plan->n_null_failed++;
		return;
	}
	g->nullb_old = g->nullb;
	g->nullb = s->null_swz / s->null_sw;
	g->null_devold = dev;
	g->null_iter++;
}

static void
done(GlmPlan *plan, GlmGroup *g)
{
	g->done = true;
	g->auc_pending = false;
	if (g->null_known)
		g->sums.null_deviance = g->null_deviance;
	plan->active--;
	if (!g->converged)
		plan->n_not_converged++;
	if (g->sums.n_boundary > 0)
		plan->n_boundary++;
	if (plan->auc && g->sums.auc < 0.0)
		plan->n_auc_dropped++;
}

/*
 * The group's fit is final; kept: the pass kept its scores (the AUC).  It
 * is done unless the AUC or the null model needs more passes (at the same
 * coefficients).
 */
static void
finish(GlmPlan *plan, GlmGroup *g, const GlmSums *s, bool converged, bool kept)
{
	g->sums = *s;
	g->converged = converged;
	g->fitted = true;
	g->auc_pending = plan->auc && !kept;
	if (!g->auc_pending && !g->null_iterating)
		done(plan, g);
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

	if (plan->nclasses > 0)
		multinomial_null_deviance(plan, gs);
	if (g->null_iterating)
		null_step(plan, g, &gs->sums);
	else if (!g->null_known && plan->nclasses == 0)
	{
		/* a constant null mean: every pass sums the same deviance */
		g->null_known = true;
		g->null_deviance = gs->sums.null_deviance;
	}
	if (g->fitted)
	{
		if (g->auc_pending && gs->keep_scores)
		{
			g->sums.auc = gs->sums.auc;
			g->auc_pending = false;
		}
		if (!g->auc_pending && !g->null_iterating)
			done(plan, g);
		return NULL;
	}
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
	g->change = change;
	if (plan->verbose)
		ereport(NOTICE,
				(errmsg("iteration %d: deviance %.10g, change %.3g", g->iter, dev, change)));
	if (change < plan->tolerance)
	{
		/*
		 * A multinomial model's standard errors are those of the Hessian
		 * at its estimates (as statsmodels' and nnet's): this pass's
		 * state.  R's glm takes the previous iteration's weights, which
		 * from R's starting means are within the tolerance of the
		 * estimates; from a sample's start the previous iteration is only
		 * one step from the start, so its fit takes this pass's too.
		 */
		if ((plan->nclasses > 0 || plan->start) &&
			(fit = glm_solve(plan, gs, &reason)) != NULL)
		{
			old = MemoryContextSwitchTo(g->mcxt);
			pfree(g->fit);
			g->fit = linear_fit_copy(fit);
			MemoryContextSwitchTo(old);
		}
		/* R's binomial warning: estimates running off to infinity */
		finish(plan, g, &gs->sums, gs->sums.n_boundary == 0 ||
			   (plan->dist != GLM_BINOMIAL && plan->dist != GLM_MULTINOMIAL),
			   gs->keep_scores);
		return NULL;
	}
	if (g->iter >= plan->max_iterations)
	{
		finish(plan, g, &gs->sums, false, gs->keep_scores);
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
		g->coefold = palloc(sizeof(double) * plan->ncoef);
	memcpy(g->coefold, g->coef, sizeof(double) * plan->ncoef);
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
	return dist != GLM_BINOMIAL && dist != GLM_POISSON && dist != GLM_MULTINOMIAL;
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
	linpred_json_number(&buf, "df_null", (double) s->n_obs -
						(plan->intercept ? Max(plan->nclasses - 1, 1) : 0));
	linpred_json_number(&buf, "deviance", s->deviance);
	/* with an offset and an intercept: of the null model's own fit (done) */
	linpred_json_number(&buf, "null_deviance", s->null_deviance);
	linpred_json_number(&buf, "dispersion", dispersion(plan, g));
	linpred_json_number(&buf, "log_likelihood", ll);
	linpred_json_number(&buf, "aic", -2.0 * ll + 2.0 * npar);
	linpred_json_number(&buf, "bic", -2.0 * ll + log((double) s->n_obs) * npar);
	if (plan->classifier)
	{
		/* on the training rows; log_loss is the mean of -log p(y) */
		linpred_json_number(&buf, "accuracy", s->sum_w_correct / s->sum_w);
		if (plan->auc)
			linpred_json_number(&buf, "auc", s->auc < 0.0 ? NAN : s->auc);
		linpred_json_number(&buf, "log_loss", s->deviance / (2.0 * s->sum_w));
	}
	linpred_json_number(&buf, "iterations", g->iter);
	if (plan->start)
		linpred_json_number(&buf, "sample_iterations", plan->sample_iterations);
	appendStringInfo(&buf, ", \"converged\": %s", g->converged ? "true" : "false");
	appendStringInfoString(&buf, ", \"history\": [");
	for (int i = 0; i < g->nhistory; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		linpred_json_value(&buf, g->history[i]);
	}
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
	LearnTerm  *t = palloc0(sizeof(LearnTerm) * plan->p);
	int			r = 0;

	for (int j = 0; j < plan->p; j++)
	{
		t[j].position = plan->cols[j] % (plan->k + 1);
		t[j].class_label = plan->nclasses > 0 ?
			plan->classes[plan->cols[j] / (plan->k + 1) + 1] : NULL;
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

	if (plan->n_null_failed > 0)
		ereport(WARNING,
				(errmsg("the fit of the null model (the intercept with the offset) did not converge in %d %s: its null_deviance is null",
						plan->n_null_failed, plan->n_null_failed == 1 ? "fit" : "fits"),
				 errhint("Raise \"max_iterations\", or loosen \"tolerance\".")));
	if (plan->n_auc_dropped > 0)
		ereport(NOTICE,
				(errmsg("the AUC of %d %s is null: its training rows' scores need more than learn.max_group_memory (%d kB)",
						plan->n_auc_dropped, plan->n_auc_dropped == 1 ? "fit" : "fits",
						learn_max_group_memory)));
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

/* What scoring needs of a stored model besides its groups. */
typedef struct GlmScoring
{
	GlmLink		link;			/* from its params */
	int			nclasses;		/* multinomial: K */
} GlmScoring;

static void *
glm_model_load(const char *params_json, int nclasses, MemoryContext mcxt)
{
	Jsonb	   *params = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
															CStringGetDatum(params_json)));
	JsonbValue *v = getKeyJsonValueFromContainer(&params->root, "link", 4, NULL);
	GlmScoring *m = MemoryContextAlloc(mcxt, sizeof(GlmScoring));
	char	   *s = v && v->type == jbvString ?
		pnstrdup(v->val.string.val, v->val.string.len) : NULL;
	int			i = s ? choice_index(link_choices, s) : -1;

	m->link = i >= 0 ? (GlmLink) (i + 1) : GLM_LOGIT;
	m->nclasses = nclasses;
	return m;
}

static double
glm_score(const void *model, const void *group, const double *x, int n)
{
	return glm_linkinv(((const GlmScoring *) model)->link, linpred_eta(group, x, n));
}

static void *
multinomial_load(const void *model, int nfeatures, const LearnTerm *terms, int nterms,
				 MemoryContext mcxt)
{
	const GlmScoring *m = model;

	return linpred_load_coef(Max(m->nclasses - 1, 0) * (nfeatures + 1), terms, nterms, mcxt);
}

/* The softmax of the K - 1 predictors and the reference's 0. */
static void
multinomial_score(const void *model, const void *group, const double *x, int n,
				  double *proba)
{
	const GlmScoring *m = model;
	const double *coef = group;
	double		mx = 0.0;
	double		sum = 0.0;

	proba[0] = 0.0;
	for (int c = 1; c < m->nclasses; c++)
	{
		proba[c] = linpred_eta(coef + (size_t) (c - 1) * (n + 1), x, n);
		mx = Max(mx, proba[c]);
	}
	for (int c = 0; c < m->nclasses; c++)
	{
		proba[c] = exp(proba[c] - mx);
		sum += proba[c];
	}
	for (int c = 0; c < m->nclasses; c++)
		proba[c] /= sum;
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
	.model_load = glm_model_load

/* ---------------------------------------------------------------------
 * A start from a sample
 *
 * A fit that starts from R's starting means makes one pass over all rows
 * per iteration and one more to evaluate the last, 4 to 7 passes for a
 * logistic regression.  From the estimates of the same model fitted to a
 * sample of a large table's pages (a start as R's glm(start = ) takes
 * one), the first pass over all rows is already a Newton step from near
 * the optimum: 3 passes over all rows to the same convergence test, and
 * the same estimates.  Only for the binomial's logit: every linear
 * predictor gives a valid mean, even far from the rows the sample read
 * (the logit's thresholds bound it), so the sample's estimates are a valid
 * start for every row, and IRLS on the canonical link is Newton's method,
 * which from near the optimum ends as accurately as from R's start.
 * Fisher scoring on other links converges linearly, and the deviance's
 * test stops it where the path leaves it (6e-6 from R's estimates with
 * probit); the Poisson's log overflows exp() on rows far from the
 * sample's; and an offset's null model starts from R's means.
 * ---------------------------------------------------------------------
 */

/* Rows a sample reads (about), and the table's rows from which auto takes one. */
#define GLM_SAMPLE_ROWS 200000.0
#define GLM_SAMPLE_AUTO_ROWS 1000000.0

/*
 * A sample's fit gives up after this many iterations (a logistic fit from
 * R's means takes 4 to 7 to 1e-6), so that a sample that will be dropped
 * costs a few of its passes; a fit allowed fewer iterations than the
 * least takes no sample.
 */
#define GLM_SAMPLE_MAX_ITERATIONS 10
#define GLM_SAMPLE_MIN_ITERATIONS 4

static void *
glm_sample_plan(GlmPlan *main, const LearnTrainSpec *spec, GlmKind kind,
				double table_rows, double *fraction)
{
	const char *start = main->start_asked;
	GlmPlan    *plan;
	GlmPlan    *splan;

	if (strcmp(start, "means") == 0 || table_rows <= 0 ||
		(strcmp(start, "auto") == 0 && table_rows < GLM_SAMPLE_AUTO_ROWS))
		return NULL;
	plan = glm_begin(spec, kind);
	if (plan->offset_sql != NULL || plan->nclasses > 0 ||
		plan->dist != GLM_BINOMIAL || plan->link != GLM_LOGIT ||
		plan->max_iterations < GLM_SAMPLE_MIN_ITERATIONS)
		return NULL;
	splan = plan;
	splan->verbose = false;
	splan->auc = false;
	/* a start needs no more than the sample's own precision */
	splan->tolerance = Max(plan->tolerance, 1e-6);
	splan->max_iterations = GLM_SAMPLE_MAX_ITERATIONS;
	*fraction = Min(0.5, GLM_SAMPLE_ROWS / table_rows);
	return splan;
}

static void *
glm_sample_plan_glm(void *plan, const LearnTrainSpec *spec, double table_rows,
					double *fraction)
{
	return glm_sample_plan(plan, spec, KIND_GLM, table_rows, fraction);
}

static void *
logistic_sample_plan(void *plan, const LearnTrainSpec *spec, double table_rows,
					 double *fraction)
{
	return glm_sample_plan(plan, spec, KIND_LOGISTIC, table_rows, fraction);
}

static bool
glm_set_start(void *planp, void *splanp, void *sfitp)
{
	GlmPlan    *plan = planp;
	GlmGroup   *g = sfitp;

	if (!g->fitted || !g->converged || g->sums.n_boundary > 0)
		return false;
	for (int j = 0; j < plan->ncoef; j++)
		if (!isfinite(g->coef[j]))
			return false;
	plan->start = palloc(sizeof(double) * plan->ncoef);
	memcpy(plan->start, g->coef, sizeof(double) * plan->ncoef);
	plan->sample_iterations = g->iter;
	learn_param_set_string(plan->params, "start", "sample");
	if (plan->verbose)
		ereport(NOTICE,
				(errmsg("start: the estimates of a sample of %lld rows, after %d iterations (deviance %.10g)",
						(long long) g->sums.n_obs, g->iter, g->sums.deviance)));
	return true;
}

/*
 * Pass 1 from the start: its coefficients, nothing before them (the
 * Pearson statistic of this pass is never used), no null model yet (pass
 * 1's sums give its mean), no scores.
 */
static bool
glm_start_param(void *planp, double *param)
{
	GlmPlan    *plan = planp;
	int			k = plan->k;

	if (plan->start == NULL)
		return false;
	memset(param, 0, sizeof(double) * GLM_NPARAM(k));
	memcpy(param, plan->start, sizeof(double) * plan->ncoef);
	param[GLM_PARAM_PREV_KIND(k)] = 0.0;
	param[GLM_PARAM_HAS_NULL_MEAN(k)] = 3.0;
	param[GLM_PARAM_AUC(k)] = 0.0;
	return true;
}

const LearnFamily learn_family_glm = {
	.name = "glm",
	.task = "regression",
	.noun = "generalized linear model",
	.params = glm_params,
	.begin = glm_begin_glm,
	.sample_plan = glm_sample_plan_glm,
	.set_start = glm_set_start,
	.start_param = glm_start_param,
	.target_bool = true,
	GLM_CALLBACKS,
	.load = linpred_load,
	.score = glm_score,
	.coefficients = linpred_coefficients
};

const LearnFamily learn_family_logistic = {
	.name = "logistic",
	.task = "classification",
	.noun = "logistic regression",
	.params = logistic_params,
	.begin = logistic_begin,
	.sample_plan = logistic_sample_plan,
	.set_start = glm_set_start,
	.start_param = glm_start_param,
	.target_bool = true,
	GLM_CALLBACKS,
	.load = linpred_load,
	.score = glm_score,
	.coefficients = linpred_coefficients
};

const LearnFamily learn_family_multinomial = {
	.name = "multinomial",
	.task = "classification",
	.noun = "multinomial logistic regression",
	.params = multinomial_params,
	.begin = multinomial_begin,
	.multiclass = true,
	GLM_CALLBACKS,
	.load = multinomial_load,
	.score_classes = multinomial_score,
	.coefficients = linpred_coefficients
};
