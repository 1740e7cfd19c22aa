/*-------------------------------------------------------------------------
 * catalog.h
 *	  Reading and writing the learn.* catalog tables (the only place that
 *	  does).
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_CATALOG_H
#define PG_LEARN_CATALOG_H

#include "pg_learn.h"

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"

#include "family.h"

/* A new model version, as train() has it before it is stored. */
typedef struct ModelRecord
{
	const char *name;
	const char *algorithm;
	const char *task;
	const char *source;
	const char *target;
	List	   *features;		/* of char * */
	List	   *feature_exprs;	/* for each feature its stored expression or
								 * NULL; NIL when no feature has one */
	List	   *impute_values;	/* for each feature the text of the value
								 * that replaces a NULL; NIL when NULLs are
								 * skipped */
	List	   *encodings;		/* for each feature its levels (List of char
								 * *) or NIL; NIL when none is categorical */
	List	   *group_by;		/* of char *, NIL when ungrouped */
	const char *weight;
	List	   *classes;		/* of char *: a classifier's labels in sort
								 * order; NIL for other models */
	const char *params_json;
	const char *metrics_json;
	int64		n_rows;
	int64		n_skipped;
	double		train_seconds;
	bool		deploy;
	int64		deployed_parent;	/* learn.update of a name's deployed
									 * version: its id, which must still be
									 * the deployed one when the name is
									 * locked (40001 otherwise); else 0 */
} ModelRecord;

/*
 * Error (55000) unless the catalog has relation learn.<relname>, which came
 * with version `version` of the extension: `what` waits for ALTER
 * EXTENSION pg_learn UPDATE.
 */
extern void catalog_require_relation(const char *relname, const char *version,
									 const char *what);

/* Error unless the current role may add a version under this name. */
extern void catalog_require_column(const char *relname, const char *column,
								   const char *version, const char *what);
extern void catalog_check_name_owner(const char *name);
extern void catalog_require_writable(const char *function);

/* Whether the catalog has relation learn.<relname> (a later version's). */
extern bool catalog_has_relation(const char *relname);

/*
 * A model version as learn.update reads it: what the new version keeps of
 * it.  params is the stored params without their lineage
 * (imported_from, updated_from).
 */
typedef struct ParentModel
{
	int64		id;
	char	   *name;
	int			version;
	char	   *algorithm;
	char	   *target;
	char	   *weight;
	List	   *features;		/* of char * */
	List	   *feature_exprs;	/* of char * or NULL; NIL when none */
	List	   *impute_values;	/* NIL when NULLs are skipped */
	List	   *group_by;		/* NIL when ungrouped */
	List	   *encodings;		/* as ModelRecord's */
	Jsonb	   *params;
	bool		has_states;		/* learn.states has its groups */
} ParentModel;

/*
 * Read model version id for learn.update, after checking that the current
 * role may add versions to its name (42501).
 */
extern void catalog_read_parent(int64 id, ParentModel *parent);

/* One group of a model: a row of learn.groups when the model is grouped. */
typedef struct GroupRecord
{
	const char *key_text;		/* the key's text form; NULL when ungrouped */
	int64		n_rows;
	int64		n_skipped;
	const char *reason;			/* why it was not fitted; NULL when fitted */
	const char *metrics_json;	/* the group's metrics; NULL when not fitted */
	LearnTerm  *terms;			/* its terms, nterms of them */
	int			nterms;
	bytea	   *state;			/* its final state, for learn.states; NULL
								 * when the model keeps none */
} GroupRecord;

/*
 * The groups to store, one at a time: fills *rec and returns true, or
 * returns false after the last.  What it points to need only last until
 * the next call, so a caller can keep one group in memory at a time.
 */
typedef bool (*GroupSource) (void *arg, GroupRecord *rec);

/*
 * Store the model row, then its groups (rows of learn.groups when
 * m->group_by is set) and their terms from next(arg), in batches.  Returns
 * the stored learn.models row (labelled with its row type), allocated in
 * the caller's context.
 */
extern Datum catalog_store_model(ModelRecord *m, GroupSource next, void *arg);

/*
 * The held-out rows' metrics of a model version just stored, in the same
 * training transaction: test_json becomes learn.models.metrics' "test",
 * and each group's from next(arg) (key text and metrics JSON, until it
 * returns false; next may be NULL) its learn.groups.metrics' "test".
 * Returns the updated learn.models row, as catalog_store_model does.
 */
