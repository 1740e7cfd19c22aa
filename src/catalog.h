/*-------------------------------------------------------------------------
 * catalog.h
 *	  Reading and writing the learn.* catalog tables (the only place that
 *	  does).
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_CATALOG_H
#define PG_LEARN_CATALOG_H

#include "pg_learn.h"

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
	List	   *group_by;		/* of char *, NIL when ungrouped */
	const char *weight;
	const char *params_json;
	const char *metrics_json;
	int64		n_rows;
	int64		n_skipped;
	double		train_seconds;
	bool		deploy;
} ModelRecord;

/* Error unless the current role may add a version under this name. */
extern void catalog_check_name_owner(const char *name);

/* One group of a model: a row of learn.groups when the model is grouped. */
typedef struct GroupRecord
{
	Datum		key;			/* text[] datum; (Datum) 0 when ungrouped */
	const char *key_text;		/* its text form; NULL when ungrouped */
	int64		n_rows;
	int64		n_skipped;
	const char *reason;			/* why it was not fitted; NULL when fitted */
	const char *metrics_json;	/* the group's metrics; NULL when not fitted */
	LearnTerm  *terms;			/* its terms, nterms of them */
	int			nterms;
} GroupRecord;

/*
 * Store the model row, its groups (rows of learn.groups when m->group_by is
 * set) and their terms, in batches.  Returns the stored learn.models row
 * (labelled with its row type), allocated in the caller's context.
 */
extern Datum catalog_store_model(ModelRecord *m, int ngroups, GroupRecord *groups);

/* A model version parsed for scoring. */
typedef struct ScoringGroup
{
	char	   *key;			/* group values joined by key_append */
	void	   *data;			/* the group's terms as the family loaded them */
} ScoringGroup;

typedef struct ScoringModel
{
	int64		id;
	char	   *name;
	int			version;
	const LearnFamily *family;	/* by learn.models.algorithm */
	int			nfeatures;
	char	  **features;
	int			ngroupcols;
	char	  **group_by;
	int			ngroups;		/* 1 when ungrouped */
	ScoringGroup *groups;		/* sorted by key */
} ScoringModel;


/* Model id of 'name' (deployed version) or 'name@N'; errors when unknown. */
extern int64 catalog_resolve_model(const char *spec);

/* The same, but 0 when the reference is malformed or unknown. */
extern int64 catalog_lookup_model(const char *spec);

/* OID of learn.models. */
extern Oid	catalog_models_relid(void);

/*
 * Tell every backend that which version a name means may have changed:
 * plans that scoring's support function specialized for a version depend
 * on learn.models and are re-planned.
 */
extern void catalog_models_changed(void);

/* Load model version id into mcxt. */
extern ScoringModel *catalog_load_scoring(int64 id, MemoryContext mcxt);

#endif							/* PG_LEARN_CATALOG_H */
