/*-------------------------------------------------------------------------
 * family.c
 *	  The registry of model families and the params code they share:
 *	  parsing learn.train's params against a family's spec (types,
 *	  defaults, ranges) and writing the effective params back as JSON.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/numeric.h"

#include "family.h"

/* The registry: one line a family. */
static const LearnFamily *const learn_families[] = {
	&learn_family_linear,
	&learn_family_glm,
	&learn_family_logistic,
	&learn_family_multinomial,
};

/* Algorithms of DESIGN.md that have no family yet: 0A000, not 22023. */
static const char *const planned_algorithms[] = {"ridge", "lasso", "elastic_net",
	"kmeans", "pca", "naive_bayes", NULL};

static const char *const impute_choices[] = {"skip", "mean", NULL};

/* Params every family takes. */
static const LearnParamSpec common_params[] = {
	{.name = "deploy", .type = LEARN_PARAM_BOOL, .default_bool = true},
	{.name = "max_levels", .type = LEARN_PARAM_NUMBER, .default_number = 1000,
	.min = 1, .max = LEARN_MAX_LEVELS, .integer = true},
	{.name = "impute", .type = LEARN_PARAM_ENUM, .choices = impute_choices,
	.default_string = "skip", .shown_with = "impute"},
	/* the held-out rows (evaluate.c): a share in [0, 1) and the hash's seed */
	{.name = "test_fraction", .type = LEARN_PARAM_NUMBER, .default_number = 0,
	.min = 0, .max = 1, .max_exclusive = true, .shown_with = "test_fraction"},
	{.name = "seed", .type = LEARN_PARAM_NUMBER, .default_number = 0,
	.min = 0, .max = LEARN_MAX_SEED, .integer = true, .shown_with = "test_fraction"},
	{.name = NULL}
};

/* Common params of DESIGN.md that a family may not take yet: 0A000. */
static const char *const later_params[] = {"max_iterations",
	"tolerance", "standardize", "verbose", NULL};

const LearnFamily *
learn_family_find(const char *algorithm)
{
	for (int i = 0; i < lengthof(learn_families); i++)
		if (strcmp(learn_families[i]->name, algorithm) == 0)
			return learn_families[i];
	return NULL;
}

static bool
in_list(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* "a, b and c" (conj "and") or "a, b or c" of items[0..n-1]. */
static char *
join_words(const char *const *items, int n, const char *conj)
{
	StringInfoData b;

	initStringInfo(&b);
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfo(&b, i == n - 1 ? " %s " : ", ", conj);
		appendStringInfoString(&b, items[i]);
	}
	return b.data;
}

const LearnFamily *
learn_family_for_training(const char *algorithm)
{
	const LearnFamily *f = learn_family_find(algorithm);
	const char *names[lengthof(learn_families)];

	if (f)
		return f;
	if (in_list(algorithm, planned_algorithms))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("algorithm \"%s\" is not implemented yet", algorithm)));
	for (int i = 0; i < lengthof(learn_families); i++)
		names[i] = learn_families[i]->name;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown algorithm \"%s\"", algorithm),
			 errhint("Supported algorithms: %s.",
					 join_words(names, lengthof(learn_families), "and"))));
	return NULL;				/* keep the compiler quiet */
}

/* ---------------------------------------------------------------------
 * Params
 * ---------------------------------------------------------------------
 */

/* What a value of spec must be, for the error message. */
static char *
param_expected(const LearnParamSpec *spec)
{
	switch (spec->type)
	{
		case LEARN_PARAM_BOOL:
			return "true or false";
		case LEARN_PARAM_STRING:
			return "a string";
		case LEARN_PARAM_NUMBER:
			{
				const char *what = spec->integer ? "a whole number" : "a number";

				if (isinf(spec->min) && isinf(spec->max))
					return pstrdup(what);
				if (isinf(spec->max))
					return psprintf("%s of at least %.15g", what, spec->min);
				if (isinf(spec->min))
					return psprintf("%s of at most %.15g", what, spec->max);
				if (spec->max_exclusive)
					return psprintf("%s of at least %.15g and less than %.15g", what,
									spec->min, spec->max);
				return psprintf("%s between %.15g and %.15g", what, spec->min, spec->max);
			}
		case LEARN_PARAM_ENUM:
			{
				int			n = 0;
				const char **items;

				while (spec->choices[n])
					n++;
				items = palloc(sizeof(char *) * (n + 1));
				for (int i = 0; i < n; i++)
				{
					StringInfoData q;

					initStringInfo(&q);
					escape_json(&q, spec->choices[i]);
					items[i] = q.data;
				}
				if (spec->false_allowed)
					items[n++] = "false";
				return join_words(items, n, "or");
			}
	}
	return "";					/* keep the compiler quiet */
}

