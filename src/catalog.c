/*-------------------------------------------------------------------------
 * catalog.c
 *	  The only code that reads or writes the learn.* catalog tables.
 *
 * Statements go through SPI with values passed as parameters, never
 * pasted into SQL text; the lookups every call makes read rows by an
 * index directly (index_read_begin).  Writes happen in the caller's transaction, so a
 * failed or cancelled training leaves nothing behind.  Nobody else may
 * write the tables: after checking that the caller owns the model name,
 * the writes run as the catalog's owner (as_catalog_owner), so a stored
 * version is never changed in place.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "access/genam.h"
#include "access/heapam.h"
#include "catalog/index.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "executor/tuptable.h"
#include "catalog/namespace.h"
#include "storage/lmgr.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "funcapi.h"
#include "catalog/pg_class.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "tcop/utility.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "levels.h"
#include "keys.h"

/*
 * Every catalog query runs with search_path = pg_catalog, pg_temp: the
 * caller's search_path must not decide which "=" or function the
 * catalog's SQL calls, least of all while it runs as the catalog's owner.
 * Returns the GUC nest level to give catalog_spi_end.
 */
static int
catalog_spi_begin(void)
{
	int			nest;

	SPI_connect();
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	return nest;
}

static void
catalog_spi_end(int nest)
{
	AtEOXact_GUC(true, nest);
	SPI_finish();
}

static void
spi_check(int ret, int expected, const char *what)
{
	if (ret != expected)
		elog(ERROR, "pg_learn: %s failed: %s", what, SPI_result_code_string(ret));
}

/* ---------------------------------------------------------------------
 * Rows read by an index, without SPI
 * ---------------------------------------------------------------------
 *
 * The lookups that every call makes (a model reference, the owner of a
 * version, the parent of an update, its states) read rows by an index of
 * the learn.* tables.  Through SPI, parsing and planning them cost more
 * than reading the rows, and their plans cannot be kept: every deploy
 * invalidates learn.models' relcache entry, which is how other sessions
 * learn of it, and with it every plan that reads the table.  So they scan
 * the index directly, as PostgreSQL reads its own catalogs, under the
 * calling statement's snapshot: what SPI's read-only statements see.
 * The tables are readable by every role and have no row level security,
 * so reading them so shows a caller nothing it could not select.  Writes
 * and everything else go through SPI.
 */
typedef struct IndexRead
{
	Relation	rel;
	Relation	irel;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
} IndexRead;

/*
 * Begin reading learn.<table> by its B-tree index learn.<index>: the rows
 * whose first nkeys index columns equal keys, in the index's order.  The
 * table and index are opened as a query would, with AccessShareLock until
 * the transaction ends.  (An index scan of its own, not
 * systable_beginscan, which reads the heap instead under
 * ignore_system_indexes, where a partial index's predicate and the
 * index's order would not hold.)
 */
static void
index_read_begin(IndexRead *r, const char *table, const char *index,
				 int nkeys, const Datum *keys)
{
	Oid			nsp = get_namespace_oid("learn", false);
	Oid			relid = get_relname_relid(table, nsp);
	Oid			indexid = get_relname_relid(index, nsp);
	ScanKeyData sk[INDEX_MAX_KEYS];

	if (!OidIsValid(relid) || !OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_learn's catalog has no %s learn.%s",
						OidIsValid(relid) ? "index" : "table",
						OidIsValid(relid) ? index : table),
				 errhint("Run ALTER EXTENSION pg_learn UPDATE, or reinstall the extension.")));
	r->rel = table_open(relid, AccessShareLock);
	r->irel = index_open(indexid, AccessShareLock);
	if (r->irel->rd_index->indrelid != relid ||
		r->irel->rd_rel->relam != BTREE_AM_OID ||
		nkeys > IndexRelationGetNumberOfKeyAttributes(r->irel))
		elog(ERROR, "pg_learn: index learn.%s is not the one expected", index);
	for (int i = 0; i < nkeys; i++)
	{
		Oid			type = r->irel->rd_opcintype[i];
		Oid			eq = get_opfamily_member(r->irel->rd_opfamily[i], type, type,
											 BTEqualStrategyNumber);

		if (!OidIsValid(eq))
			elog(ERROR, "pg_learn: index learn.%s has no equality for column %d",
				 index, i + 1);
		ScanKeyEntryInitialize(&sk[i], 0, i + 1, BTEqualStrategyNumber, type,
							   r->irel->rd_indcollation[i], get_opcode(eq), keys[i]);
	}
	r->snapshot = RegisterSnapshot(ActiveSnapshotSet() ? GetActiveSnapshot() :
								   GetTransactionSnapshot());
	r->scan = learn_index_beginscan(r->rel, r->irel, r->snapshot, nkeys);
	index_rescan(r->scan, sk, nkeys, NULL, 0);
	r->slot = table_slot_create(r->rel, NULL);
}

/* The next row, a copy in the current memory context; NULL after the last. */
static HeapTuple
index_read_next(IndexRead *r)
{
	if (!index_getnext_slot(r->scan, ForwardScanDirection, r->slot))
		return NULL;
	return ExecCopySlotHeapTuple(r->slot);
}

static void
index_read_end(IndexRead *r)
{
	ExecDropSingleTupleTableSlot(r->slot);
	index_endscan(r->scan);
	UnregisterSnapshot(r->snapshot);
	index_close(r->irel, NoLock);
	table_close(r->rel, NoLock);
}

/*
 * The first row of learn.<table> with these keys (a copy), or NULL; *desc
 * the table's row type (with its columns' defaults for rows older than a
 * column).
 */
static HeapTuple
index_read_row(const char *table, const char *index, int nkeys,
			   const Datum *keys, TupleDesc *desc)
{
	IndexRead	r;
	HeapTuple	tup;

	index_read_begin(&r, table, index, nkeys, keys);
	tup = index_read_next(&r);
	*desc = CreateTupleDescCopyConstr(RelationGetDescr(r.rel));
	index_read_end(&r);
	return tup;
}

/* Whether learn.<table> has a row with these keys. */
static bool
index_read_exists(const char *table, const char *index, int nkeys, const Datum *keys)
{
	IndexRead	r;
	bool		found;

	index_read_begin(&r, table, index, nkeys, keys);
	found = index_getnext_slot(r.scan, ForwardScanDirection, r.slot);
	index_read_end(&r);
	return found;
}

/* The attribute number of column col of a catalog table. */
static int
row_attnum(TupleDesc desc, const char *col)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), col) == 0)
			return i + 1;
	}
	elog(ERROR, "pg_learn: the catalog has no column \"%s\"", col);
	return 0;
}

/* Column col of a row read so; *isnull says whether it is NULL. */
static Datum
row_value(HeapTuple tup, TupleDesc desc, const char *col, bool *isnull)
{
	return heap_getattr(tup, row_attnum(desc, col), desc, isnull);
}

/* A text or name column as a palloc'd string; NULL when NULL. */
static char *
row_text(HeapTuple tup, TupleDesc desc, const char *col)
{
	int			attnum = row_attnum(desc, col);
	bool		isnull;
	Datum		d = heap_getattr(tup, attnum, desc, &isnull);

	if (isnull)
		return NULL;
	if (TupleDescAttr(desc, attnum - 1)->atttypid == NAMEOID)
		return pstrdup(NameStr(*DatumGetName(d)));
	return TextDatumGetCString(d);
}

static Datum
text_array_from_list(List *l)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(list_length(l), 1));
	int			i = 0;
	ListCell   *lc;

	bool	   *nulls = palloc0(sizeof(bool) * Max(list_length(l), 1));
	int			dims[1] = {list_length(l)};
	int			lbs[1] = {1};

	foreach(lc, l)
	{
		nulls[i] = lfirst(lc) == NULL;
		d[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum((char *) lfirst(lc));
		i++;
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, TEXTOID, -1, false,
											  TYPALIGN_INT));
}

/*
 * Whether caller may change the models of a name owned by role owner: a
 * member of the owning role, or a superuser (who may also manage the
 * models of a role that was dropped).
 */
static bool
owner_allows(Oid caller, const char *owner)
{
	Oid			role;

	if (superuser_arg(caller))
		return true;
	role = get_role_oid(owner, true);
	return OidIsValid(role) && learn_has_privs_of_role(caller, role);
}

/*
 * Error unless owner_allows, or owner is NULL (the name is new, anyone may
 * take it).  action says what was refused; hint may be NULL.
 */
static void
check_owner(Oid caller, const char *name, const char *owner,
			const char *action, const char *hint)
{
	if (owner != NULL && !owner_allows(caller, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s model \"%s\"", action, name),
				 errdetail("The model belongs to role \"%s\".", owner),
				 hint ? errhint("%s", hint) : 0));
}

/*
 * Error unless the extension's SQL objects are as new as this library
 * wants for writing the catalog: between installing a new library and
 * ALTER EXTENSION pg_learn UPDATE, models still score, but training,
 * deploying and dropping wait for the update (learn.names came in 0.2).
 */
static void
require_current_catalog(void)
{
	if (!OidIsValid(get_relname_relid("names", get_namespace_oid("learn", false))))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the pg_learn extension in this database is older than its library"),
				 errdetail("Training, deploying and dropping models need version 0.2 of the extension; scoring works meanwhile."),
				 errhint("Run ALTER EXTENSION pg_learn UPDATE.")));
}

bool
catalog_has_relation(const char *relname)
{
	return OidIsValid(get_relname_relid(relname, get_namespace_oid("learn", false)));
}

void
catalog_require_relation(const char *relname, const char *version, const char *what)
{
	catalog_require_column(relname, NULL, version, what);
}

