/*-------------------------------------------------------------------------
 * state/trans.c
 *	  Argument handling shared by the transition functions (trans.h).
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "state/trans.h"

/* ---------------------------------------------------------------------
 * Argument handling shared by the transition functions
 * ---------------------------------------------------------------------
 */


/* Whether argument i of a transition function is a constant of its query. */
static bool
agg_arg_is_const(FunctionCallInfo fcinfo, int i)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	TargetEntry *tle;

	/* argument 0 is the state; the aggregate's own arguments follow */
	if (aggref == NULL || i < 1 || i > list_length(aggref->args))
		return false;
	tle = list_nth_node(TargetEntry, aggref->args, i - 1);
	return IsA(tle->expr, Const);
}

/*
 * Read the encoding (argument enc, a text[] constant) of nargs feature
 * arguments from first on: a level table for each categorical one, whose
 * argument must be text.  Returns the state's feature count.
 */
static int
read_encoding(FunctionCallInfo fcinfo, TransCache *tc, int enc, MemoryContext mcxt)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			e = tc->ngroup;	/* after the group keys' "G" */
	int			k = 0;
	bool		closed = false; /* a categorical feature with its levels */

	if (PG_ARGISNULL(enc) || !agg_arg_is_const(fcinfo, enc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the encoding of the features must be a constant text[]")));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(enc), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	tc->levels = MemoryContextAllocZero(mcxt, sizeof(LevelTable *) * Max(tc->nargs, 1));
	tc->categorical = MemoryContextAllocZero(mcxt, sizeof(bool) * Max(tc->nargs, 1));
	for (int j = 0; j < tc->nargs; j++)
	{
		char	   *end;
		long		nl;

		if (e >= n || nulls[e])
			goto bad;
		nl = strtol(TextDatumGetCString(elems[e]), &end, 10);
		if (*end != '\0' || nl < -LEARN_MAX_LEVELS || nl > n - e - 1 || nl > LEARN_MAX_LEVELS)
			goto bad;
		e++;
		if (nl == 0)
		{
			k++;
			continue;
		}
		if (getBaseType(get_fn_expr_argtype(fcinfo->flinfo, tc->first + j)) != TEXTOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("categorical feature %d must be passed as text", j + 1)));
		tc->categorical[j] = true;
		if (nl < 0)
		{
			/* open: every categorical feature so, with one limit */
			if (closed || tc->ngroup > 0 || (tc->open && tc->open_max != -nl))
				goto bad;
			tc->open = true;
			tc->open_max = (int) -nl;
			tc->levels[j] = levels_create(NULL, NULL, 0, mcxt);
			continue;
		}
		if (tc->open)
			goto bad;
		closed = true;
		{
			char	  **lv = palloc(sizeof(char *) * nl);
			int		   *ll = palloc(sizeof(int) * nl);

			for (int i = 0; i < nl; i++, e++)
			{
				if (nulls[e])
					goto bad;
				lv[i] = VARDATA_ANY(DatumGetTextPP(elems[e]));
				ll[i] = VARSIZE_ANY_EXHDR(DatumGetTextPP(elems[e]));
			}
			tc->levels[j] = levels_create(lv, ll, (int) nl, mcxt);
		}
		k += (int) nl;
	}
	if (e != n)
		goto bad;
	return k;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid encoding of %d features", tc->nargs)));
	return 0;
}

/*
 * The number of leading "G" elements of the encoding (argument enc): the
 * arguments from first on that are group keys (state/groups.h).
 */
static int
encoding_groups(FunctionCallInfo fcinfo, int enc)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			g = 0;

	if (PG_ARGISNULL(enc))
		return 0;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(enc), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	while (g < n && !nulls[g] && strcmp(TextDatumGetCString(elems[g]), "G") == 0)
		g++;
	return g;
}

