/*-------------------------------------------------------------------------
 * pg_learn.h
 *	  Limits, GUCs and the small helpers every pg_learn source file shares.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_H
#define PG_LEARN_H

#include "postgres.h"
#include "fmgr.h"

#include "compat.h"

/* Most features a model may have (54000 beyond it). */
#define LEARN_MAX_FEATURES 1000

/* Rows buffered per aggregate state before they are folded in (level 3). */
#define LEARN_BLOCK_ROWS 256

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

/* The kind for a type, or false when the type cannot be a numeric feature. */
extern bool learn_arg_kind(Oid typid, LearnArgKind *kind);

/* Resolve the kinds of arguments first..nargs-1 of a "any" call. */
extern LearnArgKind *learn_resolve_arg_kinds(FunctionCallInfo fcinfo,
											 int first, MemoryContext mcxt);

extern double learn_datum_to_double(Datum d, LearnArgKind kind);

#endif							/* PG_LEARN_H */
