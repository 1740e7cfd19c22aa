/*
 * exprs.h: feature expressions ('log(disp) AS log_disp'), parsed at
 * training over the source's columns and again at scoring over the scored
 * row's.
 */
#ifndef LEARN_EXPRS_H
#define LEARN_EXPRS_H

#include "nodes/parsenodes.h"

/*
 * How an expression's column names become nodes: a Var of the scored row,
 * a Param at training.  NULL when the name is no column.
 */
typedef Node *(*FeatureColumnFn) (void *arg, const char *name, int location);

/*
 * How a features element reads: a plain column, or 'expression AS name'
 * (*raw its tree, with locations in *sql).
 */
extern bool feature_element_parse(const char *elem, char **name, Node **raw,
								  char **sql);

/* Which parser rules and checks an analysis follows. */
typedef enum FeatureExprUse
{
	FEATURE_EXPR_TRAIN,			/* the caller's search_path */
	FEATURE_EXPR_SCORE,			/* the stored text: pg_catalog's path, and
								 * only functions the caller may trust */
	FEATURE_EXPR_INLINE,		/* the same, for the planner: NULL rather
								 * than an error on anything untrusted */
	FEATURE_EXPR_UPDATE			/* as SCORE, for learn.update's new rows */
} FeatureExprUse;

extern Node *feature_expr_analyze(Node *raw, const char *sql, const char *feature,
								  const char *model, FeatureExprUse use,
								  FeatureColumnFn column, void *arg);

/* The text to store: reads the same under pg_catalog's search_path. */
extern char *feature_expr_deparse(Node *expr, const char *const *param_names,
								  const Oid *param_types, bool catalog_path);

/* Parse a stored expression's text; *sql is the text its locations are in. */
extern Node *feature_expr_raw(const char *text, char **sql);

/* The column names an expression's raw tree reads, as a List of char *. */
extern List *feature_expr_columns(Node *raw);

#endif
