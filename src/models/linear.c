/*-------------------------------------------------------------------------
 * models/linear.c
 *	  The linear regression family: its params (intercept, robust), its
 *	  passes (the least-squares state, then the Huber-White meat for robust
 *	  standard errors), the fit and metrics of a group, its stored terms,
 *	  and scoring, including the immutable learn.linear_predict.
 *
 * The least-squares state and its solve live in state/lsq.c.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/json.h"

#include "family.h"
#include "models/linpred.h"
#include "state/lsq.h"

PG_FUNCTION_INFO_V1(learn_linear_predict);

/* Groups whose aliased terms get a NOTICE of their own; the rest, a count. */
#define LINEAR_MAX_ALIAS_NOTICES 5

static const char *const robust_choices[] = {"HC0", "HC1", NULL};

static const LearnParamSpec linear_params[] = {
	{.name = "intercept", .type = LEARN_PARAM_BOOL, .default_bool = true},
	{.name = "robust", .type = LEARN_PARAM_ENUM, .default_string = NULL,
	.choices = robust_choices, .false_allowed = true},
	{.name = NULL}
};

/* One training of a linear model. */
typedef struct LinearPlan
{
	bool		intercept;
	bool		robust;
	bool		hc1;
	int			k;				/* features */
	int			p;				/* terms */
	int		   *cols;			/* state column of each term */
	const char **terms;			/* name of each term */
	int			n_aliased_groups;
} LinearPlan;

static void *
linear_begin(const LearnTrainSpec *spec)
{
	LinearPlan *plan = palloc0(sizeof(LinearPlan));
	const char *robust = learn_param_string(spec->params, "robust");

	plan->intercept = learn_param_bool(spec->params, "intercept");
	plan->robust = robust != NULL;
	plan->hc1 = robust != NULL && strcmp(robust, "HC1") == 0;
	plan->k = spec->nfeatures;

	/* the terms, in state column order */
	plan->p = linpred_terms(spec, plan->intercept, &plan->cols, &plan->terms);
	return plan;
}

static void *
linear_absorb(void *plan, bytea *state, LearnCounts *counts)
{
	LinearState *st = linear_state_deserialize(state);

	if (st->family == LINEAR_FAMILY_OPEN)
		elog(ERROR, "pg_learn: a state of open levels cannot be fitted");
	counts->n = st->n;
	counts->n_skipped = st->n_skipped;
	counts->n_zero_weight = st->n_zero_weight;
	return st;
}

static List *
linear_open_levels(bytea *state)
{
	return linear_state_open_levels(linear_state_deserialize_open(state));
}

static bytea *
linear_close_levels(bytea *state, int *const *order, const char *const *terms, int nterms)
{
	return linear_state_serialize(linear_state_close(linear_state_deserialize_open(state),
													 order, linear_signature(terms, nterms)));
}

static void *
linear_fit_group(void *planp, void *state, const char **reason)
{
	LinearPlan *plan = planp;

	return linear_fit((LinearState *) state, plan->cols, plan->p, plan->intercept,
					  plan->intercept, reason);
}

/* Pass 2 of a robust fit: the meat of each fitted group. */
static bool
linear_later_pass(void *planp, int pass, LearnPass *out)
{
	LinearPlan *plan = planp;

	if (pass != 2 || !plan->robust)
		return false;
	out->aggregate = "learn._linear_meat";
	out->groups_aggregate = "learn._linear_meat_groups";
	out->nparam = plan->k + 1;
	return true;
}

/*
 * The meat pass's coefficients: k + 1, one for each state column but y,
 * intercept first; 0 for a column that is no term (the intercept of a
 * model without one, a categorical feature's reference level) or an
 * aliased one.
 */
static bool
linear_pass_param(void *planp, int pass, void *fitp, double *param)
{
	LinearPlan *plan = planp;
	LinearFit  *fit = fitp;

	memset(param, 0, sizeof(double) * (plan->k + 1));
	for (int j = 0; j < fit->p; j++)
		param[plan->cols[j]] = fit->aliased[j] ? 0.0 : fit->coef[j];
	return true;
}