static TransCache *
trans_cache_common(FunctionCallInfo fcinfo, int first, bool groups)
{
	TransCache *tc = fcinfo->flinfo->fn_extra;

	if (tc == NULL)
	{
		MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
		int			last = PG_NARGS() - 1;
		bool		encoded = last >= first &&
			get_fn_expr_argtype(fcinfo->flinfo, last) == TEXTARRAYOID;

		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("pass the features as separate arguments, not as a VARIADIC array")));
		tc = MemoryContextAllocZero(mcxt, sizeof(TransCache));
		tc->ngroup = encoded ? encoding_groups(fcinfo, last) : 0;
		if (tc->ngroup > 0 && !groups)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("this aggregate takes no group keys in its encoding")));
		if (tc->ngroup > INDEX_MAX_KEYS || (tc->ngroup > 0 && first + tc->ngroup >= last))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid encoding: %d group keys", tc->ngroup)));
		tc->key_first = first;
		tc->first = first + tc->ngroup;
		tc->nargs = PG_NARGS() - tc->first - (encoded ? 1 : 0);
		tc->k = encoded ? read_encoding(fcinfo, tc, last, mcxt) : tc->nargs;
		tc->kinds = learn_resolve_arg_kinds(fcinfo, tc->first, tc->nargs, tc->levels, mcxt);
		tc->all_float8 = tc->levels == NULL;
		for (int j = 0; j < tc->nargs; j++)
			if ((tc->levels && tc->levels[j]) || tc->kinds[j] != LEARN_ARG_FLOAT8)
				tc->all_float8 = false;
		tc->x = MemoryContextAlloc(mcxt, sizeof(double) * Max(tc->k, 1));
		if (tc->levels)
		{
			int			c = 1;	/* state column 0 is the constant */

			tc->block_col = MemoryContextAlloc(mcxt, sizeof(int) * tc->nargs);
			tc->num_col = MemoryContextAlloc(mcxt, sizeof(int) * tc->nargs);
			tc->lev = MemoryContextAlloc(mcxt, sizeof(int) * tc->nargs);
			tc->xnum = MemoryContextAlloc(mcxt, sizeof(double) * tc->nargs);
			for (int j = 0; j < tc->nargs; j++)
			{
				if (tc->levels[j])
				{
					tc->block_col[tc->nblocks++] = c;
					c += levels_count(tc->levels[j]);
				}
				else
					tc->num_col[tc->nnum++] = c++;
			}
		}
		fcinfo->flinfo->fn_extra = tc;
	}
	return tc;
}

TransCache *
trans_cache(FunctionCallInfo fcinfo, int first)
{
	return trans_cache_common(fcinfo, first, false);
}

TransCache *
trans_cache_groups(FunctionCallInfo fcinfo, int first)
{
	return trans_cache_common(fcinfo, first, true);
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

static void
unknown_level(int j, const char *s, int len)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("feature %d has the value \"%.*s\", which is none of its levels read when training began",
					j + 1, len, s),
			 errhint("The source's rows changed between passes: train on a source that gives the same rows each time it is read.")));
}

bool
read_features(FunctionCallInfo fcinfo, TransCache *tc)
{
	NullableDatum *args = fcinfo->args + tc->first;
	double	   *x = tc->x;

	if (tc->all_float8)
	{
		double		check = 0.0;

		for (int j = 0; j < tc->k; j++)
		{
			if (args[j].isnull)
				return false;
			x[j] = DatumGetFloat8(args[j].value);
			check += x[j] * 0.0;	/* NaN when any value is NaN or infinite */
		}
		if (unlikely(isnan(check)))
		{
			for (int j = 0; j < tc->k; j++)
				if (!isfinite(x[j]))
					non_finite_feature(j, x[j]);
		}
		return true;
	}
	else
	{
		int			c = 0;
		int			b = 0;
		int			u = 0;

		for (int j = 0; j < tc->nargs; j++)
		{
			if (args[j].isnull)
				return false;
			if (tc->levels && tc->levels[j])
			{
				/* one indicator per level */
				text	   *v = DatumGetTextPP(args[j].value);
				int			nl = levels_count(tc->levels[j]);
				int			i = levels_find(tc->levels[j], VARDATA_ANY(v),
											VARSIZE_ANY_EXHDR(v));

				if (i < 0)
					unknown_level(j, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
				if (!tc->levels_only)
				{
					memset(x + c, 0, sizeof(double) * nl);
					x[c + i] = 1.0;
				}
				c += nl;
				tc->lev[b++] = i;
				continue;
			}
			x[c] = learn_datum_to_double(args[j].value, tc->kinds[j]);
			if (unlikely(!isfinite(x[c])))
				non_finite_feature(j, x[c]);	/* j: the argument */
			if (tc->levels)
				tc->xnum[u++] = x[c];
			c++;
		}
	}
	return true;
}

int
read_features_open(FunctionCallInfo fcinfo, TransCache *tc, LinearState *st, bool skip)
{
	NullableDatum *args = fcinfo->args + tc->first;
	int			b = 0;
	int			u = 0;

	for (int j = 0; j < tc->nargs; j++)
	{
		if (tc->categorical[j])
		{
			if (!args[j].isnull)
			{
				text	   *v = DatumGetTextPP(args[j].value);
				int			i = linear_state_open_level(st, b, VARDATA_ANY(v),
														VARSIZE_ANY_EXHDR(v));

				if (i < 0)
					return -1;
				tc->lev[b] = i;
			}
			else
				skip = true;
			b++;
		}
		else if (args[j].isnull)
			skip = true;
		else if (!skip)
		{
			/* as read_features does, up to the row's first NULL */
			tc->xnum[u] = learn_datum_to_double(args[j].value, tc->kinds[j]);
			if (unlikely(!isfinite(tc->xnum[u])))
				non_finite_feature(j, tc->xnum[u]);
			u++;
		}
	}
	return skip ? 0 : 1;
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