/* The same for a column (or, column NULL, the table) of a later version. */
void
catalog_require_column(const char *relname, const char *column, const char *version,
					   const char *what)
{
	Oid			relid = get_relname_relid(relname, get_namespace_oid("learn", false));

	if (!OidIsValid(relid) ||
		(column != NULL && get_attnum(relid, column) == InvalidAttrNumber))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the pg_learn extension in this database is older than its library"),
				 errdetail("%s needs version %s of the extension; scoring works meanwhile.",
						   what, version),
				 errhint("Run ALTER EXTENSION pg_learn UPDATE.")));
}

/* check_owner for adding a version under a name */
#define check_train_owner(caller, name, owner) \
	check_owner(caller, name, owner, "add a version to", \
				"Choose another name, or train as a member of that role.")

/*
 * Error unless this transaction may write the catalog: not in a read-only
 * transaction, which is what every transaction on a hot standby is.  The
 * writers call it first, so the error names the function the caller ran,
 * not the catalog's INSERT or UPDATE that would fail later, and training
 * refused anyway never scans its source.
 */
void
catalog_require_writable(const char *function)
{
	PreventCommandIfReadOnly(function);
}

/*
 * The owner of a name as the latest committed state has it (NULL when the
 * name is new): an early check, so that a training that would be refused
 * at the end does not scan the data first.  The authoritative check is
 * made again under the name's lock (lock_name).
 */
void
catalog_check_name_owner(const char *name)
{
	int			nest;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	char	   *owner = NULL;
	int			ret;

	require_current_catalog();
	nest = catalog_spi_begin();
	ret = SPI_execute_with_args("SELECT owner::pg_catalog.text FROM learn.names "
								"WHERE name OPERATOR(pg_catalog.=) $1",
								1, argtypes, values, NULL, false, 1);
	spi_check(ret, SPI_OK_SELECT, "reading the owner of a model name");
	if (SPI_processed > 0)
		owner = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	check_train_owner(GetUserId(), name, owner);
	catalog_spi_end(nest);
}

/* Owner of learn.models, who alone may write the catalog. */
static Oid
catalog_owner(void)
{
	Oid			relid = catalog_models_relid();
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Switch to the catalog's owner for the writes that follow; an error rolls
 * the switch back with the (sub)transaction.
 */
typedef struct OwnerSwitch
{
	Oid			userid;
	int			sec_context;
} OwnerSwitch;

static void
as_catalog_owner(OwnerSwitch *sw)
{
	Oid			owner = catalog_owner();

	GetUserIdAndSecContext(&sw->userid, &sw->sec_context);
	SetUserIdAndSecContext(owner, sw->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
}

static void
as_caller(OwnerSwitch *sw)
{
	SetUserIdAndSecContext(sw->userid, sw->sec_context);
}

/*
 * One trainer, deployer or dropper at a time per model name, until the
 * transaction ends: each of them updates the name's row in learn.names,
 * which holds the name's owner and the last version number ever given.
 * Must run as the catalog's owner (as_catalog_owner).
 *
 * The statements run read-write, so each takes a new snapshot after it
 * got the row lock: what another session committed while this one waited
 * (a first version, a new owner, a higher version number) is seen.  Under
 * REPEATABLE READ or SERIALIZABLE the transaction's snapshot cannot see
 * it, and PostgreSQL raises a serialization failure (40001) instead.
 *
 * creator: a new name gets a row owned by this role (NULL: no new
 * names).  A name whose row is missing but which has versions (a catalog
 * restored from a dump of 0.1) gets one made from them.  Returns false
 * when the name has no row; sets *owner (palloc'd) and *last_version
 * otherwise.  With next_version, the same statement also gives the name
 * its next version number, one more than the highest ever given to it
 * (the row's own count, or a higher version of a catalog restored
 * without it), and *last_version is that number: the caller stores that
 * version or fails.
 */
static bool
lock_name(const char *name, Name creator, bool next_version,
		  char **owner, int *last_version)
{
	Oid			types[2] = {TEXTOID, NAMEOID};
	Datum		values[2];
	bool		isnull;
	int			ret;

	values[0] = CStringGetTextDatum(name);
	values[1] = creator ? NameGetDatum(creator) : (Datum) 0;

	/* a name with a row, the usual case: one statement */
	for (int attempt = 0; attempt < 2; attempt++)
	{
		if (next_version)
			ret = SPI_execute_with_args("UPDATE learn.names SET last_version = "
										"pg_catalog.int4larger(last_version, (SELECT COALESCE("
										"pg_catalog.max(m.version), 0) FROM learn.models m "
										"WHERE m.name OPERATOR(pg_catalog.=) $1)) "
										"OPERATOR(pg_catalog.+) 1 "
										"WHERE name OPERATOR(pg_catalog.=) $1 "
										"RETURNING owner::pg_catalog.text, last_version",
										1, types, values, NULL, false, 0);
		else
			ret = SPI_execute_with_args("UPDATE learn.names SET last_version = last_version "
										"WHERE name OPERATOR(pg_catalog.=) $1 "
										"RETURNING owner::pg_catalog.text, last_version",
										1, types, values, NULL, false, 0);
		spi_check(ret, SPI_OK_UPDATE_RETURNING, "locking the model name");
		if (SPI_processed > 0)
		{
			*owner = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
			*last_version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc, 2, &isnull));

			/*
			 * The caller checks the owner next: role memberships granted
			 * or revoked while this waited for the row are seen.
			 */
			AcceptInvalidationMessages();
			return true;
		}
		if (attempt > 0)
			break;

		/*
		 * No row: make one (a concurrent maker of the same name is waited
		 * for, and wins), then lock it as above.
		 */
		ret = SPI_execute_with_args("INSERT INTO learn.names (name, owner, last_version) "
									"SELECT $1, COALESCE("
									"(SELECT m.trained_by FROM learn.models m "
									"WHERE m.name OPERATOR(pg_catalog.=) $1 "
									"ORDER BY m.version LIMIT 1), $2), "
									"COALESCE((SELECT pg_catalog.max(m.version) "
									"FROM learn.models m WHERE m.name OPERATOR(pg_catalog.=) $1), 0) "
									"WHERE $2 IS NOT NULL OR EXISTS (SELECT FROM learn.models m "
									"WHERE m.name OPERATOR(pg_catalog.=) $1) "
									"ON CONFLICT (name) DO NOTHING",
									2, types, values, creator ? NULL : " n", false, 0);
		spi_check(ret, SPI_OK_INSERT, "registering the model name");
	}
	return false;
}

/*
 * The first row of the last RETURNING * on learn.models, copied out of SPI
 * to the caller's context and labelled with the learn.models row type, as
 * train() and deploy() return it.
 */
static Datum
returned_model_row(void)
{
	HeapTupleHeader row = SPI_returntuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);

	HeapTupleHeaderSetTypeId(row, get_rel_type_id(catalog_models_relid()));
	HeapTupleHeaderSetTypMod(row, -1);
	return PointerGetDatum(row);
}


/*
 * Rows are written in batches of up to LEARN_CATALOG_BATCH_ROWS rows, not
 * one statement per row.  A batch's values live in its own memory
 * context, emptied by each flush, so storing a model takes the memory of
 * one batch whatever its size.
 *
 * The rows of a new version (its coefficients, groups, states, levels) go
 * into their tables below the executor, as COPY and PostgreSQL's own
 * catalogs write theirs: table_multi_insert, then each index's entry.  A
 * training of 5,000 groups writes 30,000 rows; through INSERT ... SELECT
 * FROM unnest() they cost more than the training's pass over the data
 * (planning, a tuplestore of the arrays' rows, the text of every key read
 * back as an array).  What the executor would add checks nothing these
 * rows can fail: they are written as the catalog's owner, into tables
 * without row level security or triggers of pg_learn's own, and their
 * foreign key is the model row this transaction inserted.  Their CHECK
 * constraints hold by construction (positions from 0, fitted exactly
 * when there is no reason).  Unique indexes check as they always do.
 * Other statements (the held-out metrics' UPDATE) keep SPI: Batch's sql.
 */
typedef struct Batch
{
	const char *sql;			/* SPI: $1 the model id, $2.. one array per
								 * column; NULL: rows into table */
	const char *what;			/* for errors: "storing coefficients" */
	int64		model_id;
	int			ncols;
	int			nrows;
	int			cap;			/* rows the arrays hold: grows by doubling up
								 * to LEARN_CATALOG_BATCH_ROWS */
	const Oid  *elemtypes;
	int			expected;		/* SPI's result of the statement */
	Datum	  **values;			/* [col][row] */
	bool	  **nulls;
	MemoryContext mcxt;			/* the values, reset by batch_flush */
	MemoryContext parent;		/* the batch's own */

	/* rows into a table */
	const char *table;			/* learn.<table>; NULL: SPI's sql */
	const char *const *columns;
	Relation	rel;			/* opened with the first rows */
	AttrNumber	model_attnum;	/* of model_id */
	AttrNumber *attnum;			/* of each column */
	const char *last_key;		/* the text of the group key read last, */
	Datum		last_key_datum; /* and its text[] (in mcxt) */
} Batch;

static void
batch_alloc(Batch *b, const char *what, int64 model_id, int ncols)
{
	memset(b, 0, sizeof(Batch));
	b->what = what;
	b->model_id = model_id;
	b->ncols = ncols;
	b->expected = SPI_OK_INSERT;

	/*
	 * Small at first: most models have a few rows, and a training that
	 * allocated the whole batch for each table (1.3 MB) spent more time in
	 * the system calls that give that memory back than in its inserts.
	 */
	b->cap = 16;
	b->values = palloc(sizeof(Datum *) * ncols);
	b->nulls = palloc(sizeof(bool *) * ncols);
	for (int c = 0; c < ncols; c++)
	{
		b->values[c] = palloc(sizeof(Datum) * b->cap);
		b->nulls[c] = palloc0(sizeof(bool) * b->cap);
	}
	b->parent = CurrentMemoryContext;
	b->mcxt = AllocSetContextCreate(CurrentMemoryContext, "pg_learn catalog batch",
									ALLOCSET_DEFAULT_SIZES);
}