static void
param_type_error(const LearnParamSpec *spec)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("parameter \"%s\" must be %s", spec->name, param_expected(spec))));
}

static void
param_default(const LearnParamSpec *spec, LearnParamValue *v)
{
	v->b = spec->default_bool;
	v->number = spec->default_number;
	v->string = spec->default_string;
}

/* Check one JSON value against its spec and store it. */
static void
param_set(const LearnParamSpec *spec, JsonbValue *jv, LearnParamValue *v)
{
	switch (spec->type)
	{
		case LEARN_PARAM_BOOL:
			if (jv->type != jbvBool)
				param_type_error(spec);
			v->b = jv->val.boolean;
			break;
		case LEARN_PARAM_STRING:
			if (jv->type != jbvString)
				param_type_error(spec);
			v->string = pnstrdup(jv->val.string.val, jv->val.string.len);
			break;
		case LEARN_PARAM_NUMBER:
			{
				double		d;

				if (jv->type != jbvNumeric)
					param_type_error(spec);
				d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
													   NumericGetDatum(jv->val.numeric)));
				if (!isfinite(d) || d < spec->min || d > spec->max ||
					(spec->max_exclusive && d >= spec->max) ||
					(spec->integer && d != floor(d)))
					param_type_error(spec);
				v->number = d;
				break;
			}
		case LEARN_PARAM_ENUM:
			if (jv->type == jbvBool && !jv->val.boolean && spec->false_allowed)
				v->string = NULL;
			else if (jv->type == jbvString)
			{
				char	   *s = pnstrdup(jv->val.string.val, jv->val.string.len);
				int			i;

				for (i = 0; spec->choices[i]; i++)
					if (pg_strcasecmp(s, spec->choices[i]) == 0)
						break;
				if (spec->choices[i] == NULL)
					param_type_error(spec);
				v->string = spec->choices[i];
			}
			else
				param_type_error(spec);
			break;
	}
}

LearnParams *
learn_params_parse(const LearnFamily *family, Jsonb *params)
{
	LearnParams *lp = palloc0(sizeof(LearnParams));
	int			n = 0;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	for (int i = 0; family->params[i].name; i++)
		n++;
	for (int i = 0; common_params[i].name; i++)
		n++;
	lp->family = family;
	lp->specs = palloc(sizeof(LearnParamSpec *) * n);
	lp->values = palloc0(sizeof(LearnParamValue) * n);
	for (int i = 0; family->params[i].name; i++)
		lp->specs[lp->n++] = &family->params[i];
	for (int i = 0; common_params[i].name; i++)
		lp->specs[lp->n++] = &common_params[i];
	for (int i = 0; i < lp->n; i++)
		param_default(lp->specs[i], &lp->values[i]);

	if (params == NULL)
		return lp;
	if (!JB_ROOT_IS_OBJECT(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params must be a JSON object")));

	it = JsonbIteratorInit(&params->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		int			i;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		for (i = 0; i < lp->n; i++)
			if (strcmp(key, lp->specs[i]->name) == 0)
				break;
		if (i == lp->n)
		{
			const char **names = palloc(sizeof(char *) * lp->n);

			if (in_list(key, later_params))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("parameter \"%s\" is not supported by algorithm \"%s\" yet",
								key, family->name)));
			for (int j = 0; j < lp->n; j++)
				names[j] = lp->specs[j]->name;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown parameter \"%s\" for algorithm \"%s\"", key, family->name),
					 errhint("Valid parameters are %s.", join_words(names, lp->n, "and"))));
		}
		param_set(lp->specs[i], &v, &lp->values[i]);
	}
	return lp;
}

