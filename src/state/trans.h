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
#include "levels.h"
#include "passparam.h"
#include "state/lsq.h"

/*
 * Per-call-site cache of a transition function over "any" features.
 *
 * The feature arguments are numeric (or boolean), or categorical: the
 * text of a value, when the last argument is an encoding (a text[]
 * constant) that lists, for each feature argument in order, 0 for a
 * numeric one, or its number of levels L followed by the L levels.  A
 * categorical feature becomes L columns of the state, one indicator per
 * level (the fit leaves the reference level's column out).
 */
typedef struct TransCache
{
	PassParams *pass;			/* a pass aggregate's decoded parameter */
	int			ngroup;			/* group key arguments (state/groups.h), */
	int			key_first;		/* from this one: the encoding's leading
								 * "G" elements */
	uint64		signature;		/* of the feature names; 0 without */
	int			k;				/* the state's features, levels expanded */
	int			first;			/* argument of the first feature */
	int			nargs;			/* feature arguments */
	LearnArgKind *kinds;		/* of each numeric feature argument */
	LevelTable **levels;		/* of each categorical one (NULL: numeric);
								 * NULL without an encoding */
	bool		all_float8;		/* the common case, read without a switch */
	double	   *x;				/* one row of features */

	/* with categorical features (levels set): the layout of the state */
	int			nblocks;		/* categorical features */
	int		   *block_col;		/* state column of each one's first level */
	int			nnum;			/* numeric features */
	int		   *num_col;		/* state column of each */
	int		   *lev;			/* a row's level of each categorical one */
	double	   *xnum;			/* a row's numbers */
	bool		levels_only;	/* read_features fills lev and xnum, not x */

	/*
	 * An open encoding: each categorical argument's element is -M (its
	 * levels are found in the rows, at most M of them; state/lsq.h's
	 * LINEAR_FAMILY_OPEN).  levels then marks the categorical arguments
	 * with empty tables.
	 */
	bool		open;
	int			open_max;
	bool	   *categorical;	/* of each argument */
} TransCache;

/*
 * Gather the state's rows by their levels when it pays (lsq.h); a state
 * with levels names its columns as terms in errors.
 */
#define trans_set_cells(tc, st) \
	((tc)->levels ? ((st)->level_terms = true, \
					 linear_state_set_cells((st), (tc)->nblocks, (tc)->block_col, \
											(tc)->nnum, (tc)->num_col)) : (void) 0)

/* The cache of a call site whose features start at argument first. */
extern TransCache *trans_cache(FunctionCallInfo fcinfo, int first);

/*
 * trans_cache of an aggregate that keeps groups itself: the encoding may
 * begin with a "G" for each group key argument, which then come first.
 */
extern TransCache *trans_cache_groups(FunctionCallInfo fcinfo, int first);

/* The aggregate's memory context; an error outside an aggregate. */
extern MemoryContext agg_context(FunctionCallInfo fcinfo, const char *fname);

/* Read a row's features into tc->x; false when one is NULL. */
extern bool read_features(FunctionCallInfo fcinfo, TransCache *tc);

/*
 * Read a row of an open encoding into tc->lev and tc->xnum: 1 when it is
 * to be added, 0 when it is skipped (skip: its response or weight is
 * NULL; or a feature is), -1 when st stopped (too many levels).  Every
 * categorical value that is not NULL becomes a level of st, even in a row
 * that is skipped: the levels are those of every row of the source, as a
 * scan for them alone finds.
 */
extern int	read_features_open(FunctionCallInfo fcinfo, TransCache *tc, LinearState *st,
							   bool skip);

/* Error unless y is finite and w finite and non-negative. */
extern void check_response_weight(double y, double w);

/*
 * Sort n scores for an exact AUC (metrics.c): doubles (size 8), or a
 * double and its weight (size 16), in ascending order of the double.
 * Many of them are sorted by their bits (numeric/radix.c), which takes a
 * second buffer of their size for the time of the sort.
 */
extern void learn_sort_scores(void *v, int64 n, size_t size);

#endif							/* PG_LEARN_STATE_TRANS_H */