/* A batch of one SPI statement over arrays of elemtypes. */
static void
batch_init(Batch *b, const char *sql, const char *what, int64 model_id,
		   int ncols, const Oid *elemtypes)
{
	batch_alloc(b, what, model_id, ncols);
	b->sql = sql;
	b->elemtypes = elemtypes;
}

/*
 * A batch of rows into learn.<table>: model_id, then the columns named
 * columns[0..ncols-1] in that order.  The table is opened with the first
 * rows (a catalog from before it was added stores models that have none).
 */
static void
batch_init_table(Batch *b, const char *table, const char *const *columns, int ncols,
				 const char *what, int64 model_id)
{
	batch_alloc(b, what, model_id, ncols);
	b->table = table;
	b->columns = columns;
}

/*
 * Open the batch's table and find its columns.  The table's other
 * columns must allow NULL (this version's tables have none).
 */
static void
batch_open(Batch *b)
{
	Oid			nsp = get_namespace_oid("learn", false);
	Oid			relid = get_relname_relid(b->table, nsp);
	TupleDesc	desc;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_learn's catalog has no table learn.%s", b->table),
				 errhint("Run ALTER EXTENSION pg_learn UPDATE, or reinstall the extension.")));
	b->rel = table_open(relid, RowExclusiveLock);
	if (b->rel->rd_rel->relkind != RELKIND_RELATION || b->rel->rd_rel->relrowsecurity)
		elog(ERROR, "pg_learn: learn.%s is not the table expected", b->table);
	desc = RelationGetDescr(b->rel);
	b->model_attnum = get_attnum(relid, "model_id");
	b->attnum = palloc(sizeof(AttrNumber) * b->ncols);
	for (int c = 0; c < b->ncols; c++)
		b->attnum[c] = get_attnum(relid, b->columns[c]);
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		bool		given = (a + 1 == b->model_attnum);

		for (int c = 0; c < b->ncols; c++)
			given |= (a + 1 == b->attnum[c]);
		if (!att->attisdropped && att->attnotnull && !given)
			elog(ERROR, "pg_learn: learn.%s has a column \"%s\" pg_learn does not fill",
				 b->table, NameStr(att->attname));
	}
	if (b->model_attnum == InvalidAttrNumber)
		elog(ERROR, "pg_learn: learn.%s has no column \"model_id\"", b->table);
	for (int c = 0; c < b->ncols; c++)
		if (b->attnum[c] == InvalidAttrNumber)
			elog(ERROR, "pg_learn: learn.%s has no column \"%s\"", b->table, b->columns[c]);
}

/*
 * The batch's rows into its table, and their entries into each of its
 * indexes (plain B-tree indexes, as CatalogIndexInsert makes them).
 */
static void
batch_insert(Batch *b)
{
	/* a copy not reference-counted: slots of it pin nothing */
	TupleDesc	desc = CreateTupleDescCopy(RelationGetDescr(b->rel));
	TupleTableSlot **slots = palloc(sizeof(TupleTableSlot *) * b->nrows);
	BulkInsertState bistate = GetBulkInsertState();
	List	   *indexes = RelationGetIndexList(b->rel);
	ListCell   *lc;

	for (int r = 0; r < b->nrows; r++)
	{
		TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);

		ExecClearTuple(slot);
		memset(slot->tts_isnull, true, sizeof(bool) * desc->natts);
		slot->tts_values[b->model_attnum - 1] = Int64GetDatum(b->model_id);
		slot->tts_isnull[b->model_attnum - 1] = false;
		for (int c = 0; c < b->ncols; c++)
		{
			slot->tts_values[b->attnum[c] - 1] = b->values[c][r];
			slot->tts_isnull[b->attnum[c] - 1] = b->nulls[c][r];
		}
		ExecStoreVirtualTuple(slot);
		slots[r] = slot;
	}
	table_multi_insert(b->rel, slots, b->nrows, GetCurrentCommandId(true), 0, bistate);
	FreeBulkInsertState(bistate);

	foreach(lc, indexes)
	{
		Relation	irel = index_open(lfirst_oid(lc), RowExclusiveLock);
		IndexInfo  *ii = BuildIndexInfo(irel);
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		if (ii->ii_Expressions != NIL || ii->ii_Predicate != NIL ||
			ii->ii_ExclusionOps != NULL || !irel->rd_index->indimmediate)
			elog(ERROR, "pg_learn: index %s of learn.%s is not a plain index",
				 RelationGetRelationName(irel), RelationGetRelationName(b->rel));
		for (int r = 0; r < b->nrows; r++)
		{
			FormIndexDatum(ii, slots[r], NULL, values, isnull);
			index_insert(irel, values, isnull, &slots[r]->tts_tid, b->rel,
						 ii->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
						 false, ii);
		}
		index_close(irel, NoLock);
	}
	for (int r = 0; r < b->nrows; r++)
		ExecDropSingleTupleTableSlot(slots[r]);
	/* later statements of the training see the rows */
	CommandCounterIncrement();
}

/* Insert the batch's rows, then empty it. */
static void
batch_flush(Batch *b)
{
	Oid		   *types;
	Datum	   *args;
	int			ret;
	MemoryContext old;

	if (b->nrows == 0)
		return;
	old = MemoryContextSwitchTo(b->mcxt);
	if (b->table)
	{
		if (b->rel == NULL)
		{
			MemoryContext oldcxt = MemoryContextSwitchTo(b->parent);

			batch_open(b);
			MemoryContextSwitchTo(oldcxt);
		}
		batch_insert(b);
	}
	else
	{
		types = palloc(sizeof(Oid) * (b->ncols + 1));
		args = palloc(sizeof(Datum) * (b->ncols + 1));
		types[0] = INT8OID;
		args[0] = Int64GetDatum(b->model_id);
		for (int c = 0; c < b->ncols; c++)
		{
			int16		typlen;
			bool		typbyval;
			char		typalign;
			int			dims[1] = {b->nrows};
			int			lbs[1] = {1};

			get_typlenbyvalalign(b->elemtypes[c], &typlen, &typbyval, &typalign);
			types[c + 1] = get_array_type(b->elemtypes[c]);
			args[c + 1] = PointerGetDatum(construct_md_array(b->values[c], b->nulls[c], 1,
															 dims, lbs, b->elemtypes[c],
															 typlen, typbyval, typalign));
		}
		ret = SPI_execute_with_args(b->sql, b->ncols + 1, types, args, NULL, false, 0);
		spi_check(ret, b->expected, b->what);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(b->mcxt);
	b->nrows = 0;
	b->last_key = NULL;
	for (int c = 0; c < b->ncols; c++)
		memset(b->nulls[c], 0, sizeof(bool) * b->cap);
	CHECK_FOR_INTERRUPTS();
}

/* The last rows, then the table closed (its lock kept). */
static void
batch_finish(Batch *b)
{
	batch_flush(b);
	if (b->rel)
		table_close(b->rel, NoLock);
	b->rel = NULL;
}

/*
 * The next row of the batch is complete: flush when the batch is full,
 * else make room for one more.
 */
static void
batch_row_done(Batch *b)
{
	if (++b->nrows == LEARN_CATALOG_BATCH_ROWS)
		batch_flush(b);
	else if (b->nrows == b->cap)
	{
		int			cap = Min(b->cap * 2, LEARN_CATALOG_BATCH_ROWS);

		for (int c = 0; c < b->ncols; c++)
		{
			b->values[c] = repalloc(b->values[c], sizeof(Datum) * cap);
			b->nulls[c] = repalloc(b->nulls[c], sizeof(bool) * cap);
			memset(b->nulls[c] + b->cap, 0, sizeof(bool) * (cap - b->cap));
		}
		b->cap = cap;
	}
}

static void
batch_float8(Batch *b, int col, double v)
{
	b->nulls[col][b->nrows] = !isfinite(v);
	b->values[col][b->nrows] = Float8GetDatum(v);
}

/* A text value of the current row, or NULL. */
static void
batch_text(Batch *b, int col, const char *v)
{
	b->nulls[col][b->nrows] = (v == NULL);
	b->values[col][b->nrows] = v ? PointerGetDatum(cstring_to_text(v)) : (Datum) 0;
}

/*
 * A group key (text[]) of the current row from its text (NULL: '{}', the
 * ungrouped model's), read once for the rows of a group that follow one
 * another.
 */
static void
batch_key(Batch *b, int col, const char *key_text)
{
	if (key_text == NULL)
		key_text = "{}";
	if (b->last_key == NULL || strcmp(b->last_key, key_text) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(b->mcxt);

		b->last_key = pstrdup(key_text);
		b->last_key_datum = OidFunctionCall3(F_ARRAY_IN, CStringGetDatum(key_text),
											 ObjectIdGetDatum(TEXTOID), Int32GetDatum(-1));
		MemoryContextSwitchTo(old);
	}
	b->nulls[col][b->nrows] = false;
	b->values[col][b->nrows] = b->last_key_datum;
}

static const char *const term_columns[8] = {"group_key", "position", "term", "estimate",
"std_error", "statistic", "p_value", "class"};
static const char *const group_columns[6] = {"group_key", "n_rows", "n_skipped", "fitted",
"reason", "metrics"};
static const char *const state_columns[2] = {"group_key", "state"};

/* A batch of states is flushed at this size, whatever its number of rows. */
#define STATE_BATCH_BYTES (8 * 1024 * 1024)

/*
 * The jsonb of a group's metrics (NULL: '{}') in mcxt.  The parser's
 * buffers, many times the document's size, are freed at once (scratch is
 * reset): kept until the batch's flush, their pages cost more than the
 * parse.
 */
static Datum
metrics_jsonb(const char *json, MemoryContext mcxt, MemoryContext scratch)
{
	MemoryContext old = MemoryContextSwitchTo(scratch);
	Datum		d = DirectFunctionCall1(jsonb_in, CStringGetDatum(json ? json : "{}"));
	Datum		copy;

	MemoryContextSwitchTo(mcxt);
	copy = PointerGetDatum(DatumGetJsonbPCopy(d));
	MemoryContextSwitchTo(old);
	MemoryContextReset(scratch);
	return copy;
}

/*
 * Every group from next(arg): its terms into learn.coefficients, for a
 * grouped model its row into learn.groups, and its state, when it has
 * one, into learn.states.
 */
static void
store_groups(int64 model_id, bool grouped, GroupSource next, void *arg)
{
	Batch		terms;
	Batch		groups;
	Batch		states;
	Size		state_bytes = 0;
	GroupRecord rec;
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "pg_learn metrics",
												  ALLOCSET_DEFAULT_SIZES);

	batch_init_table(&terms, "coefficients", term_columns, 8, "storing coefficients",
					 model_id);
	if (grouped)
		batch_init_table(&groups, "groups", group_columns, 6, "storing groups", model_id);
	batch_init_table(&states, "states", state_columns, 2, "storing states", model_id);
	while (next(arg, &rec))
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (rec.state)
		{
			old = MemoryContextSwitchTo(states.mcxt);
			batch_key(&states, 0, rec.key_text);
			states.values[1][states.nrows] = PointerGetDatum(DatumGetByteaPCopy(PointerGetDatum(rec.state)));
			state_bytes += VARSIZE_ANY(rec.state);
			MemoryContextSwitchTo(old);
			batch_row_done(&states);
			if (state_bytes >= STATE_BATCH_BYTES)
			{
				batch_flush(&states);
				state_bytes = 0;
			}
		}
		for (int t = 0; t < rec.nterms; t++)
		{
			LearnTerm  *tr = &rec.terms[t];

			old = MemoryContextSwitchTo(terms.mcxt);
			batch_key(&terms, 0, rec.key_text);
			terms.values[1][terms.nrows] = Int32GetDatum(tr->position);
			batch_text(&terms, 2, tr->term);
			batch_float8(&terms, 3, tr->estimate);
			batch_float8(&terms, 4, tr->std_error);
			batch_float8(&terms, 5, tr->statistic);
			batch_float8(&terms, 6, tr->p_value);
			batch_text(&terms, 7, tr->class_label ? tr->class_label : "");
			MemoryContextSwitchTo(old);
			batch_row_done(&terms);
		}
		if (!grouped)
			continue;
		old = MemoryContextSwitchTo(groups.mcxt);
		batch_key(&groups, 0, rec.key_text);
		groups.values[1][groups.nrows] = Int64GetDatum(rec.n_rows);
		groups.values[2][groups.nrows] = Int64GetDatum(rec.n_skipped);
		groups.values[3][groups.nrows] = BoolGetDatum(rec.reason == NULL);
		batch_text(&groups, 4, rec.reason);
		MemoryContextSwitchTo(old);
		groups.values[5][groups.nrows] = metrics_jsonb(rec.metrics_json, groups.mcxt,
													   scratch);
		batch_row_done(&groups);
	}
	batch_finish(&terms);
	if (grouped)
		batch_finish(&groups);
	batch_finish(&states);
	MemoryContextDelete(scratch);
}

