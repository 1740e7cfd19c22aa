/*-------------------------------------------------------------------------
 * args.c
 *	  The numeric kind of a feature argument of type "any", resolved once
 *	  per call site.
 *-------------------------------------------------------------------------
 */
#include "args.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

char *
learn_text_arg(FunctionCallInfo fcinfo, int i, const char *what)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(i));
}

bool
learn_arg_kind(Oid typid, LearnArgKind *kind)
{
	switch (typid)
	{
		case FLOAT8OID:
			*kind = LEARN_ARG_FLOAT8;
			return true;
		case FLOAT4OID:
			*kind = LEARN_ARG_FLOAT4;
			return true;
		case INT2OID:
			*kind = LEARN_ARG_INT2;
			return true;
		case INT4OID:
			*kind = LEARN_ARG_INT4;
			return true;
		case INT8OID:
			*kind = LEARN_ARG_INT8;
			return true;
		case NUMERICOID:
			*kind = LEARN_ARG_NUMERIC;
			return true;
		case BOOLOID:
			*kind = LEARN_ARG_BOOL;
			return true;
		default:
			return false;
	}
}

LearnArgKind *
learn_resolve_arg_kinds(FunctionCallInfo fcinfo, int first, int n,
						struct LevelTable *const *levels, MemoryContext mcxt)
{
	LearnArgKind *kinds = MemoryContextAllocZero(mcxt, sizeof(LearnArgKind) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		Oid			typid;

		if (levels && levels[i])
			continue;			/* categorical: its text */
		typid = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, first + i));
		if (!learn_arg_kind(typid, &kinds[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("feature %d has type %s, which is not numeric or boolean",
							i + 1, format_type_be(typid)),
					 errhint("A categorical feature needs its levels: learn.train finds them.")));
	}
	return kinds;
}
