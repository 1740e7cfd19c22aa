/*-------------------------------------------------------------------------
 * compat.h
 *	  Differences between the PostgreSQL versions pg_learn builds against.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_COMPAT_H
#define PG_LEARN_COMPAT_H

#include "nodes/makefuncs.h"

#if PG_VERSION_NUM < 150000
#error "pg_learn needs PostgreSQL 15 or later"
#endif

#if PG_VERSION_NUM >= 160000
#define learn_has_privs_of_role(member, role) has_privs_of_role(member, role)
#else
#define learn_has_privs_of_role(member, role) has_privs_of_role(member, role)
#endif

/*
 * stringToQualifiedNameList: PostgreSQL 16 added a soft-error context;
 * without one (NULL) a bad name still raises the ERROR it always did.
 */
#if PG_VERSION_NUM >= 160000
#define learn_qualified_name_list(string) stringToQualifiedNameList(string, NULL)
#else
#define learn_qualified_name_list(string) stringToQualifiedNameList(string)
#endif

/*
 * A set-returning function's result as a tuplestore (funcapi.h):
 * PostgreSQL 16 renamed SetSingleFuncCall.
 */
#if PG_VERSION_NUM >= 160000
#define learn_init_materialized_srf(fcinfo) InitMaterializedSRF(fcinfo, 0)
#else
#define learn_init_materialized_srf(fcinfo) SetSingleFuncCall(fcinfo, 0)
#endif

/*
 * A Var for column attnum of the relation whose whole-row Var is row, for
 * a planner rewrite that replaces row by its columns.  PostgreSQL 18 marks
 * Vars in RETURNING lists as OLD or NEW (varreturningtype); a column must
 * read the same version of the row as the row it stands for.  (Outer-join
 * nulling, varnullingrels since 16, is the caller's to copy.)
 */
static inline Var *
learn_make_column_var(const Var *row, AttrNumber attnum, Oid typid, int32 typmod,
					  Oid collid)
{
	Var		   *col = makeVar(row->varno, attnum, typid, typmod, collid, 0);

#if PG_VERSION_NUM >= 180000
	col->varreturningtype = row->varreturningtype;
#endif
	return col;
}

/* An index scan: PostgreSQL 18 added its instrumentation (NULL: none). */
#if PG_VERSION_NUM >= 180000
#define learn_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan(heap, index, snapshot, NULL, nkeys, 0)
#else
#define learn_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan(heap, index, snapshot, nkeys, 0)
#endif

#endif							/* PG_LEARN_COMPAT_H */
