/*-------------------------------------------------------------------------
 * pg_learn.h
 *	  Limits and GUCs every pg_learn source file shares.
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

/*
 * Catalog rows written at once (catalog.c): as COPY's buffers, small
 * enough that a batch's memory is reused, not given back and faulted in
 * again for the next.
 */
#define LEARN_CATALOG_BATCH_ROWS 1000

/* Rows a sandwich-meat state buffers before a level-3 update (lsq.c). */
#define LEARN_BLOCK_ROWS 1024

/*
 * Rows a least-squares state folds at once, at most: a block of 12
 * columns (10 features) is 24 kB and stays in the L1 cache while the fold
 * goes over its columns.
 */
#define LEARN_FOLD_ROWS 256

/*
 * First buffer size of a state; it stays so until the state has
 * LEARN_SMALL_STATE_ROWS rows, then doubles up to LEARN_FOLD_ROWS.
 */
#define LEARN_FIRST_BLOCK_ROWS 8
#define LEARN_SMALL_STATE_ROWS 256

/* Rows a narrow state folds one at a time before it buffers (lsq.c). */
#define LEARN_ROW_FOLD_ROWS 16

/* R's lm tolerance for declaring a column aliased (dqrdc2). */
#define LEARN_ALIAS_TOL 1e-7

/* The most levels a categorical feature may have (param max_levels). */
#define LEARN_MAX_LEVELS 100000

/* The largest seed of the held-out split (param seed). */
#define LEARN_MAX_SEED PG_INT32_MAX

/* The most terms (columns of a state) a model may have. */
#define LEARN_MAX_TERMS LEARN_MAX_FEATURES

/* GUC learn.model_cache_size: model versions kept parsed per backend. */
extern int	learn_model_cache_size;

/* learn.max_group_memory (kB): what a training keeps between passes. */
extern int	learn_max_group_memory;

#endif							/* PG_LEARN_H */