typedef bool (*TestMetricsSource) (void *arg, const char **key_text,
								   const char **metrics_json);
extern Datum catalog_store_test_metrics(int64 model_id, const char *test_json,
										TestMetricsSource next, void *arg);

/*
 * The export document (jsonb, format version format_version) of model
 * version id; transfer.c describes the format.
 */
extern Datum catalog_export_document(int64 id, int format_version);

/* The learn.models row of model version id, labelled with its row type. */
extern Datum catalog_model_row(int64 id);

/*
 * A model version parsed for scoring.  Its groups load on demand: one at a
 * time as rows of them come (catalog_load_group), or all at once
 * (catalog_load_all_groups); see predict.c for when.
 */
typedef struct ScoringGroup
{
	char	   *key;			/* group values joined by key_append; first,
								 * as key_table_create wants */
	void	   *data;			/* the group's terms as the family loaded them,
								 * NULL when the model has no such group */
} ScoringGroup;

typedef struct ScoringModel
{
	int64		id;
	TimestampTz trained_at;		/* with models_relid: which model id means */
	Oid			models_relid;	/* learn.models when the version was loaded */
	MemoryContext mcxt;			/* holds everything below */
	char	   *name;
	int			version;
	const LearnFamily *family;	/* by learn.models.algorithm */
	void	   *model_data;		/* family->model_load's, or NULL */
	bool		classifier;		/* task 'classification' */
	bool		intercept;		/* params.intercept: the first level of a
								 * categorical feature has no term */
	int			nclasses;
	char	  **classes;		/* learn.models.classes */
	double	   *class_values;	/* each as a number (false 0, true 1), NaN
								 * when a label is not one */
	int			nfeatures;
	char	  **features;
	char	  **feature_exprs;	/* each feature's expression or NULL; NULL
								 * when none has one */
	double	   *impute;			/* impute "mean": each feature's value for a
								 * NULL (a category: its level's index);
								 * NULL when NULLs give NULL */
	int			nx;				/* the terms' width: nfeatures, with each
								 * categorical feature's levels expanded */
	int		   *xpos;			/* each feature's first place in x */
	struct LevelTable **levels; /* each feature's levels (NULL: numeric);
								 * NULL when none is categorical */
	int			ngroupcols;
	char	  **group_by;
	ScoringGroup *single;		/* the group of an ungrouped model */
	MemoryContext groups_cxt;	/* child of mcxt: groups and their table */
	struct HTAB *groups;		/* key -> ScoringGroup, as loaded so far */
	bool		complete;		/* every group is loaded: a missing key is
								 * no group of the model */
	int64		nloaded;		/* groups (and absent keys) in groups */
	int64		nlazy;			/* of those, loaded one by one */
} ScoringModel;

/*
 * Model id of 'name' (deployed version) or 'name@N'; errors when unknown.
 * *trained_at (may be NULL) gets the version's learn.models.trained_at.
 */
extern int64 catalog_resolve_model(const char *spec, TimestampTz *trained_at);

/* The same, but 0 when the reference is malformed or unknown. */
extern int64 catalog_lookup_model(const char *spec, TimestampTz *trained_at);

/* OID of learn.models. */
extern Oid	catalog_models_relid(void);

/*
 * Tell every backend that which version a name means may have changed:
 * plans that scoring's support function specialized for a version depend
 * on learn.models and are re-planned.
 */
extern void catalog_models_changed(void);

/*
 * Load model version id: its row, and every group when it is ungrouped.
 * The model lives in a new memory context, a child of the caller's
 * current one until the caller adopts it (MemoryContextSetParent), so an
 * error while loading leaves nothing behind.
 */
extern ScoringModel *catalog_load_scoring(int64 id);

/* A loaded group (or absent key) of a model, NULL when not loaded yet. */
extern ScoringGroup *catalog_find_group(ScoringModel *sm, const char *key);

/*
 * Load one group, given its key and the group values it joins (NULL for
 * SQL NULL).  Returns the entry, whose data is NULL when the model has no
 * such group.
 */
extern ScoringGroup *catalog_load_group(ScoringModel *sm, const char *key,
										char *const *values);

/* Load every group of a model (checks for interrupts as it goes). */
extern void catalog_load_all_groups(ScoringModel *sm);

#endif							/* PG_LEARN_CATALOG_H */
