/*-------------------------------------------------------------------------
 * family.h
 *	  The model-family interface: one struct of callbacks per algorithm and
 *	  the registry of them, plus what is the same for every family (its
 *	  params, parsed and checked against the family's spec).
 *
 * The driver (train.c), the catalog (catalog.c) and scoring (predict.c)
 * reach a family only through this struct; none of them names one.  A
 * family keeps whatever it needs between callbacks in its own "plan" (one
 * per training), "state" (one per group, from pass 1) and "fit" (one per
 * fitted group), all opaque here and allocated in the current context.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_FAMILY_H
#define PG_LEARN_FAMILY_H

#include "pg_learn.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/* ---------------------------------------------------------------------
 * Params
 * ---------------------------------------------------------------------
 */

typedef enum LearnParamType
{
	LEARN_PARAM_BOOL,			/* true or false */
	LEARN_PARAM_NUMBER,			/* a number in [min, max] */
	LEARN_PARAM_STRING,			/* any string */
	LEARN_PARAM_ENUM			/* one of choices (any case), or false */
} LearnParamType;

/* One parameter a family takes; a spec ends with a NULL name. */
typedef struct LearnParamSpec
{
	const char *name;
	LearnParamType type;
	bool		default_bool;	/* BOOL */
	double		default_number; /* NUMBER */
	double		min;			/* NUMBER: inclusive bounds */
	double		max;
	bool		max_exclusive;	/* NUMBER: max itself is out of range */
	bool		integer;		/* NUMBER: whole numbers only */
	const char *default_string; /* STRING; ENUM: a choice, or NULL (false) */
	const char *const *choices; /* ENUM: canonical spellings, NULL-ended */
	bool		false_allowed;	/* ENUM: false turns it off */

	/*
	 * The param is among the effective params (learn.models.params) only
	 * when the param of this name has a value other than its default; NULL:
	 * always.  A param that matters only with another one so leaves the
	 * params of the models that do not use it as they were.
	 */
	const char *shown_with;
} LearnParamSpec;

/* A parsed value: BOOL in b, NUMBER in number, STRING and ENUM in string
 * (an ENUM's canonical spelling, NULL when false). */
typedef struct LearnParamValue
{
	bool		b;
	double		number;
	const char *string;
} LearnParamValue;

struct LearnFamily;

/* The effective params of one training: the family's, then the common ones. */
typedef struct LearnParams
{
	const struct LearnFamily *family;
	int			n;
	const LearnParamSpec **specs;
	LearnParamValue *values;
} LearnParams;

/*
 * Check params (a JSON object, or NULL for none) against the family's spec
 * and the common params, with defaults filled in.  An unknown key, a wrong
 * type or a value out of range is a 22023 error naming the key.
 */
extern LearnParams *learn_params_parse(const struct LearnFamily *family, Jsonb *params);

/* learn.models.params: every param of the spec with its effective value. */
extern char *learn_params_json(const LearnParams *params);

/* The same with one more member: key and its value, already JSON (lineage). */
extern char *learn_params_json_with(const LearnParams *params, const char *key,
									const char *value_json);

/* A param's value by name (an error when the spec has no such param). */
extern bool learn_param_bool(const LearnParams *params, const char *name);
extern double learn_param_number(const LearnParams *params, const char *name);
extern const char *learn_param_string(const LearnParams *params, const char *name);

/* Record the effective value of a param the family chose (an ENUM or STRING). */
extern void learn_param_set_string(LearnParams *params, const char *name, const char *value);

/* ---------------------------------------------------------------------
 * Families
 * ---------------------------------------------------------------------
 */

/* What the driver tells a family about one training. */
typedef struct LearnTrainSpec
{
	LearnParams *params;		/* a family may set an effective value */
	const char *target;			/* the target column */
	List	   *classes;		/* a classifier's labels (char *), in order */

	/*
	 * A source column a param names (role: the param, for errors), checked
	 * to be numeric and none of the training's other columns: its SQL as a
	 * pass aggregate's argument (in begin only).
	 */
	const char *(*column_sql) (const struct LearnTrainSpec *spec, const char *name,
							   const char *role);
	void	   *column_arg;		/* the driver's, for column_sql */
	List	   *features;		/* of char *: the terms, a categorical
								 * column's levels as "column=level" */
	int			nfeatures;
	const int  *level;			/* for each term, its level (0 the first,
								 * the reference), or -1 when numeric */
	bool		grouped;
} LearnTrainSpec;

/* The rows a group's pass-1 state saw. */
typedef struct LearnCounts
{
	int64		n;				/* rows used */
	int64		n_skipped;		/* rows with a NULL value */
	int64		n_zero_weight;	/* rows with weight 0 */
} LearnCounts;

/*
 * A pass after the fit: one scan of the source, grouped as pass 1, calling
 * aggregate(param bytea, ngroupcols int4, y float8, w float8, g1, ..., gm,
 * x1, ..., xk).  param carries each fitted group's nparam values (see
 * passparam.h: the aggregate looks its group's values up once per group
 * state), and each group's result is handed back.
 */
