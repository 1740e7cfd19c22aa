/*-------------------------------------------------------------------------
 * state/groups.h
 *	  Groups kept by an aggregate itself: one ungrouped aggregate whose
 *	  state holds a state per value of its group key arguments, in a hash
 *	  table of its own, instead of a GROUP BY of the aggregate.
 *
 * A training of many groups spent most of its pass in PostgreSQL's hash
 * aggregation (a lookup, a slot and a call per row and group) and in the
 * sort of its groups by key; the aggregate alone cost a third of that.
 * The table here hashes the key arguments with their types' hash functions
 * under their collations (the equality a GROUP BY uses), and keeps the
 * states in one memory context.  It holds at most hash_mem (work_mem times
 * hash_mem_multiplier, what a hash aggregate keeps in memory), and the
 * driver then reads the groups with GROUP BY, which spills to disk.
 * Beyond hash_mem a serial scan errors (GROUP_TABLE_FULL, 54000), which
 * ends it there (the driver catches the error); in a parallel plan the
 * table stops: it frees its states and ignores further rows.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_STATE_GROUPS_H
#define PG_LEARN_STATE_GROUPS_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/elog.h"

#include "keys.h"

/* The message of the error of a table that outgrew hash_mem */
#define GROUP_TABLE_FULL "the groups take more memory than hash_mem allows"

typedef struct GroupTable GroupTable;

/* Whether values of typid can key a table: a hash function and an equality */
extern bool group_key_hashable(Oid typid);

/*
 * A table for the nkeys group key arguments from argument first of the
 * aggregate call fcinfo (their types must have a hash function and an
 * equality), in mcxt.
 */
extern GroupTable *group_table_create(FunctionCallInfo fcinfo, int first, int nkeys,
									  MemoryContext mcxt);

/* A table for keys of these types and collations (which must hash). */
extern GroupTable *group_table_create_typed(int nkeys, const Oid *typids,
											const Oid *collations, MemoryContext mcxt);

/*
 * The slot of the state of the group of the key values keys (a new one
 * holding NULL when the group is new: its state is the caller's to make,
 * in group_table_context); NULL once the table stopped.
 */
extern void **group_table_find(GroupTable *gt, const NullableDatum *keys);

/*
 * The state of the group of the key values keys, NULL when the table has
 * no such group (nothing is added).
 */
extern void *group_table_lookup(GroupTable *gt, const NullableDatum *keys);

/*
 * A table that never stops, whatever hash_mem: its caller bounds what it
 * holds (a pass parameter's groups, decoded from one bytea).
 */
extern void group_table_unbounded(GroupTable *gt);

/*
 * Groups given by their lookup keys (keys.h), as a pass parameter and the
 * driver's carries hold them: next(arg, &state) gives each key and its
 * state, NULL after the last.  Each key's values are read back by readers
 * (one per key column, under the settings of key_text when they need
 * them) and its group added to gt with that state; a key whose text does
 * not read back is left out.  Stops at a key that is not one value per
 * column (GROUP_KEYS_MALFORMED) or whose values are those of a key before
 * it (GROUP_KEYS_EQUAL).
 */
typedef enum GroupKeysResult
{
	GROUP_KEYS_ADDED,
	GROUP_KEYS_MALFORMED,
	GROUP_KEYS_EQUAL
} GroupKeysResult;

extern GroupKeysResult group_table_add_keys(GroupTable *gt, KeyReader *readers,
											const char *(*next) (void *arg, void **state),
											void *arg);

/* An empty table of the same keys as src, in mcxt. */
extern GroupTable *group_table_create_like(GroupTable *src, MemoryContext mcxt);

/* Where the groups' states are to live. */
extern MemoryContext group_table_context(GroupTable *gt);

/*
 * When the table's memory exceeds its limit (checked as it grows, every
 * GROUP_CHECK_ROWS rows and after a merge): error (GROUP_TABLE_FULL) in a
 * serial plan, else stop: the states are freed, and the table stopped.
 */
extern bool group_table_check_memory(GroupTable *gt);

extern bool group_table_stopped(GroupTable *gt);

/* Whether edata is that error. */
extern bool group_table_full_error(const ErrorData *edata);

/* The number of groups, and the state of the i-th (in no order). */
extern int	group_table_count(GroupTable *gt);
extern void *group_table_state(GroupTable *gt, int i);

/*
 * Merge src into dst: each group of src found in dst (by its keys) goes
 * to merge(dst's state, src's state), a new one to copy(src's state), made
 * in dst's context.
 */
extern void group_table_merge(GroupTable *dst, GroupTable *src,
							  void (*merge) (void *dst, void *src),
							  void *(*copy) (void *src));

/*
 * The table to another process of the same query (a parallel worker's
 * to the leader): the key types, then each group's keys in binary and its
 * state as serialize writes it.  read gives each state back.
 */
extern void group_table_serialize(GroupTable *gt, StringInfo buf,
								  bytea *(*serialize) (void *state));
extern GroupTable *group_table_deserialize(StringInfo buf, MemoryContext mcxt,
										   void *(*read) (bytea *b));

/*
 * The result for the training: the number of key columns, whether the
 * table stopped, the number of groups, then each group's key (for each
 * value a byte, 1 for NULL, else 0 and the length and bytes of its
 * canonical text, keys.h) and its state (length and bytes, as serialize
 * writes it).  A group whose serialize returns NULL is left out.
 */
extern void group_table_result(GroupTable *gt, StringInfo buf,
							   bytea *(*serialize) (void *state));

/*
 * A table as a bytea of its own kind: the state's version and kind byte,
 * then what write (group_table_serialize or group_table_result) writes,
 * each state as each writes it.
 */
extern bytea *group_table_bytea(GroupTable *gt, char version, char kind,
								void (*write) (GroupTable *, StringInfo,
											   bytea *(*) (void *)),
								bytea *(*each) (void *));

/*
 * The table of a bytea of group_table_serialize's (read by read), in
 * mcxt; NULL when b does not begin with version and kind.
 */
extern GroupTable *group_table_from_bytea(bytea *b, char version, char kind,
										  MemoryContext mcxt, void *(*read) (bytea *b));

#endif							/* PG_LEARN_STATE_GROUPS_H */