static const char *const encoding_columns[3] = {"feature", "position", "level"};

/* The levels of the model's categorical features, into learn.encodings. */
static void
store_encodings(int64 model_id, ModelRecord *m)
{
	Batch		b;
	ListCell   *lc;

	catalog_require_relation("encodings", "0.4", "Training with categorical features");
	batch_init_table(&b, "encodings", encoding_columns, 3, "storing encodings", model_id);
	foreach(lc, m->encodings)
	{
		ListCell   *lc2;

		foreach(lc2, (List *) lfirst(lc))
		{
			MemoryContext old = MemoryContextSwitchTo(b.mcxt);

			batch_text(&b, 0, list_nth(m->features, foreach_current_index(lc)));
			b.values[1][b.nrows] = Int32GetDatum(foreach_current_index(lc2) + 1);
			batch_text(&b, 2, lfirst(lc2));
			MemoryContextSwitchTo(old);
			batch_row_done(&b);
		}
	}
	batch_finish(&b);
}

/*
 * learn.update('name') merged new rows into the version deployed when it
 * began.  Another session may have deployed another version (a rollback,
 * a training) and committed while the update read its rows: storing the
 * update then would deploy a descendant of the version that was replaced,
 * which no serial order of the two gives.  Called with the name locked,
 * so the query reads the latest committed deploy.
 */
static void
check_deployed_parent(const char *name, int64 parent_id)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	bool		isnull;
	int			ret;

	ret = SPI_execute_with_args("SELECT m.id, m.version FROM learn.models m "
								"WHERE m.name OPERATOR(pg_catalog.=) $1 AND m.deployed",
								1, types, values, NULL, false, 1);
	spi_check(ret, SPI_OK_SELECT, "reading the deployed version");
	if (SPI_processed == 1 &&
		DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									&isnull)) == parent_id)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("the deployed version of model \"%s\" changed during the update", name),
			 SPI_processed == 1 ?
			 errdetail("The update merged the new rows into the version deployed when it began; version %d has been deployed since.",
					   DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 2, &isnull))) :
			 errdetail("The update merged the new rows into the version deployed when it began, which is no longer deployed."),
			 errhint("Run learn.update again to update the version deployed now, or give the version as '%s@N'.",
					 name)));
}

Datum
catalog_store_model(ModelRecord *m, GroupSource next, void *arg)
{
	int			nest;
	Oid			name_types[1] = {TEXTOID};
	Datum		name_values[1];
	Oid			caller;
	char	   *owner;
	Oid			types[19] = {TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID,
		INT8OID, INT8OID, TEXTOID, FLOAT8OID, BOOLOID, NAMEOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID};
	Datum		values[19];
	char		nulls[19];
	StringInfoData cols;
	StringInfoData args;
	int			nargs = 17;
	OwnerSwitch sw;
	NameData	trainer;
	int			version;
	int64		model_id;
	bool		isnull;
	Datum		result;
	int			ret;

	namestrcpy(&trainer, GetUserNameFromId(GetUserId(), false));
	nest = catalog_spi_begin();

	/*
	 * One trainer at a time per name.  The version is one more than the
	 * highest ever given to the name, so that a number is never reused
	 * after a drop: a reference 'name@N' means one model for good.
	 */
	caller = GetUserId();
	as_catalog_owner(&sw);
	(void) lock_name(m->name, &trainer, true, &owner, &version);
	check_train_owner(caller, m->name, owner);
	if (m->deployed_parent != 0)
		check_deployed_parent(m->name, m->deployed_parent);
	name_values[0] = CStringGetTextDatum(m->name);
	if (m->deploy)
	{
		ret = SPI_execute_with_args("UPDATE learn.models SET deployed = false "
									"WHERE name OPERATOR(pg_catalog.=) $1 AND deployed",
									1, name_types, name_values, NULL, false, 0);
		spi_check(ret, SPI_OK_UPDATE, "undeploying the previous version");
	}

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(m->name);
	values[1] = Int32GetDatum(version);
	values[2] = CStringGetTextDatum(m->algorithm);
	values[3] = CStringGetTextDatum(m->task);
	values[4] = CStringGetTextDatum(m->source);
	if (m->target)
		values[5] = CStringGetTextDatum(m->target);
	else
		nulls[5] = 'n';
	values[6] = text_array_from_list(m->features);
	if (m->group_by != NIL)
		values[7] = text_array_from_list(m->group_by);
	else
		nulls[7] = 'n';
	if (m->weight)
		values[8] = CStringGetTextDatum(m->weight);
	else
		nulls[8] = 'n';
	values[9] = CStringGetTextDatum(m->params_json);
	values[10] = Int64GetDatum(m->n_rows);
	values[11] = Int64GetDatum(m->n_skipped);
	values[12] = CStringGetTextDatum(m->metrics_json);
	values[13] = Float8GetDatum(m->train_seconds);
	values[14] = BoolGetDatum(m->deploy);
	values[15] = NameGetDatum(&trainer);
	if (m->classes != NIL)
		values[16] = text_array_from_list(m->classes);
	else
		nulls[16] = 'n';
	/*
	 * The columns 0.5 added are written only when the model has them, so
	 * that other models train before ALTER EXTENSION UPDATE.
	 */
	initStringInfo(&cols);
	initStringInfo(&args);
	if (m->feature_exprs != NIL)
	{
		values[nargs++] = text_array_from_list(m->feature_exprs);
		appendStringInfoString(&cols, ", feature_exprs");
		appendStringInfo(&args, ", $%d", nargs);
	}
	if (m->impute_values != NIL)
	{
		values[nargs++] = text_array_from_list(m->impute_values);
		appendStringInfoString(&cols, ", impute_values");
		appendStringInfo(&args, ", $%d", nargs);
	}
	ret = SPI_execute_with_args(psprintf("INSERT INTO learn.models (name, version, algorithm, task, "
										 "source, target, features, group_by, weight, params, n_rows, "
										 "n_skipped, metrics, train_seconds, deployed, trained_by, classes%s) "
										 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::pg_catalog.jsonb, $11, "
										 "$12, $13::pg_catalog.jsonb, $14, $15, $16, $17%s) RETURNING *",
										 cols.data, args.data),
								nargs, types, values, nulls, false, 1);
	spi_check(ret, SPI_OK_INSERT_RETURNING, "storing the model");
	model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	result = returned_model_row();

	/*
	 * The version's rows go below the executor (batch_insert): no trigger
	 * checks their reference to the learn.models row just inserted, in
	 * this transaction and under the name's lock, which no other
	 * transaction can delete before this one ends.
	 */
	if (m->encodings != NIL)
		store_encodings(model_id, m);
	store_groups(model_id, m->group_by != NIL, next, arg);
	as_caller(&sw);
	catalog_spi_end(nest);
	if (m->deploy)
		catalog_models_changed();
	return result;
}

