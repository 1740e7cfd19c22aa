/*-------------------------------------------------------------------------
 * pg_learn.h
 *	  Limits, GUCs and the small helpers every pg_learn source file shares.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_H
#define PG_LEARN_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/fmgrprotos.h"

#include "compat.h"

/* Most features a model may have (54000 beyond it). */
#define LEARN_MAX_FEATURES 1000

/* Rows buffered per aggregate state before they are folded in (level 3). */
#define LEARN_BLOCK_ROWS 1024

/* First buffer size of a state; it doubles up to LEARN_BLOCK_ROWS. */
#define LEARN_FIRST_BLOCK_ROWS 8

/* R's lm tolerance for declaring a column aliased (dqrdc2). */
#define LEARN_ALIAS_TOL 1e-7

/* GUC learn.model_cache_size: model versions kept parsed per backend. */
extern int	learn_model_cache_size;

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

/* predict.c: register the catalog invalidation callback (from _PG_init). */
extern void predict_init(void);

/* The kind for a type, or false when the type cannot be a numeric feature. */
extern bool learn_arg_kind(Oid typid, LearnArgKind *kind);

/* Resolve the kinds of arguments first..nargs-1 of a "any" call. */
extern LearnArgKind *learn_resolve_arg_kinds(FunctionCallInfo fcinfo,
											 int first, MemoryContext mcxt);

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
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		case LEARN_ARG_BOOL:
			return DatumGetBool(d) ? 1.0 : 0.0;
	}
	return 0.0;					/* keep the compiler quiet */
}

#endif							/* PG_LEARN_H */
