/*-------------------------------------------------------------------------
 * state/trans.c
 *	  Argument handling shared by the transition functions (trans.h).
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "utils/memutils.h"
#include "fmgr.h"

#include "state/trans.h"

/* ---------------------------------------------------------------------
 * Argument handling shared by the transition functions
 * ---------------------------------------------------------------------
 */


TransCache *
trans_cache(FunctionCallInfo fcinfo, int first)
{
	TransCache *tc = fcinfo->flinfo->fn_extra;

	if (tc == NULL)
	{
		MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;

		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("pass the features as separate arguments, not as a VARIADIC array")));
		tc = MemoryContextAllocZero(mcxt, sizeof(TransCache));
		tc->k = PG_NARGS() - first;
		tc->kinds = learn_resolve_arg_kinds(fcinfo, first, mcxt);
		tc->all_float8 = true;
		for (int j = 0; j < tc->k; j++)
			if (tc->kinds[j] != LEARN_ARG_FLOAT8)
				tc->all_float8 = false;
		tc->x = MemoryContextAlloc(mcxt, sizeof(double) * Max(tc->k, 1));
		fcinfo->flinfo->fn_extra = tc;
	}
	return tc;
}

MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return aggcontext;
}

/*
 * Read features first..first+k-1 into tc->x; false when one is NULL.
 */
static void
non_finite_feature(int j, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("feature %d is %s", j + 1, isnan(v) ? "NaN" : "infinite"),
			 errhint("Filter such rows out of the source, or turn them into NULLs to have them skipped.")));
}

bool
read_features(FunctionCallInfo fcinfo, TransCache *tc, int first)
{
	NullableDatum *args = fcinfo->args + first;
	double	   *x = tc->x;
	double		check = 0.0;

	if (tc->all_float8)
	{
		for (int j = 0; j < tc->k; j++)
		{
			if (args[j].isnull)
				return false;
			x[j] = DatumGetFloat8(args[j].value);
			check += x[j] * 0.0;	/* NaN when any value is NaN or infinite */
		}
	}
	else
	{
		for (int j = 0; j < tc->k; j++)
		{
			if (args[j].isnull)
				return false;
			x[j] = learn_datum_to_double(args[j].value, tc->kinds[j]);
			check += x[j] * 0.0;
		}
	}
	if (unlikely(isnan(check)))
	{
		for (int j = 0; j < tc->k; j++)
			if (!isfinite(x[j]))
				non_finite_feature(j, x[j]);
	}
	return true;
}

void
check_response_weight(double y, double w)
{
	if (!isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the target is %s", isnan(y) ? "NaN" : "infinite")));
	if (!isfinite(w) || w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %g is not a finite non-negative number", w)));
}