static const Oid test_types[2] = {TEXTOID, TEXTOID};
static const char *const test_sql =
"UPDATE learn.groups g SET metrics = g.metrics OPERATOR(pg_catalog.||) "
"pg_catalog.jsonb_build_object('test'::pg_catalog.text, u.m::pg_catalog.jsonb) "
"FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(k, m) "
"WHERE g.model_id OPERATOR(pg_catalog.=) $1 "
"AND g.group_key OPERATOR(pg_catalog.=) u.k::pg_catalog.text[]";

Datum
catalog_store_test_metrics(int64 model_id, const char *test_json,
						   TestMetricsSource next, void *arg)
{
	int			nest;
	OwnerSwitch sw;
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	const char *key_text;
	const char *metrics_json;
	Datum		result;
	int			ret;

	nest = catalog_spi_begin();
	as_catalog_owner(&sw);
	if (next)
	{
		Batch		b;

		batch_init(&b, test_sql, "storing the groups' held-out metrics", model_id, 2,
				   test_types);
		b.expected = SPI_OK_UPDATE;
		while (next(arg, &key_text, &metrics_json))
		{
			MemoryContext old = MemoryContextSwitchTo(b.mcxt);

			batch_text(&b, 0, key_text);
			batch_text(&b, 1, metrics_json);
			MemoryContextSwitchTo(old);
			batch_row_done(&b);
		}
		batch_flush(&b);
	}
	values[0] = Int64GetDatum(model_id);
	values[1] = CStringGetTextDatum(test_json);
	ret = SPI_execute_with_args("UPDATE learn.models SET metrics = metrics "
								"OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object("
								"'test'::pg_catalog.text, $2::pg_catalog.jsonb) "
								"WHERE id OPERATOR(pg_catalog.=) $1 RETURNING *",
								2, types, values, NULL, false, 1);
	spi_check(ret, SPI_OK_UPDATE_RETURNING, "storing the held-out metrics");
	if (SPI_processed != 1)
		elog(ERROR, "pg_learn: model %lld is not in learn.models", (long long) model_id);
	result = returned_model_row();
	as_caller(&sw);
	catalog_spi_end(nest);
	return result;
}

/*
 * The export document of model version id (transfer.c describes the
 * format), built by one query.  Floats are printed with
 * extra_float_digits = 1 (the shortest text that reads back as the same
 * double), whatever the session set, so that a document round-trips
 * exactly; the catalog keeps a non-finite value as NULL, and so does the
 * document.  The model's params.imported_from becomes
 * lineage.imported_from, so that imports chain.
 */
static const char *const export_sql =
"SELECT pg_catalog.jsonb_build_object("
"'format', 'pg_learn model'::pg_catalog.text, "
"'format_version', $2, "
"'pg_learn_version', (SELECT x.extversion FROM pg_catalog.pg_extension x "
"WHERE x.extname OPERATOR(pg_catalog.=) 'pg_learn'), "
"'name', m.name, 'version', m.version, 'algorithm', m.algorithm, 'task', m.task, "
"'source', m.source, 'target', m.target, "
"'features', pg_catalog.to_jsonb(m.features), "
"'feature_exprs', pg_catalog.to_jsonb(m.feature_exprs), "
"'impute_values', pg_catalog.to_jsonb(m.impute_values), "
"'group_by', pg_catalog.to_jsonb(m.group_by), 'weight', m.weight, "
"'params', (m.params OPERATOR(pg_catalog.-) 'imported_from'::pg_catalog.text) "
"OPERATOR(pg_catalog.-) 'updated_from'::pg_catalog.text, "
"'classes', pg_catalog.to_jsonb(m.classes), "
"'encodings', (SELECT pg_catalog.jsonb_object_agg(e.feature, e.levels) FROM "
"(SELECT e.feature, pg_catalog.jsonb_agg(e.level ORDER BY e.position) AS levels "
"FROM learn.encodings e WHERE e.model_id OPERATOR(pg_catalog.=) m.id "
"GROUP BY e.feature) e), "
"'n_rows', m.n_rows, 'n_skipped', m.n_skipped, 'metrics', m.metrics, "
"'trained_by', m.trained_by, 'trained_at', m.trained_at, "
"'train_seconds', m.train_seconds, "
"'groups', (SELECT pg_catalog.jsonb_agg(CASE WHEN m.group_by IS NULL THEN "
"pg_catalog.jsonb_build_object('group_key', pg_catalog.to_jsonb(g.group_key), "
"'terms', t.terms) ELSE pg_catalog.jsonb_build_object("
"'group_key', pg_catalog.to_jsonb(g.group_key), 'n_rows', g.n_rows, "
"'n_skipped', g.n_skipped, 'fitted', g.fitted, 'reason', g.reason, "
"'metrics', g.metrics, 'terms', t.terms) END ORDER BY g.group_key) "
"FROM (SELECT lg.group_key, lg.n_rows, lg.n_skipped, lg.fitted, lg.reason, lg.metrics "
"FROM learn.groups lg WHERE lg.model_id OPERATOR(pg_catalog.=) m.id "
"AND m.group_by IS NOT NULL "
"UNION ALL SELECT '{}'::pg_catalog.text[], NULL, NULL, NULL, NULL, NULL "
"WHERE m.group_by IS NULL) g, "
"LATERAL (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
"'class', c.class, 'position', c.position, 'term', c.term, 'estimate', c.estimate, "
"'std_error', c.std_error, 'statistic', c.statistic, 'p_value', c.p_value) "
"ORDER BY pg_catalog.array_position(m.classes, c.class), c.position), "
"'[]'::pg_catalog.jsonb) AS terms FROM learn.coefficients c "
"WHERE c.model_id OPERATOR(pg_catalog.=) m.id "
"AND c.group_key OPERATOR(pg_catalog.=) g.group_key) t), "
"'lineage', pg_catalog.jsonb_build_object('exported_from', pg_catalog.jsonb_build_object("
"'name', m.name, 'version', m.version, 'id', m.id, "
"'database', pg_catalog.current_database(), 'trained_by', m.trained_by, "
"'trained_at', m.trained_at)) OPERATOR(pg_catalog.||) "
"CASE WHEN m.params OPERATOR(pg_catalog.?) 'imported_from' THEN "
"pg_catalog.jsonb_build_object('imported_from', m.params OPERATOR(pg_catalog.->) 'imported_from') "
"ELSE '{}'::pg_catalog.jsonb END OPERATOR(pg_catalog.||) "
"CASE WHEN m.params OPERATOR(pg_catalog.?) 'updated_from' THEN "
"pg_catalog.jsonb_build_object('updated_from', m.params OPERATOR(pg_catalog.->) 'updated_from') "
"ELSE '{}'::pg_catalog.jsonb END) "
"FROM learn.models m WHERE m.id OPERATOR(pg_catalog.=) $1";

static bool may_manage_model(int64 id, char **name, char **owner);

/*
 * The document doc with member "states", the model's stored states (one
 * per group, base64 without line breaks), when it has some and the caller
 * may read them (learn._states' rule); without, and a NOTICE, when it may
 * not.  Runs in the export's SPI connection.
 */
static Datum
export_states(int64 id, Datum doc)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	OwnerSwitch sw;
	char	   *name;
	char	   *owner;
	bool		allowed;
	bool		isnull;
	Datum		states;
	int			ret;

	if (!catalog_has_relation("states"))
		return doc;
	allowed = may_manage_model(id, &name, &owner);
	as_catalog_owner(&sw);
	ret = SPI_execute_with_args("SELECT pg_catalog.jsonb_build_object('states', pg_catalog.jsonb_agg("
								"pg_catalog.jsonb_build_object('group_key', pg_catalog.to_jsonb(s.group_key), "
								"'state', pg_catalog.translate(pg_catalog.encode(s.state, 'base64'), "
								"E'\\n', '')) ORDER BY s.group_key)) "
								"FROM learn.states s WHERE s.model_id OPERATOR(pg_catalog.=) $1 "
								"HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0",
								1, types, values, NULL, true, 0);
	as_caller(&sw);
	spi_check(ret, SPI_OK_SELECT, "exporting the model's states");
	if (SPI_processed == 0)
		return doc;
	if (!allowed)
	{
		ereport(NOTICE,
				(errmsg("the document of model \"%s\" holds no states", name),
				 errdetail("Only roles that may add versions to the model's name read its states. A model imported from the document scores, but cannot be updated.")));
		return doc;
	}
	states = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DirectFunctionCall2(jsonb_concat, doc, states);
}

Datum
catalog_export_document(int64 id, int format_version)
{
	int			nest;
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(id), Int32GetDatum(format_version)};
	bool		isnull;
	Datum		result;
	int			ret;

	nest = catalog_spi_begin();
	(void) set_config_option("extra_float_digits", "1", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	ret = SPI_execute_with_args(export_sql, 2, types, values, NULL, true, 1);
	spi_check(ret, SPI_OK_SELECT, "exporting a model");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model version %lld no longer exists", (long long) id)));
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	result = export_states(id, result);
	result = SPI_datumTransfer(result, false, -1);
	catalog_spi_end(nest);
	return result;
}


Datum
catalog_model_row(int64 id)
{
	int			nest;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	Datum		result;
	int			ret;

	nest = catalog_spi_begin();
	ret = SPI_execute_with_args("SELECT * FROM learn.models WHERE id OPERATOR(pg_catalog.=) $1",
								1, types, values, NULL, true, 1);
	spi_check(ret, SPI_OK_SELECT, "reading a model");
	if (SPI_processed != 1)
		elog(ERROR, "pg_learn: model %lld is not in learn.models", (long long) id);
	result = returned_model_row();
	catalog_spi_end(nest);
	return result;
}

/*
 * Split 'name@N' into name and version (0 for the deployed one); false
 * when the reference is malformed.  N is written in plain digits without
 * a leading zero, so each version has exactly one spelling.
 */
