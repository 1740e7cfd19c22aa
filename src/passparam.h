/*-------------------------------------------------------------------------
 * passparam.h
 *	  What a training pass needs from the previous one, per group: one
 *	  bytea parameter of the pass's SQL, written by the driver and decoded
 *	  once per call site (so once per parallel worker) into a hash by group
 *	  key; a parameter that is not a constant of the query (a hand call's
 *	  expression) is decoded again when its value changes.  The pass is then one plain scan, grouped like the first pass:
 *	  never a join of the data against a table of parameters.
 *
 * A pass aggregate is called as
 *	  agg(param bytea, ngroupcols int4, y float8, w float8,
 *		  VARIADIC: the ngroupcols group columns, then the features)
 * and looks its group's parameters up when it starts a group's state.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_PASSPARAM_H
#define PG_LEARN_PASSPARAM_H

#include "pg_learn.h"

#include "lib/stringinfo.h"

/* First byte of a pass parameter; bump when the layout changes. */
#define PASS_PARAM_VERSION 1

/* Writing (the driver). */
extern void learn_pass_param_begin(StringInfo buf, int nparam);
/* lookup_key: the group's values joined by key_append ("" when ungrouped) */
extern void learn_pass_param_add(StringInfo buf, const char *lookup_key,
								 const double *param, int nparam);
extern bytea *learn_pass_param_end(StringInfo buf);

/* Reading (the pass aggregate). */
typedef struct PassParams PassParams;

/*
 * The decoded parameter of a call site, made on its first call and kept in
 * fn_extra's memory context (the caller keeps the pointer).  Errors 22P03
 * on a malformed value, and when nparam differs from what the aggregate
 * expects.
 */
extern PassParams *learn_pass_params_decode(FunctionCallInfo fcinfo, int param_arg,
											int ngroupcols_arg, int first_group_arg,
											int nparam);

/*
 * The parameters of the current row's group (the group columns are the
 * arguments first_group_arg on), or NULL when the group has none (it was
 * not fitted).  Call it once per group state, not per row, in a short-lived
 * memory context (it formats the group's key there).  What it returns
 * lives as long as the group's state, which keep holds: the decoded
 * parameter's own values when it is decoded once, else a copy in keep (a
 * parameter decoded again frees the values decoded before, which the
 * states of other groups may still be using).
 */
extern const double *learn_pass_params_lookup(PassParams *pp, FunctionCallInfo fcinfo,
											  MemoryContext keep);

/* How many group columns lead the variadic arguments. */
extern int	learn_pass_params_ngroupcols(const PassParams *pp);

#endif							/* PG_LEARN_PASSPARAM_H */
