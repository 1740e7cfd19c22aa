/*-------------------------------------------------------------------------
 * pg_learn.c
 *	  Module entry point: _PG_init, GUCs and the argument conversions every
 *	  aggregate and scoring function shares.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "numeric/linalg.h"

PG_MODULE_MAGIC;

int			learn_model_cache_size = 64;

void		_PG_init(void);

void
_PG_init(void)
{
	/* parallelism comes from PostgreSQL's workers, not from BLAS threads */
	la_single_thread();

	DefineCustomIntVariable("learn.model_cache_size",
							"Model versions each backend keeps parsed for scoring.",
							NULL,
							&learn_model_cache_size,
							64, 1, 100000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("learn");

	predict_init();
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
learn_resolve_arg_kinds(FunctionCallInfo fcinfo, int first, MemoryContext mcxt)
{
	int			nargs = PG_NARGS();
	LearnArgKind *kinds = MemoryContextAlloc(mcxt,
											 sizeof(LearnArgKind) * Max(nargs - first, 1));

	for (int i = first; i < nargs; i++)
	{
		Oid			typid = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, i));

		if (!learn_arg_kind(typid, &kinds[i - first]))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("feature %d has type %s, which is not numeric or boolean",
							i - first + 1, format_type_be(typid))));
	}
	return kinds;
}