static bool
parse_model_ref(const char *spec, char **name, int *version)
{
	const char *at = strrchr(spec, '@');
	int64		v = 0;

	*version = 0;
	if (at == NULL)
	{
		*name = pstrdup(spec);
		return true;
	}
	if (at == spec || at[1] < '1' || at[1] > '9')
		return false;
	for (const char *p = at + 1; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > PG_INT32_MAX)
			return false;
	}
	*version = (int) v;
	*name = pnstrdup(spec, at - spec);
	return true;
}

int64
catalog_lookup_model(const char *spec, TimestampTz *trained_at)
{
	char	   *name;
	int			version;
	Datum		keys[2];
	HeapTuple	tup;
	TupleDesc	desc;
	int64		id = 0;
	bool		isnull;

	if (!parse_model_ref(spec, &name, &version))
		return 0;
	keys[0] = CStringGetTextDatum(name);
	keys[1] = Int32GetDatum(version);
	if (version > 0)
		tup = index_read_row("models", "models_name_version_key", 2, keys, &desc);
	else
		tup = index_read_row("models", "models_one_deployed", 1, keys, &desc);
	if (tup && (version > 0 || DatumGetBool(row_value(tup, desc, "deployed", &isnull))))
	{
		id = DatumGetInt64(row_value(tup, desc, "id", &isnull));
		if (trained_at)
			*trained_at = DatumGetTimestampTz(row_value(tup, desc, "trained_at", &isnull));
	}
	return id;
}

Oid
catalog_models_relid(void)
{
	return get_relname_relid("models", get_namespace_oid("learn", false));
}

void
catalog_models_changed(void)
{
	CacheInvalidateRelcacheByRelid(catalog_models_relid());
}

int64
catalog_resolve_model(const char *spec, TimestampTz *trained_at)
{
	char	   *name;
	int			version;
	int64		id;
	Datum		key;
	bool		exists;

	if (!parse_model_ref(spec, &name, &version))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid model reference \"%s\"", spec),
				 errhint("Use 'name' for the deployed version or 'name@N' for version N.")));
	id = catalog_lookup_model(spec, trained_at);
	if (id != 0)
		return id;

	key = CStringGetTextDatum(name);
	exists = index_read_exists("models", "models_name_version_key", 1, &key);
	if (!exists)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name)));
	if (version > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", name, version)));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" has no deployed version", name),
			 errhint("Deploy one with learn.deploy(), or score a version as '%s@N'.", name)));
	return 0;					/* keep the compiler quiet */
}

/* Copy the elements of a text[] into mcxt; NULL elements stay NULL. */
static char **
text_array_elems(Datum arr, int *n, MemoryContext mcxt)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;

	deconstruct_array(DatumGetArrayTypeP(arr), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, n);
	out = MemoryContextAlloc(mcxt, sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		out[i] = nulls[i] ? NULL : MemoryContextStrdup(mcxt, TextDatumGetCString(elems[i]));
	return out;
}

/* A class label as a number: false 0, true 1, a number itself; else NaN. */
static double
class_value(const char *label)
{
	char	   *end;
	double		v;

	if (label == NULL)
		return NAN;
	if (strcmp(label, "false") == 0)
		return 0.0;
	if (strcmp(label, "true") == 0)
		return 1.0;
	errno = 0;
	v = strtod(label, &end);
	if (end == label || *end != '\0' || errno != 0 || !isfinite(v))
		return NAN;
	return v;
}

/* Coefficient rows of a model fetched at a time while loading all groups. */
#define LOAD_BATCH_ROWS 10000

/* A new, empty groups table in a new context under parent. */
static void
groups_create(ScoringModel *sm, MemoryContext parent, long nelem)
{
	sm->groups_cxt = AllocSetContextCreate(parent, "pg_learn model groups",
										   ALLOCSET_DEFAULT_SIZES);
	sm->groups = key_table_create("pg_learn model groups", nelem, sizeof(ScoringGroup),
								  sm->groups_cxt);
	sm->nloaded = 0;
}

ScoringGroup *
catalog_find_group(ScoringModel *sm, const char *key)
{
	return hash_search(sm->groups, &key, HASH_FIND, NULL);
}

/* Enter a group's terms (data NULL when nterms < 0: no such group). */
static ScoringGroup *
add_group(ScoringModel *sm, const char *key, LearnTerm *terms, int nterms)
{
	char	   *k = MemoryContextStrdup(sm->groups_cxt, key);
	void	   *data = NULL;
	ScoringGroup *g;
	bool		found;

	if (nterms >= 0)
		data = sm->family->load(sm->model_data, sm->nx, terms, nterms,
								sm->groups_cxt);
	g = hash_search(sm->groups, &k, HASH_ENTER, &found);
	g->key = k;
	g->data = data;
	if (!found)
		sm->nloaded++;
	return g;
}

/*
 * A term from a row (position, estimate, class) of a coefficients query.
 * The term of a multinomial model's class i (1..K-1) gets the position
 * (i - 1) (nx + 1) + position (family.h); of no class of the
 * model, -1.
 */
static void
read_term(const ScoringModel *sm, LearnTerm *t, HeapTuple tup, TupleDesc td, int first)
{
	bool		isnull;
	Datum		est;
	char	   *cls = TextDatumGetCString(SPI_getbinval(tup, td, first + 2, &isnull));

	t->position = DatumGetInt32(SPI_getbinval(tup, td, first, &isnull));
	if (cls[0] != '\0')
	{
		int			i = 1;

		while (i < sm->nclasses && strcmp(sm->classes[i], cls) != 0)
			i++;
		t->position = i < sm->nclasses && t->position <= sm->nx ?
			(i - 1) * (sm->nx + 1) + t->position : -1;
	}
	pfree(cls);
	est = SPI_getbinval(tup, td, first + 1, &isnull);
	/* a NULL estimate (an aliased term) is NaN */
	t->estimate = isnull ? NAN : DatumGetFloat8(est);
	t->std_error = t->statistic = t->p_value = NAN;
}

/*
 * The levels of the model's categorical features, from learn.encodings
 * (absent before 0.4: no model has any), and each feature's place in x.
 */
static void
load_encodings(ScoringModel *sm)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(sm->id)};
	int		   *counts = palloc0(sizeof(int) * Max(sm->nfeatures, 1));
	int			ret;

	sm->xpos = MemoryContextAlloc(sm->mcxt, sizeof(int) * Max(sm->nfeatures, 1));
	if (OidIsValid(get_relname_relid("encodings", get_namespace_oid("learn", false))))
	{
		ret = SPI_execute_with_args("SELECT feature, level FROM learn.encodings "
									"WHERE model_id OPERATOR(pg_catalog.=) $1 "
									"ORDER BY feature, position",
									1, types, values, NULL, true, 0);
		spi_check(ret, SPI_OK_SELECT, "loading a model's encodings");
		for (uint64 r = 0; r < SPI_processed;)
		{
			char	   *f = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
			int			j = 0;
			uint64		e = r;
			char	  **lv;
			int		   *ll;

			while (j < sm->nfeatures && strcmp(sm->features[j], f) != 0)
				j++;
			while (e < SPI_processed &&
				   strcmp(SPI_getvalue(SPI_tuptable->vals[e], SPI_tuptable->tupdesc, 1), f) == 0)
				e++;
			if (j == sm->nfeatures)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("model \"%s\" version %d has levels of \"%s\", which is none of its features",
								sm->name, sm->version, f)));
			if (sm->levels == NULL)
				sm->levels = MemoryContextAllocZero(sm->mcxt, sizeof(LevelTable *) * sm->nfeatures);
			lv = palloc(sizeof(char *) * (e - r));
			ll = palloc(sizeof(int) * (e - r));
			for (uint64 i = r; i < e; i++)
			{
				lv[i - r] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
				ll[i - r] = strlen(lv[i - r]);
			}
			sm->levels[j] = levels_create(lv, ll, (int) (e - r), sm->mcxt);
			counts[j] = (int) (e - r);
			r = e;
		}
	}
	sm->nx = 0;
	for (int j = 0; j < sm->nfeatures; j++)
	{
		sm->xpos[j] = sm->nx;
		sm->nx += counts[j] > 0 ? counts[j] : 1;
	}
}

/* A text[] of one entry per feature, or NULL; the elements NULL or not. */
static char **
feature_texts(ScoringModel *sm, Datum d, bool isnull, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	char	  **out;

	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	if (n != sm->nfeatures)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model \"%s\" version %d has %d %s for %d features",
						sm->name, sm->version, n, what, sm->nfeatures)));
	out = MemoryContextAllocZero(sm->mcxt, sizeof(char *) * Max(n, 1));
	for (int j = 0; j < n; j++)
		if (!nulls[j])
			out[j] = MemoryContextStrdup(sm->mcxt, TextDatumGetCString(elems[j]));
	return out;
}

/*
 * The features' expressions and imputed values, from learn.models
 * (feature_exprs and impute_values, absent before 0.5: no model has any);
 * each stays NULL when no feature has one.  An imputed category is found
 * among the feature's levels once, here.
 */