typedef struct LearnPass
{
	const char *aggregate;		/* schema-qualified, e.g. learn._linear_meat */
	int			nparam;
	const char *lead_args;		/* SQL of constant arguments after ngroupcols
								 * (NULL: none) */
	const char *mid_args;		/* SQL of arguments after w (NULL: none) */

	/*
	 * The same aggregate keeping its groups itself (state/groups.h), its
	 * value each group's key and result (group_table_result after 2
	 * bytes), when the catalog has it; NULL: none.
	 */
	const char *groups_aggregate;

	/*
	 * 1 + the index in a group's parameter of a flag that is nonzero when
	 * the group keeps its rows in the pass (a logistic fit's scores, for
	 * its AUC); 0: none.  A pass where a group does groups with GROUP BY:
	 * kept rows would soon outgrow the table's hash_mem.
	 */
	int			rows_flag;
} LearnPass;

/* One stored term (a row of learn.coefficients); NaN stores NULL. */
typedef struct LearnTerm
{
	int			position;
	const char *class_label;	/* a multinomial model's class; NULL: '' */
	const char *term;
	double		estimate;
	double		std_error;
	double		statistic;
	double		p_value;
} LearnTerm;

typedef struct LearnFamily
{
	const char *name;			/* learn.train's algorithm */
	const char *task;			/* learn.models.task */
	const char *noun;			/* "linear model", as errors name it */
	const LearnParamSpec *params;	/* the family's own params */

	/*
	 * Pass 1: state_aggregate(y float8, w float8, [names text[],] x1..xk)
	 * returns each group's state as bytea; it takes the feature names when
	 * state_named.
	 */
	const char *state_aggregate;	/* schema-qualified */
	bool		state_named;

	/*
	 * The state aggregate keeps groups itself (state/groups.h): given
	 * group key arguments before the features and a "G" for each at the
	 * head of its encoding, its value is the groups' keys and states
	 * (group_table_result after 2 bytes), or says it stopped.
	 */
	bool		state_groups;

	/*
	 * The aggregate that merges pass-1 states of the same features
	 * (bytea) into one, as if one state had seen all their rows;
	 * schema-qualified.  NULL: states do not merge.  learn.update and the
	 * training of a source spread over postgres_fdw shards rely on it.
	 */
	const char *merge_aggregate;

	/*
	 * With merge_aggregate: NULL when state is a stored state of a model
	 * of these params and terms (level: as LearnTrainSpec's), of a group
	 * of n_rows rows used and n_skipped skipped, whose stored terms are
	 * doc_terms (none when the group was not fitted): the state fits to
	 * those estimates.  Else what is wrong with it ("is not ...").  An
	 * import checks the states of a document so.
	 */
	const char *(*state_problem) (const LearnParams *params, List *terms, const int *level,
								  bytea *state, int64 n_rows, int64 n_skipped,
								  const struct LearnTerm *doc_terms, int ndoc_terms);

	/*
	 * For a family whose state_aggregate takes the names: the function
	 * (state bytea, names text[]) -> bytea that names a merged state made
	 * by state_aggregate without them (it takes them or not).  A
	 * postgres_fdw shard computes its state so (postgres_fdw sends no
	 * aggregate with a text constant among its arguments), and the driver
	 * names the merge; schema-qualified.  NULL: such a family's pass 1 is
	 * not sent to shards.
	 */
	const char *stamp_function;

	/*
	 * Optional, with a state_aggregate that takes an open encoding
	 * (state/trans.h): pass 1 of an ungrouped training finds the levels of
	 * its categorical features itself, so that no scan for them comes
	 * first.  The driver then runs state_aggregate without the names and
	 * an open encoding; open_levels(state) gives, of the state it returned
	 * (NULL: no row), the levels of each categorical feature as its rows
	 * had them (a List of Lists of char *), or NIL when they were too many
	 * (the driver then scans for them, and runs pass 1 again);
	 * close_levels(state, order, terms, nterms) the state pass 1 gives with
	 * names terms and the encoding of those levels, the b-th categorical
	 * feature's in the order order[b] (indexes into open_levels' lists).
	 */
	List	   *(*open_levels) (bytea *state);
	bytea	   *(*close_levels) (bytea *state, int *const *order, const char *const *terms,
								 int nterms);

	/*
	 * Or pass 1 is a pass aggregate as the later ones are (see LearnPass),
	 * called with a NULL parameter: first_pass(plan, 1, out) says which.
	 */
	bool		(*first_pass) (void *plan, int pass, LearnPass *out);

	/*
	 * Optional: a start from a sample of the source, for a family whose
	 * fit iterates (R's glm takes such a start as its argument start).
	 * When the source is a table of table_rows rows (by its statistics)
	 * and one group, sample_plan(plan, ...) says whether this training (of
	 * plan, which begin made) starts from a
	 * fit to a sample of it: NULL, or a plan for that fit (quiet, with no
	 * metric that needs the last pass) and in *fraction the share of the
	 * table's pages to read.  The driver runs the family's passes with
	 * that plan over the sample, then set_start gives the training's plan
	 * the sample's fit as its first coefficients (false: the sample's fit
	 * did not converge, and the training starts as it would without).
	 * start_param fills pass 1's parameter (nparam values) when the plan
	 * has such a start, or returns false.
	 */
	void	   *(*sample_plan) (void *plan, const LearnTrainSpec *spec, double table_rows,
								double *fraction);
	bool		(*set_start) (void *plan, void *sample_plan, void *sample_fit);
	bool		(*start_param) (void *plan, double *param);

	/* The target may be boolean (false 0, true 1), not only a number. */
	bool		target_bool;

	/*
	 * A classifier of any number of classes (at most the param
	 * max_classes): the target is the index 0..K-1 of a row's class.  A
	 * classifier without it has two classes.
	 */
	bool		multiclass;

	/* A plan for one training, given its params and features. */
	void	   *(*begin) (const LearnTrainSpec *spec);

	/* A group's pass-1 state, read from its bytea, and its row counts. */
	void	   *(*absorb) (void *plan, bytea *state, LearnCounts *counts);

	/*
	 * Fit a group: its fit, or NULL with the reason in *reason.  The
	 * driver fits each group as pass 1 streams it, in a memory context
	 * reset after the group, so a fit may use any memory it likes.
	 */
	void	   *(*fit) (void *plan, void *state, const char **reason);

	/*
	 * For a family with later passes: copy into the current memory context
	 * what pass_param, pass_absorb and terms need of a fit, as compactly as
	 * the family can (it is kept for every group until the last pass).
	 */
	void	   *(*keep) (void *plan, void *fit);

	/*
	 * Optional later passes (NULL: none).  later_pass says whether pass
	 * number pass (2, 3, ...) is needed and which; pass_param fills a kept
	 * group's nparam values, or returns false to leave the group out of the
	 * pass; pass_absorb takes the group's result, and returns NULL, or why
	 * the group cannot be fitted after all.
	 */
	bool		(*later_pass) (void *plan, int pass, LearnPass *out);
	bool		(*pass_param) (void *plan, int pass, void *fit, double *param);
	const char *(*pass_absorb) (void *plan, int pass, void *fit, Datum result);

	/*
	 * The metrics of a fitted group: one JSON object appended to out.  Made
	 * right after the fit, or, for a family with later passes, from what
	 * keep kept after the last pass.
	 */
	void		(*metrics) (StringInfo out, void *plan, const LearnCounts *counts,
							void *fit);

	/*
	 * The stored terms of a fitted group (group_text: the group's key as
	 * text, NULL when ungrouped); terms_done (optional) runs after the last
	 * group.
	 */
	int			(*terms) (void *plan, void *fit, const char *group_text,
						  LearnTerm **terms);
	void		(*terms_done) (void *plan);

	/*
	 * Scoring: what the model needs besides its groups, from its params
	 * and number of classes (optional; NULL is passed on without it), a
	 * group's stored terms loaded into mcxt (a multinomial model's term of
	 * class i, 1..K-1, and position j comes with position
	 * (i - 1) (nfeatures + 1) + j), and one row scored: a regression's
	 * value, a binary classifier's probability of its last class.  A
	 * multiclass family gives every class's probability instead
	 * (score_classes).
	 */
	void	   *(*model_load) (const char *params_json, int nclasses, MemoryContext mcxt);
	void	   *(*load) (const void *model, int nfeatures, const LearnTerm *terms,
						 int nterms, MemoryContext mcxt);
	double		(*score) (const void *model, const void *group, const double *x,
						  int nfeatures);
	void		(*score_classes) (const void *model, const void *group, const double *x,
								  int nfeatures, double *proba);

	/*
	 * Explaining (learn.explain): the coefficients of a loaded group's
	 * linear predictor `predictor` (0; a multiclass family: one per class
	 * after the first), the intercept first, then one per term; NULL when
	 * the family has no linear predictor.
	 */
	const double *(*coefficients) (const void *model, const void *group, int nfeatures,
								   int predictor);
} LearnFamily;

/* The families, one line each (the registry is in family.c). */
extern const LearnFamily learn_family_linear;	/* models/linear.c */
extern const LearnFamily learn_family_glm;	/* models/glm.c */
extern const LearnFamily learn_family_logistic; /* models/glm.c */
extern const LearnFamily learn_family_multinomial;	/* models/glm.c */

/* The family of an algorithm, or NULL. */
extern const LearnFamily *learn_family_find(const char *algorithm);

/* The family to train an algorithm with; errors name the known ones. */
extern const LearnFamily *learn_family_for_training(const char *algorithm);

#endif							/* PG_LEARN_FAMILY_H */