static const char *
linear_pass_absorb(void *planp, int pass, void *fitp, Datum result)
{
	LinearPlan *plan = planp;
	ArrayType  *meat = DatumGetArrayTypeP(result);
	int			n = plan->k + 1;

	/* read as dense memory: exactly (k + 1)^2 values, none NULL */
	if (ARR_NDIM(meat) != 1 || ARR_HASNULL(meat) ||
		ARR_ELEMTYPE(meat) != FLOAT8OID ||
		ArrayGetNItems(ARR_NDIM(meat), ARR_DIMS(meat)) != n * n)
		elog(ERROR, "pg_learn: the robust pass returned a malformed matrix");
	linear_fit_robust((LinearFit *) fitp, plan->cols, (double *) ARR_DATA_PTR(meat),
					  n, plan->hc1);
	return NULL;
}

static void *
linear_keep(void *plan, void *fit)
{
	return linear_fit_copy((LinearFit *) fit);
}

static void
linear_metrics(StringInfo out, void *plan, const LearnCounts *counts, void *fitp)
{
	LinearFit  *fit = fitp;
	StringInfoData buf;

	/* linpred_json_number puts a comma before every member but the first */
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	linpred_json_number(&buf, "n", (double) counts->n);
	linpred_json_number(&buf, "n_skipped", (double) counts->n_skipped);
	linpred_json_number(&buf, "rank", fit->rank);
	linpred_json_number(&buf, "df_residual", fit->df_resid);
	linpred_json_number(&buf, "r2", fit->r2);
	linpred_json_number(&buf, "adj_r2", fit->adj_r2);
	linpred_json_number(&buf, "rmse", fit->rmse);
	linpred_json_number(&buf, "sigma", fit->sigma);
	linpred_json_number(&buf, "f_statistic", fit->f_statistic);
	linpred_json_number(&buf, "f_p_value", fit->f_p_value);
	linpred_json_number(&buf, "log_likelihood", fit->log_likelihood);
	linpred_json_number(&buf, "aic", fit->aic);
	linpred_json_number(&buf, "bic", fit->bic);
	linpred_json_number(&buf, "condition_number", fit->condition_number);
	appendStringInfoChar(&buf, '}');
	appendStringInfoString(out, buf.data);
	pfree(buf.data);
}

/* NOTICE of a group's aliased terms; returns whether it had any. */
static bool
notice_aliased(LinearPlan *plan, LinearFit *fit, const char *group_text, bool quiet)
{
	StringInfoData b;
	int			n = 0;

	initStringInfo(&b);
	for (int j = 0; j < fit->p; j++)
	{
		if (!fit->aliased[j])
			continue;
		appendStringInfo(&b, "%s%s", n++ ? ", " : "", plan->terms[j]);
	}
	if (n == 0 || quiet)
		return n > 0;
	if (n == 1)
		ereport(NOTICE,
				(errmsg("term %s is aliased (linearly dependent on earlier terms)%s; its estimate is NULL",
						b.data, group_text ? psprintf(" in group %s", group_text) : "")));
	else
		ereport(NOTICE,
				(errmsg("terms %s are aliased (linearly dependent on earlier terms)%s; their estimates are NULL",
						b.data, group_text ? psprintf(" in group %s", group_text) : "")));
	return true;
}

static int
linear_terms(void *planp, void *fitp, const char *group_text, LearnTerm **terms)
{
	LinearPlan *plan = planp;
	LinearFit  *fit = fitp;
	LearnTerm  *t;

	if (notice_aliased(plan, fit, group_text,
					   plan->n_aliased_groups >= LINEAR_MAX_ALIAS_NOTICES))
		plan->n_aliased_groups++;
	t = palloc0(sizeof(LearnTerm) * plan->p);
	for (int j = 0; j < plan->p; j++)
	{
		t[j].position = plan->cols[j];
		t[j].term = plan->terms[j];
		t[j].estimate = fit->coef[j];
		t[j].std_error = fit->std_error[j];
		t[j].statistic = fit->statistic[j];
		t[j].p_value = fit->p_value[j];
	}
	*terms = t;
	return plan->p;
}

/*
 * Whether a stored state, checked as the aggregate reads it, also fits to
 * its group's stored estimates: a state of another group of the same
 * size would merge new rows into the wrong fit.  The state's own fit
 * must give each estimate to within 1e-9 of it and a millionth of its
 * standard error (a document written on another machine, whose BLAS
 * rounds otherwise), and alias the same terms.
 */