static void
load_feature_exprs(ScoringModel *sm)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(sm->id)};
	Oid			relid = catalog_models_relid();
	bool		isnull;
	Datum		d;
	int			ret;
	char	  **imputed;

	if (get_attnum(relid, "feature_exprs") == InvalidAttrNumber ||
		get_attnum(relid, "impute_values") == InvalidAttrNumber)
		return;
	ret = SPI_execute_with_args("SELECT feature_exprs, impute_values FROM learn.models "
								"WHERE id OPERATOR(pg_catalog.=) $1",
								1, types, values, NULL, true, 1);
	spi_check(ret, SPI_OK_SELECT, "loading a model's feature expressions");
	if (SPI_processed != 1)
		return;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	sm->feature_exprs = feature_texts(sm, d, isnull, "feature expressions");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	imputed = feature_texts(sm, d, isnull, "imputed values");
	if (imputed == NULL)
		return;
	sm->impute = MemoryContextAlloc(sm->mcxt, sizeof(double) * Max(sm->nfeatures, 1));
	for (int j = 0; j < sm->nfeatures; j++)
	{
		if (imputed[j] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("model \"%s\" version %d imputes no value for feature \"%s\"",
							sm->name, sm->version, sm->features[j])));
		if (sm->levels && sm->levels[j])
		{
			/* a category: the index of its level */
			int			i = levels_find(sm->levels[j], imputed[j], strlen(imputed[j]));

			if (i < 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("model \"%s\" version %d imputes \"%s\", which is no level of feature \"%s\"",
								sm->name, sm->version, imputed[j], sm->features[j])));
			sm->impute[j] = i;
		}
		else
			sm->impute[j] = DatumGetFloat8(DirectFunctionCall1(float8in,
															   CStringGetDatum(imputed[j])));
	}
}

ScoringModel *
catalog_load_scoring(int64 id)
{
	int			nest;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	ScoringModel *sm;
	MemoryContext mcxt;
	HeapTuple	tup;
	TupleDesc	td;
	bool		isnull;
	Datum		d;
	int			ret;
	char	   *algorithm;

	mcxt = AllocSetContextCreate(CurrentMemoryContext, "pg_learn model",
								 ALLOCSET_SMALL_SIZES);
	nest = catalog_spi_begin();
	ret = SPI_execute_with_args("SELECT name, version, features, group_by, algorithm, trained_at, "
								"params::pg_catalog.text, task, classes, "
								"params OPERATOR(pg_catalog.->>) 'intercept' FROM learn.models "
								"WHERE id OPERATOR(pg_catalog.=) $1", 1, types, values, NULL, true, 1);
	spi_check(ret, SPI_OK_SELECT, "loading a model");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model version %lld no longer exists", (long long) id)));
	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	sm = MemoryContextAllocZero(mcxt, sizeof(ScoringModel));
	sm->id = id;
	sm->mcxt = mcxt;
	sm->models_relid = catalog_models_relid();
	sm->name = MemoryContextStrdup(mcxt, TextDatumGetCString(SPI_getbinval(tup, td, 1, &isnull)));
	sm->version = DatumGetInt32(SPI_getbinval(tup, td, 2, &isnull));
	sm->features = text_array_elems(SPI_getbinval(tup, td, 3, &isnull), &sm->nfeatures, mcxt);
	d = SPI_getbinval(tup, td, 4, &isnull);
	if (!isnull)
		sm->group_by = text_array_elems(d, &sm->ngroupcols, mcxt);
	algorithm = TextDatumGetCString(SPI_getbinval(tup, td, 5, &isnull));
	sm->trained_at = DatumGetTimestampTz(SPI_getbinval(tup, td, 6, &isnull));
	sm->family = learn_family_find(algorithm);
	if (sm->family == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" version %d has algorithm \"%s\", which this library cannot score",
						sm->name, sm->version, algorithm)));
	sm->classifier = strcmp(TextDatumGetCString(SPI_getbinval(tup, td, 8, &isnull)),
							"classification") == 0;
	d = SPI_getbinval(tup, td, 9, &isnull);
	if (!isnull)
	{
		sm->classes = text_array_elems(d, &sm->nclasses, mcxt);
		sm->class_values = MemoryContextAlloc(mcxt, sizeof(double) * Max(sm->nclasses, 1));
		for (int i = 0; i < sm->nclasses; i++)
			sm->class_values[i] = class_value(sm->classes[i]);
	}
	d = SPI_getbinval(tup, td, 10, &isnull);
	sm->intercept = isnull || strcmp(TextDatumGetCString(d), "false") != 0;
	load_encodings(sm);
	load_feature_exprs(sm);
	if (sm->family->model_load)
		sm->model_data = sm->family->model_load(TextDatumGetCString(SPI_getbinval(tup, td, 7, &isnull)),
												sm->nclasses, mcxt);
	catalog_spi_end(nest);
	elog(DEBUG1, "pg_learn: loading model version %lld (\"%s\" version %d)",
		 (long long) id, sm->name, sm->version);
	groups_create(sm, mcxt, 0);
	if (sm->ngroupcols == 0)
	{
		catalog_load_all_groups(sm);
		sm->single = catalog_find_group(sm, "");
		if (sm->single == NULL || sm->single->data == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("model \"%s\" version %d has no coefficients",
							sm->name, sm->version)));
	}
	return sm;
}

ScoringGroup *
catalog_load_group(ScoringModel *sm, const char *key, char *const *values)
{
	int			nest;
	Oid			types[2] = {INT8OID, TEXTARRAYOID};
	Datum		args[2];
	Datum	   *elems = palloc(sizeof(Datum) * Max(sm->ngroupcols, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(sm->ngroupcols, 1));
	int			dims[1] = {sm->ngroupcols};
	int			lbs[1] = {1};
	LearnTerm  *terms;
	int			nterms;
	ScoringGroup *g;
	int			ret;

	for (int i = 0; i < sm->ngroupcols; i++)
	{
		nulls[i] = values[i] == NULL;
		elems[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(values[i]);
	}
	args[0] = Int64GetDatum(sm->id);
	args[1] = PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID,
												 -1, false, TYPALIGN_INT));
	nest = catalog_spi_begin();
	/* the primary key (model_id, group_key, class, position) finds it */
	ret = SPI_execute_with_args("SELECT position, estimate, class FROM learn.coefficients "
								"WHERE model_id OPERATOR(pg_catalog.=) $1 "
								"AND group_key OPERATOR(pg_catalog.=) $2",
								2, types, args, NULL, true, 0);
	spi_check(ret, SPI_OK_SELECT, "loading a group's coefficients");
	nterms = (int) SPI_processed;
	terms = palloc(sizeof(LearnTerm) * Max(nterms, 1));
	for (int r = 0; r < nterms; r++)
		read_term(sm, &terms[r], SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
	g = add_group(sm, key, terms, nterms > 0 ? nterms : -1);
	catalog_spi_end(nest);
	sm->nlazy++;
	elog(DEBUG1, "pg_learn: loaded group %s of model version %lld",
		 key, (long long) sm->id);
	return g;
}

void
catalog_load_all_groups(ScoringModel *sm)
{
	int			nest;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(sm->id)};
	MemoryContext old_groups_cxt = sm->groups_cxt;
	MemoryContext new_groups_cxt;
	MemoryContext caller_cxt = CurrentMemoryContext;
	HTAB	   *old_groups = sm->groups;
	int64		old_nloaded = sm->nloaded;
	MemoryContext rowcxt;
	Portal		portal;
	StringInfoData cur;
	StringInfoData key;
	bool		have_cur = false;
	LearnTerm  *terms;
	int			nterms = 0;
	int			maxterms = 16;

	/*
	 * Fill a new table under the caller's context and adopt it only once
	 * complete: a cancelled load leaves the model as it was.
	 */
	groups_create(sm, CurrentMemoryContext, 1024);
	new_groups_cxt = sm->groups_cxt;
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "pg_learn group key",
								   ALLOCSET_SMALL_SIZES);
	initStringInfo(&cur);
	initStringInfo(&key);
	terms = palloc(sizeof(LearnTerm) * maxterms);

	PG_TRY();
	{
		nest = catalog_spi_begin();
		portal = SPI_cursor_open_with_args(NULL,
										   "SELECT group_key, position, estimate, class FROM learn.coefficients "
										   "WHERE model_id OPERATOR(pg_catalog.=) $1 ORDER BY group_key",
										   1, types, values, NULL, true, 0);
		for (;;)
		{
			SPI_cursor_fetch(portal, true, LOAD_BATCH_ROWS);
			if (SPI_processed == 0)
				break;
			for (uint64 r = 0; r < SPI_processed; r++)
			{
				HeapTuple	tup = SPI_tuptable->vals[r];
				TupleDesc	td = SPI_tuptable->tupdesc;
				MemoryContext old;
				bool		isnull;
				char	  **kv;
				int			nk;

				CHECK_FOR_INTERRUPTS();
				old = MemoryContextSwitchTo(rowcxt);
				kv = text_array_elems(SPI_getbinval(tup, td, 1, &isnull), &nk, rowcxt);
				resetStringInfo(&key);
				for (int i = 0; i < nk; i++)
					key_append(&key, kv[i]);
				MemoryContextSwitchTo(old);
				MemoryContextReset(rowcxt);
				/* rows come ordered by group: a new key ends the previous group */
				if (!have_cur || strcmp(cur.data, key.data) != 0)
				{
					if (have_cur)
						add_group(sm, cur.data, terms, nterms);
					resetStringInfo(&cur);
					appendBinaryStringInfo(&cur, key.data, key.len);
					have_cur = true;
					nterms = 0;
				}
				if (nterms == maxterms)
				{
					maxterms *= 2;
					terms = repalloc(terms, sizeof(LearnTerm) * maxterms);
				}
				read_term(sm, &terms[nterms++], tup, td, 2);
			}
			SPI_freetuptable(SPI_tuptable);
		}
		if (have_cur)
			add_group(sm, cur.data, terms, nterms);
		SPI_cursor_close(portal);
		catalog_spi_end(nest);
	}
	PG_CATCH();
	{
		/* keep the old table */
		MemoryContextSwitchTo(caller_cxt);
		sm->groups_cxt = old_groups_cxt;
		sm->groups = old_groups;
		sm->nloaded = old_nloaded;
		MemoryContextDelete(new_groups_cxt);
		MemoryContextDelete(rowcxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	MemoryContextSetParent(sm->groups_cxt, sm->mcxt);
	MemoryContextDelete(old_groups_cxt);
	MemoryContextDelete(rowcxt);
	sm->complete = true;
	elog(DEBUG1, "pg_learn: loaded all %lld groups of model version %lld",
		 (long long) sm->nloaded, (long long) sm->id);
}


/*
 * Lock a model name and check that the caller may change it; returns the
 * number of versions matching version (all when 0).  Runs as the caller
 * and returns as the catalog's owner (sw), ready to write.
 */
static int64
lock_owned_name(const char *name, int version, const char *action,
				OwnerSwitch *sw)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};
	Oid			caller = GetUserId();
	char	   *owner;
	int			last_version;
	bool		isnull;
	int64		n;
	int			ret;

	require_current_catalog();
	as_catalog_owner(sw);
	if (!lock_name(name, NULL, false, &owner, &last_version))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name)));
	check_owner(caller, name, owner, action, NULL);
	ret = SPI_execute_with_args("SELECT pg_catalog.count(*) FROM learn.models "
								"WHERE name OPERATOR(pg_catalog.=) $1 AND "
								"($2 OPERATOR(pg_catalog.=) 0 OR version OPERATOR(pg_catalog.=) $2)",
								2, types, values, NULL, false, 0);
	spi_check(ret, SPI_OK_SELECT, "counting model versions");
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									&isnull));
	if (n == 0 && version > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", name, version)));
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name),
				 errdetail("All its versions were dropped.")));
	return n;
}

