/*-------------------------------------------------------------------------
 * evaluate.h
 *	  learn.evaluate and learn.train's held-out rows (params test_fraction
 *	  and seed), in evaluate.c.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_EVALUATE_H
#define PG_LEARN_EVALUATE_H

#include "pg_learn.h"

#include "nodes/pg_list.h"

#include "family.h"

/*
 * The FROM item of a source text (a relation name or a single SELECT
 * that locks no rows), aliased s; parsed with the caller's search_path
 * (train.c).
 */
extern char *learn_source_from_item(const char *src);
extern char *learn_label_type_sql(Oid typid);

/* A training's split of its source into training and held-out rows. */
typedef struct LearnSplit LearnSplit;

/*
 * When params.test_fraction is above 0: *filter becomes the condition (on
 * the columns of from, aliased s) that the training rows meet and the
 * held-out rows do not, and the split is returned for learn_split_finish;
 * NULL otherwise (nothing changes).  A row is held out by a hash of the
 * values of the columns the model uses, in this order: target, weight,
 * group_by, features.
 */
extern LearnSplit *learn_split_begin(const LearnParams *params, const char *from,
									 const char *target, const char *weight,
									 List *group_by, List *features, char **filter);

/*
 * After the model is stored (model_row, as catalog_store_model returned
 * it): its metrics on the held-out rows, stored as metrics.test (and each
 * group's); returns the updated row.
 */
extern Datum learn_split_finish(LearnSplit *split, Datum model_row);

#endif							/* PG_LEARN_EVALUATE_H */