/* Whether a param has a value other than its default. */
static bool
param_is_set(const LearnParams *params, const char *name)
{
	for (int i = 0; i < params->n; i++)
	{
		const LearnParamSpec *spec = params->specs[i];
		const LearnParamValue *v = &params->values[i];

		if (strcmp(spec->name, name) != 0)
			continue;
		switch (spec->type)
		{
			case LEARN_PARAM_BOOL:
				return v->b != spec->default_bool;
			case LEARN_PARAM_NUMBER:
				return v->number != spec->default_number;
			case LEARN_PARAM_STRING:
			case LEARN_PARAM_ENUM:
				if (v->string == NULL || spec->default_string == NULL)
					return v->string != spec->default_string;
				return strcmp(v->string, spec->default_string) != 0;
		}
	}
	return false;
}

char *
learn_params_json(const LearnParams *params)
{
	return learn_params_json_with(params, NULL, NULL);
}

char *
learn_params_json_with(const LearnParams *params, const char *key, const char *value_json)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoChar(&b, '{');
	for (int i = 0; i < params->n; i++)
	{
		const LearnParamSpec *spec = params->specs[i];
		const LearnParamValue *v = &params->values[i];

		if (spec->shown_with && !param_is_set(params, spec->shown_with))
			continue;
		if (b.len > 1)
			appendStringInfoString(&b, ", ");
		escape_json(&b, spec->name);
		appendStringInfoString(&b, ": ");
		switch (spec->type)
		{
			case LEARN_PARAM_BOOL:
				appendStringInfoString(&b, v->b ? "true" : "false");
				break;
			case LEARN_PARAM_NUMBER:
				{
					/* the shortest text that reads back as the value: 0.3 */
					char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

					double_to_shortest_decimal_buf(v->number, num);
					appendStringInfoString(&b, num);
					break;
				}
			case LEARN_PARAM_STRING:
			case LEARN_PARAM_ENUM:
				if (v->string)
					escape_json(&b, v->string);
				else
					/* an unset string is null; an enum that is off, false */
					appendStringInfoString(&b, spec->type == LEARN_PARAM_STRING ? "null" : "false");
				break;
		}
	}
	if (key)
	{
		if (b.len > 1)
			appendStringInfoString(&b, ", ");
		escape_json(&b, key);
		appendStringInfo(&b, ": %s", value_json);
	}
	appendStringInfoChar(&b, '}');
	return b.data;
}

static const LearnParamValue *
param_value(const LearnParams *params, const char *name, LearnParamType type)
{
	for (int i = 0; i < params->n; i++)
		if (strcmp(params->specs[i]->name, name) == 0)
		{
			if (params->specs[i]->type != type &&
				!(type == LEARN_PARAM_STRING && params->specs[i]->type == LEARN_PARAM_ENUM))
				elog(ERROR, "pg_learn: parameter \"%s\" read as the wrong type", name);
			return &params->values[i];
		}
	elog(ERROR, "pg_learn: algorithm \"%s\" has no parameter \"%s\"",
		 params->family->name, name);
	return NULL;				/* keep the compiler quiet */
}

bool
learn_param_bool(const LearnParams *params, const char *name)
{
	return param_value(params, name, LEARN_PARAM_BOOL)->b;
}

double
learn_param_number(const LearnParams *params, const char *name)
{
	return param_value(params, name, LEARN_PARAM_NUMBER)->number;
}

const char *
learn_param_string(const LearnParams *params, const char *name)
{
	return param_value(params, name, LEARN_PARAM_STRING)->string;
}

void
learn_param_set_string(LearnParams *params, const char *name, const char *value)
{
	for (int i = 0; i < params->n; i++)
		if (strcmp(params->specs[i]->name, name) == 0)
		{
			params->values[i].string = value;
			return;
		}
	elog(ERROR, "pg_learn: no param \"%s\"", name);
}