PG_FUNCTION_INFO_V1(learn_deploy);

/* learn.deploy(name text, version int) RETURNS learn.models */
Datum
learn_deploy(PG_FUNCTION_ARGS)
{
	int			nest;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		version = PG_GETARG_INT32(1);
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};
	OwnerSwitch sw;
	Datum		row;
	int			ret;

	catalog_require_writable("learn.deploy()");
	if (version < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("version must be at least 1")));
	nest = catalog_spi_begin();
	lock_owned_name(name, version, "deploy", &sw);
	ret = SPI_execute_with_args("UPDATE learn.models SET deployed = false "
								"WHERE name OPERATOR(pg_catalog.=) $1 AND deployed "
								"AND version OPERATOR(pg_catalog.<>) $2",
								2, types, values, NULL, false, 0);
	spi_check(ret, SPI_OK_UPDATE, "undeploying the previous version");
	ret = SPI_execute_with_args("UPDATE learn.models SET deployed = true "
								"WHERE name OPERATOR(pg_catalog.=) $1 "
								"AND version OPERATOR(pg_catalog.=) $2 RETURNING *",
								2, types, values, NULL, false, 0);
	spi_check(ret, SPI_OK_UPDATE_RETURNING, "deploying the version");
	row = returned_model_row();
	as_caller(&sw);
	catalog_spi_end(nest);
	catalog_models_changed();
	PG_RETURN_DATUM(row);
}

PG_FUNCTION_INFO_V1(learn_drop_model);

/* learn.drop_model(name text, version int DEFAULT NULL) RETURNS bigint */
Datum
learn_drop_model(PG_FUNCTION_ARGS)
{
	int			nest;
	char	   *name;
	int32		version = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	OwnerSwitch sw;
	int64		n;
	int			ret;

	catalog_require_writable("learn.drop_model()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("name must not be NULL")));
	if (!PG_ARGISNULL(1) && version < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("version must be at least 1")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	nest = catalog_spi_begin();
	n = lock_owned_name(name, version, "drop", &sw);
	ret = SPI_execute_with_args("DELETE FROM learn.models "
								"WHERE name OPERATOR(pg_catalog.=) $1 AND "
								"($2 OPERATOR(pg_catalog.=) 0 OR version OPERATOR(pg_catalog.=) $2)",
								2, types, values, NULL, false, 0);
	spi_check(ret, SPI_OK_DELETE, "dropping the model");
	as_caller(&sw);
	catalog_spi_end(nest);
	catalog_models_changed();
	PG_RETURN_INT64(n);
}

/* ---------------------------------------------------------------------
 * Stored states and learn.update's parent
 * ---------------------------------------------------------------------
 */

/*
 * Whether the current role may add versions to the name of model version
 * id (*name and *owner: the name and its owner, NULL when the name has no
 * row); an error when the version does not exist.
 */
static bool
may_manage_model(int64 id, char **name, char **owner)
{
	Datum		key = Int64GetDatum(id);
	TupleDesc	desc;
	HeapTuple	tup = index_read_row("models", "models_pkey", 1, &key, &desc);

	if (tup == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model version %lld does not exist", (long long) id)));
	*name = row_text(tup, desc, "name");
	key = CStringGetTextDatum(*name);
	tup = index_read_row("names", "names_pkey", 1, &key, &desc);
	*owner = tup ? row_text(tup, desc, "owner") : NULL;
	/* a name without a row (a catalog row restored alone): superusers only */
	return owner_allows(GetUserId(), *owner ? *owner : "");
}

/* Error unless may_manage_model (action and hint say what was refused). */
static void
check_model_owner(int64 id, const char *action, const char *hint)
{
	char	   *name;
	char	   *owner;

	if (!may_manage_model(id, &name, &owner))
		check_owner(GetUserId(), name, owner ? owner : "", action, hint);
}

PG_FUNCTION_INFO_V1(learn_model_states);

/*
 * learn._states(model_id bigint) RETURNS TABLE (group_key text[], state
 * bytea): the stored states of a model version.  learn.states is not
 * readable by PUBLIC (a state holds the cross products of the training
 * rows, not only the coefficients); a role that may add versions to the
 * model's name reads them here, as the catalog's owner.
 */
Datum
learn_model_states(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		key = Int64GetDatum(PG_GETARG_INT64(0));
	IndexRead	r;
	int			keycol;
	int			statecol;

	learn_init_materialized_srf(fcinfo);
	catalog_require_relation("states", "0.6", "Reading stored states");
	check_model_owner(DatumGetInt64(key), "read the states of",
					  "Only members of the role that owns the model's name may read its states.");
	index_read_begin(&r, "states", "states_pkey", 1, &key);
	keycol = row_attnum(RelationGetDescr(r.rel), "group_key");
	statecol = row_attnum(RelationGetDescr(r.rel), "state");
	while (index_getnext_slot(r.scan, ForwardScanDirection, r.slot))
	{
		Datum		row[2];
		bool		nulls[2];

		CHECK_FOR_INTERRUPTS();
		row[0] = slot_getattr(r.slot, keycol, &nulls[0]);
		row[1] = slot_getattr(r.slot, statecol, &nulls[1]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}
	index_read_end(&r);
	return (Datum) 0;
}

/* A text[] column of a row read by index_read_row, as a List (NIL: NULL). */
static List *
row_text_list(HeapTuple tup, TupleDesc desc, const char *col)
{
	bool		isnull;
	Datum		d = row_value(tup, desc, col, &isnull);
	List	   *l = NIL;
	char	  **elems;
	int			n;

	if (isnull)
		return NIL;
	elems = text_array_elems(d, &n, CurrentMemoryContext);
	for (int i = 0; i < n; i++)
		l = lappend(l, elems[i]);
	return l;
}

void
catalog_read_parent(int64 id, ParentModel *parent)
{
	Datum		values[1] = {Int64GetDatum(id)};
	HeapTuple	tup;
	TupleDesc	desc;
	IndexRead	r;
	Datum		params;
	bool		isnull;
	List	   *enc_features = NIL;
	List	   *enc_levels = NIL;
	ListCell   *lc;

	catalog_require_relation("states", "0.6", "Updating models");
	check_model_owner(id, "update",
					  "Only members of the role that owns the model's name may add versions to it.");
	tup = index_read_row("models", "models_pkey", 1, values, &desc);
	if (tup == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model version %lld does not exist", (long long) id)));
	memset(parent, 0, sizeof(ParentModel));
	parent->id = id;
	parent->name = row_text(tup, desc, "name");
	parent->version = DatumGetInt32(row_value(tup, desc, "version", &isnull));
	parent->algorithm = row_text(tup, desc, "algorithm");
	parent->target = row_text(tup, desc, "target");
	parent->weight = row_text(tup, desc, "weight");
	parent->features = row_text_list(tup, desc, "features");
	parent->feature_exprs = row_text_list(tup, desc, "feature_exprs");
	parent->impute_values = row_text_list(tup, desc, "impute_values");
	parent->group_by = row_text_list(tup, desc, "group_by");
	/* the lineage of the parent is not the new version's */
	params = row_value(tup, desc, "params", &isnull);
	params = DirectFunctionCall2(jsonb_delete, params,
								 CStringGetTextDatum("imported_from"));
	params = DirectFunctionCall2(jsonb_delete, params,
								 CStringGetTextDatum("updated_from"));
	parent->params = DatumGetJsonbPCopy(params);
	parent->has_states = index_read_exists("states", "states_pkey", 1, values);
	if (!index_read_exists("encodings", "encodings_pkey", 1, values))
		return;					/* no categorical feature */

	/*
	 * The levels of its categorical features: the index gives each
	 * feature's rows together, in the order of their positions.
	 */
	index_read_begin(&r, "encodings", "encodings_pkey", 1, values);
	desc = RelationGetDescr(r.rel);
	while ((tup = index_read_next(&r)) != NULL)
	{
		char	   *feature = row_text(tup, desc, "feature");

		if (enc_features == NIL || strcmp(llast(enc_features), feature) != 0)
		{
			enc_features = lappend(enc_features, feature);
			enc_levels = lappend(enc_levels, NIL);
		}
		llast(enc_levels) = lappend(llast(enc_levels), row_text(tup, desc, "level"));
	}
	index_read_end(&r);
	foreach(lc, parent->features)
	{
		List	   *levels = NIL;
		ListCell   *lc2;

		foreach(lc2, enc_features)
			if (strcmp(lfirst(lc2), lfirst(lc)) == 0)
				levels = list_nth(enc_levels, foreach_current_index(lc2));
		parent->encodings = lappend(parent->encodings, levels);
	}
}
