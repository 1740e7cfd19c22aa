/*-------------------------------------------------------------------------
 * shards.h
 *	  A source spread over postgres_fdw shards: which relations learn.train
 *	  reads one by one so that postgres_fdw sends each one's pass-1
 *	  aggregate to its server (train.c merges their states).
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_SHARDS_H
#define PG_LEARN_SHARDS_H

#include "pg_learn.h"

#include "nodes/pg_list.h"

/*
 * The relations (Oids) pass 1 reads one by one, each with ONLY, for a
 * source relation relid: the leaf partitions of a partitioned table of
 * which at least one is a foreign table, or a foreign table that has no
 * children.  NIL when the source is read as a whole: any other relation,
 * or one whose row-level security or privileges reading its partitions
 * directly would not honour the same way.  A NOTICE names each foreign
 * table of a postgres_fdw server whose "extensions" option does not list
 * pg_learn: its rows are read as they are, and its state computed here.
 */
extern List *learn_shard_relations(Oid relid);

#endif							/* PG_LEARN_SHARDS_H */
