/*-------------------------------------------------------------------------
 * args.h
 *	  Feature arguments of type "any": which numeric kind each one is, and
 *	  its value as a double.  Shared by the aggregates and by scoring.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_ARGS_H
#define PG_LEARN_ARGS_H

#include "pg_learn.h"

/*
 * How a feature argument of type "any" is turned into a double.  Resolved
 * once per call site from the argument's type.
 */
typedef enum LearnArgKind
{
	LEARN_ARG_FLOAT8,
	LEARN_ARG_FLOAT4,
	LEARN_ARG_INT2,
	LEARN_ARG_INT4,
	LEARN_ARG_INT8,
	LEARN_ARG_NUMERIC,
	LEARN_ARG_BOOL
} LearnArgKind;

/* Argument i, a text that must not be NULL (22004 naming it as what). */
extern char *learn_text_arg(FunctionCallInfo fcinfo, int i, const char *what);

/* The kind for a type, or false when the type cannot be a numeric feature. */
extern bool learn_arg_kind(Oid typid, LearnArgKind *kind);

struct LevelTable;

/*
 * Resolve the kinds of the n arguments from first on of a "any" call; an
 * argument with a level table (levels[i], when levels is not NULL) is
 * categorical and left out.
 */
extern LearnArgKind *learn_resolve_arg_kinds(FunctionCallInfo fcinfo, int first, int n,
											 struct LevelTable *const *levels,
											 MemoryContext mcxt);

/*
 * A numeric as a double: the same value as the cast numeric::float8 (the
 * double nearest the decimal), without the cast's trip through text for
 * the numerics of at most 16 significant digits that most columns hold.
 */
extern double learn_numeric_to_double(Datum d);

/* A feature value as a double; inline, as it runs per row and feature. */
static inline double
learn_datum_to_double(Datum d, LearnArgKind kind)
{
	switch (kind)
	{
		case LEARN_ARG_FLOAT8:
			return DatumGetFloat8(d);
		case LEARN_ARG_FLOAT4:
			return (double) DatumGetFloat4(d);
		case LEARN_ARG_INT2:
			return (double) DatumGetInt16(d);
		case LEARN_ARG_INT4:
			return (double) DatumGetInt32(d);
		case LEARN_ARG_INT8:
			return (double) DatumGetInt64(d);
		case LEARN_ARG_NUMERIC:
			return learn_numeric_to_double(d);
		case LEARN_ARG_BOOL:
			return DatumGetBool(d) ? 1.0 : 0.0;
	}
	return 0.0;					/* keep the compiler quiet */
}

#endif							/* PG_LEARN_ARGS_H */
