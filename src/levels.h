/*-------------------------------------------------------------------------
 * levels.h
 *	  The levels of a categorical feature, found by the text of a value:
 *	  the aggregates (state/trans.c) and scoring (predict.c) turn a value
 *	  into the index of its level with the same table.
 *
 * A value's text is what `value::text` gives (for character(n): without
 * its trailing blanks), so training and scoring agree on every type.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_LEVELS_H
#define PG_LEARN_LEVELS_H

#include "pg_learn.h"

typedef struct LevelTable LevelTable;

/* A table of n levels (distinct texts), allocated in mcxt. */
extern LevelTable *levels_create(char *const *levels, const int *lens, int n,
								 MemoryContext mcxt);

/*
 * The index of the level with this text, added as the last level when the
 * table has none (*added says so); the table grows in the memory context
 * it was made in.
 */
extern int	levels_add(LevelTable *t, const char *s, int len, bool *added);

/* The number of levels. */
extern int	levels_count(const LevelTable *t);

/* The text of level i. */
extern const char *levels_text(const LevelTable *t, int i);

/* The length of the text of level i. */
extern int	levels_len(const LevelTable *t, int i);

/* The index (0-based) of the level with this text, or -1. */
extern int	levels_find(const LevelTable *t, const char *s, int len);

/* The level index of a datum of type typid, as its text, or -1. */
extern int	levels_find_datum(const LevelTable *t, Datum d, Oid typid, FmgrInfo *out);

#endif							/* PG_LEARN_LEVELS_H */
