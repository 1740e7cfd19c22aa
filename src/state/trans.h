/*-------------------------------------------------------------------------
 * state/trans.h
 *	  What the transition functions of pg_learn's aggregates share: the
 *	  per-call-site cache of their "any" feature arguments, reading a row
 *	  of them, and the checks of a row's response and weight.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_STATE_TRANS_H
#define PG_LEARN_STATE_TRANS_H

#include "fmgr.h"

#include "args.h"
#include "passparam.h"

/* Per-call-site cache of a transition function over "any" features. */
typedef struct TransCache
{
	PassParams *pass;			/* a pass aggregate's decoded parameter */
	uint64		signature;		/* of the feature names; 0 without */
	int			k;
	LearnArgKind *kinds;
	bool		all_float8;		/* the common case, read without a switch */
	double	   *x;				/* one row of features */
} TransCache;

/* The cache of a call site whose features start at argument first. */
extern TransCache *trans_cache(FunctionCallInfo fcinfo, int first);

/* The aggregate's memory context; an error outside an aggregate. */
extern MemoryContext agg_context(FunctionCallInfo fcinfo, const char *fname);

/* Read features first..first+k-1 into tc->x; false when one is NULL. */
extern bool read_features(FunctionCallInfo fcinfo, TransCache *tc, int first);

/* Error unless y is finite and w finite and non-negative. */
extern void check_response_weight(double y, double w);

#endif							/* PG_LEARN_STATE_TRANS_H */