static const char *
linear_state_problem_of(const LearnParams *params, List *terms, const int *level,
						bytea *state, int64 n_rows, int64 n_skipped,
						const LearnTerm *doc_terms, int ndoc_terms)
{
	const char **names = palloc(sizeof(char *) * Max(list_length(terms), 1));
	ListCell   *lc;
	const char *problem;
	LearnTrainSpec spec;
	LinearPlan *plan;
	LinearFit  *fit;
	const char *reason;

	if (learn_param_string(params, "robust") != NULL)
		return "must be null: a model with robust standard errors keeps no state";
	foreach(lc, terms)
		names[foreach_current_index(lc)] = lfirst(lc);
	problem = linear_state_problem(state, names, list_length(terms), n_rows, n_skipped);
	if (problem)
		return problem;

	memset(&spec, 0, sizeof(spec));
	spec.params = (LearnParams *) params;
	spec.features = terms;
	spec.nfeatures = list_length(terms);
	spec.level = level;
	plan = linear_begin(&spec);
	fit = linear_fit(linear_state_deserialize(state), plan->cols, plan->p,
					 plan->intercept, plan->intercept, &reason);
	if (fit == NULL)
		return ndoc_terms > 0 ?
			psprintf("does not fit (%s), but its group has coefficients", reason) : NULL;
	if (ndoc_terms == 0)
		return "fits, but its group has no coefficients";
	if (ndoc_terms != plan->p)
		return psprintf("fits to %d terms, but its group has %d", plan->p, ndoc_terms);
	for (int i = 0; i < ndoc_terms; i++)
	{
		const LearnTerm *t = &doc_terms[i];
		int			j;
		double		tol;

		for (j = 0; j < plan->p; j++)
			if (plan->cols[j] == t->position)
				break;
		if (j == plan->p || t->term == NULL || strcmp(t->term, plan->terms[j]) != 0)
			return psprintf("does not fit to the term \"%s\" at position %d of its group",
							t->term, t->position);
		tol = 1e-9 * fabs(fit->coef[j]) +
			(isfinite(fit->std_error[j]) ? 1e-6 * fit->std_error[j] : 0.0);
		if (isnan(fit->coef[j]) ? !isnan(t->estimate) :
			!(isfinite(fit->coef[j]) && fabs(fit->coef[j] - t->estimate) <= tol))
			return psprintf("is not the state of its group: it fits %s = %.6g where the group's coefficients have %.6g",
							plan->terms[j], fit->coef[j], t->estimate);
	}
	return NULL;
}

static void
linear_terms_done(void *planp)
{
	LinearPlan *plan = planp;

	if (plan->n_aliased_groups > LINEAR_MAX_ALIAS_NOTICES)
		ereport(NOTICE,
				(errmsg("%d more groups have aliased terms; their estimates are NULL in learn.coefficients",
						plan->n_aliased_groups - LINEAR_MAX_ALIAS_NOTICES)));
}

/* ---------------------------------------------------------------------
 * Scoring
 * ---------------------------------------------------------------------
 */

static double
linear_score(const void *model, const void *group, const double *x, int nfeatures)
{
	return linpred_eta((const double *) group, x, nfeatures);
}

Datum
learn_linear_predict(PG_FUNCTION_ARGS)
{
	const double *coef;
	const double *x;
	int			n;

	if (!linpred_args(fcinfo, &coef, &x, &n))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(linpred_eta(coef, x, n));
}

const LearnFamily learn_family_linear = {
	.name = "linear",
	.task = "regression",
	.noun = "linear model",
	.params = linear_params,
	.state_aggregate = "learn.linear_partial",
	.state_named = true,
	.state_groups = true,
	.merge_aggregate = "learn.linear_merge",
	.state_problem = linear_state_problem_of,
	.stamp_function = "learn._linear_stamp",
	.open_levels = linear_open_levels,
	.close_levels = linear_close_levels,
	.begin = linear_begin,
	.absorb = linear_absorb,
	.fit = linear_fit_group,
	.keep = linear_keep,
	.later_pass = linear_later_pass,
	.pass_param = linear_pass_param,
	.pass_absorb = linear_pass_absorb,
	.metrics = linear_metrics,
	.terms = linear_terms,
	.terms_done = linear_terms_done,
	.load = linpred_load,
	.score = linear_score,
	.coefficients = linpred_coefficients,
};
