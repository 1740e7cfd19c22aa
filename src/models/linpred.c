/*-------------------------------------------------------------------------
 * models/linpred.c
 *	  Shared by the families with a linear predictor (linpred.h).
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/json.h"

#include "models/linpred.h"

int
linpred_terms(const LearnTrainSpec *spec, bool intercept, int **colsp,
			  const char ***termsp)
{
	int			p = spec->nfeatures + (intercept ? 1 : 0);
	int		   *cols = palloc(sizeof(int) * p);
	const char **terms = palloc(sizeof(char *) * p);
	ListCell   *lc;
	int			t = 0;
	bool		first_factor = true;

	if (intercept)
	{
		terms[t] = "(intercept)";
		cols[t++] = 0;
	}
	foreach(lc, spec->features)
	{
		int			j = foreach_current_index(lc);

		/*
		 * R's treatment coding: a categorical feature's first level is
		 * the reference and has no term, except, without an intercept,
		 * in the first categorical feature, which has all of its levels.
		 */
		if (spec->level && spec->level[j] == 0)
		{
			bool		all = !intercept && first_factor;

			first_factor = false;
			if (!all)
				continue;
		}
		terms[t] = lfirst(lc);
		cols[t++] = j + 1;
	}
	*colsp = cols;
	*termsp = terms;
	return t;
}

const double *
linpred_coefficients(const void *model, const void *group, int nfeatures, int predictor)
{
	return (const double *) group + (size_t) predictor * (nfeatures + 1);
}

void *
linpred_load_coef(int ncoef, const LearnTerm *terms, int nterms, MemoryContext mcxt)
{
	double	   *coef = MemoryContextAllocZero(mcxt, sizeof(double) * ncoef);

	for (int t = 0; t < nterms; t++)
	{
		int			pos = terms[t].position;

		if (!isnan(terms[t].estimate) && pos >= 0 && pos < ncoef)
			coef[pos] = terms[t].estimate;
	}
	return coef;
}

void *
linpred_load(const void *model, int nfeatures, const LearnTerm *terms, int nterms,
			 MemoryContext mcxt)
{
	return linpred_load_coef(nfeatures + 1, terms, nterms, mcxt);
}

bool
linpred_args(FunctionCallInfo fcinfo, const double **coef, const double **x, int *n)
{
	ArrayType  *ca = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *xa = PG_GETARG_ARRAYTYPE_P(1);
	int			nc = ArrayGetNItems(ARR_NDIM(ca), ARR_DIMS(ca));
	int			nx = ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa));

	if (ARR_NDIM(ca) > 1 || ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coef and x must be one-dimensional arrays")));
	if (nc != nx + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coef has %d elements and x has %d; coef needs one more (the intercept)",
						nc, nx)));
	if (ARR_HASNULL(ca) || ARR_HASNULL(xa))
		return false;
	*coef = (const double *) ARR_DATA_PTR(ca);
	*x = (const double *) ARR_DATA_PTR(xa);
	*n = nx;
	return true;
}

void
linpred_json_value(StringInfo buf, double v)
{
	if (!isfinite(v))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	/* Ryu: several times cheaper than printf's %.17g, and no longer */
	enlargeStringInfo(buf, DOUBLE_SHORTEST_DECIMAL_LEN);
	buf->len += double_to_shortest_decimal_bufn(v, buf->data + buf->len);
	buf->data[buf->len] = '\0';
}

void
linpred_json_number(StringInfo buf, const char *key, double v)
{
	if (buf->len > 1)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
	linpred_json_value(buf, v);
}
