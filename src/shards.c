/*-------------------------------------------------------------------------
 * shards.c
 *	  A source spread over postgres_fdw shards.  postgres_fdw sends a whole
 *	  aggregate of one foreign table to its server when every function in
 *	  it belongs to an extension listed in the server's "extensions"
 *	  option, but it never sends the partial aggregates of the partitions a
 *	  partitioned table's aggregate is made of.  So learn.train reads such
 *	  a source one relation at a time: this file says which relations, and
 *	  warns about servers that would send their rows instead.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "foreign/foreign.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/varlena.h"

#include "shards.h"

/* The handler of postgres_fdw, by which its servers are known. */
#define POSTGRES_FDW_HANDLER "postgres_fdw_handler"

/* Whether a server's "extensions" option lists pg_learn. */
static bool
server_lists_pg_learn(ForeignServer *server)
{
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *def = lfirst(lc);
		List	   *names;
		ListCell   *lc2;

		if (strcmp(def->defname, "extensions") != 0)
			continue;
		/* as postgres_fdw reads it: identifiers separated by commas */
		if (!SplitIdentifierString(pstrdup(defGetString(def)), ',', &names))
			return false;
		foreach(lc2, names)
			if (strcmp((char *) lfirst(lc2), "pg_learn") == 0)
				return true;
	}
	return false;
}

/* A NOTICE when a postgres_fdw foreign table's rows would be pulled. */
static void
check_foreign_table(Oid relid)
{
	ForeignServer *server = GetForeignServer(GetForeignTable(relid)->serverid);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	char	   *handler = OidIsValid(fdw->fdwhandler) ? get_func_name(fdw->fdwhandler) : NULL;

	if (handler == NULL || strcmp(handler, POSTGRES_FDW_HANDLER) != 0)
		return;
	if (server_lists_pg_learn(server))
		return;
	ereport(NOTICE,
			(errmsg("the rows of foreign table \"%s\" are read here: server \"%s\" does not list pg_learn in its \"extensions\" option",
					get_rel_name(relid), server->servername),
			 errdetail("postgres_fdw sends a server only the functions of the extensions listed there, so this table's training aggregate runs on this server."),
			 errhint("Install pg_learn in the server's database and run ALTER SERVER %s OPTIONS (ADD extensions 'pg_learn') (SET when the option exists).",
					 quote_identifier(server->servername))));
}

List *
learn_shard_relations(Oid relid)
{
	char		relkind = get_rel_relkind(relid);
	List	   *all;
	List	   *leaves = NIL;
	bool		any_foreign = false;
	ListCell   *lc;

	if (relkind == RELKIND_FOREIGN_TABLE)
	{
		/* with children, ONLY would leave them out */
		if (has_subclass(relid) || check_enable_rls(relid, InvalidOid, true) != RLS_NONE)
			return NIL;
		check_foreign_table(relid);
		return list_make1_oid(relid);
	}
	if (relkind != RELKIND_PARTITIONED_TABLE)
		return NIL;

	/*
	 * Read through the partitioned table, a partition shows the rows the
	 * table's row-level security lets through, to a role that needs no
	 * privilege on the partition: read directly, it would apply its own
	 * policies and privileges.  Only when both ways agree is it read so.
	 */
	if (check_enable_rls(relid, InvalidOid, true) != RLS_NONE)
		return NIL;
	all = find_all_inheritors(relid, AccessShareLock, NULL);
	foreach(lc, all)
	{
		Oid			leaf = lfirst_oid(lc);
		char		kind = get_rel_relkind(leaf);

		if (kind == RELKIND_PARTITIONED_TABLE)
			continue;
		if (check_enable_rls(leaf, InvalidOid, true) != RLS_NONE)
			return NIL;
		if (pg_class_aclcheck(leaf, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		{
			ereport(NOTICE,
					(errmsg("partitioned table \"%s\" is read as a whole: the current role may not read its partition \"%s\" directly",
							get_rel_name(relid), get_rel_name(leaf)),
					 errdetail("Training reads each partition on its own, so that postgres_fdw sends each foreign partition's aggregate to its server."),
					 errhint("GRANT SELECT ON %s to the role that trains.",
							 quote_qualified_identifier(get_namespace_name(get_rel_namespace(leaf)),
														get_rel_name(leaf)))));
			return NIL;
		}
		if (kind == RELKIND_FOREIGN_TABLE)
			any_foreign = true;
		leaves = lappend_oid(leaves, leaf);
	}
	if (!any_foreign)
		return NIL;
	foreach(lc, leaves)
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
			check_foreign_table(lfirst_oid(lc));
	return leaves;
}
