/*-------------------------------------------------------------------------
 * state/groups.c
 *	  Groups kept by an aggregate itself (state/groups.h).
 *
 * The table is open addressing with linear probing over the indexes of
 * its entries; an entry keeps its key's hash, its key values (copies in
 * the table's context) and the slot of its state.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "keys.h"
#include "state/groups.h"

/* The most memory a table holds, whatever hash_mem */
#define GROUP_MAX_MEMORY ((Size) 256 * 1024 * 1024)

/* Rows between checks of the table's memory (states grow as they fill) */
#define GROUP_CHECK_ROWS 65536

typedef struct GroupKey
{
	Oid			typid;			/* the argument's type (a domain's, its) */
	Oid			collation;
	int16		typlen;
	bool		typbyval;
	FmgrInfo   *hash;			/* the base type's, from the type cache */
	FmgrInfo   *eq;
	bool		by_datum;		/* an integer type, whose values are equal
								 * exactly when their datums are: hashed and
								 * compared without a function call */
} GroupKey;

/* An entry: its keys in line, so that a probe touches one cache line */
typedef struct GroupEntry
{
	uint32		hash;
	void	   *state;
	NullableDatum keys[FLEXIBLE_ARRAY_MEMBER];
} GroupEntry;

#define ENTRY(gt, i) ((GroupEntry *) ((char *) (gt)->entries + (Size) (i) * (gt)->entsize))

struct GroupTable
{
	int			nkeys;
	GroupKey   *keys;
	MemoryContext mcxt;			/* the entries and slots, and scxt */
	MemoryContext scxt;			/* keys and states: a generation context,
								 * whose chunks are not rounded up to a
								 * power of 2 (a state of 3 features took
								 * 1.7 kB in an AllocSet, 0.x kB here) */
	Size		limit;			/* bytes mcxt may hold */
	bool		stopped;
	int			nentries;
	int			capentries;
	Size		entsize;		/* of an entry with nkeys keys */
	GroupEntry *entries;
	int			nslots;			/* a power of 2, at least twice nentries */
	int		   *slots;			/* entry index, -1 when free */
	int			rows;			/* rows since the last check of memory */
	int			next_check;		/* groups at the next check: the states'
								 * contexts (a categorical feature's cells
								 * have one each) are walked at every
								 * check, so checks come ever further apart
								 * (at most an eighth more groups than the
								 * limit holds) */
};

bool
group_key_hashable(Oid typid)
{
	TypeCacheEntry *tce = lookup_type_cache(getBaseType(typid),
											TYPECACHE_HASH_PROC | TYPECACHE_EQ_OPR);

	return OidIsValid(tce->hash_proc) && OidIsValid(tce->eq_opr);
}

static void
key_init(GroupKey *k, Oid typid, Oid collation)
{
	TypeCacheEntry *tce = lookup_type_cache(getBaseType(typid),
											TYPECACHE_HASH_PROC_FINFO |
											TYPECACHE_EQ_OPR_FINFO);

	if (!OidIsValid(tce->hash_proc_finfo.fn_oid) || !OidIsValid(tce->eq_opr_finfo.fn_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("a group key of type %s has no hash function", format_type_be(typid))));
	k->typid = typid;
	k->collation = collation;
	get_typlenbyval(typid, &k->typlen, &k->typbyval);
	k->hash = &tce->hash_proc_finfo;
	k->eq = &tce->eq_opr_finfo;
	k->by_datum = tce->typbyval &&
		(tce->type_id == INT2OID || tce->type_id == INT4OID ||
		 tce->type_id == INT8OID || tce->type_id == OIDOID ||
		 tce->type_id == DATEOID);
}

/* The context of the keys and states (again after a stop) */
static void
states_context(GroupTable *gt)
{
	/* blocks of at most 256 kB: what the limit counts is what is used */
	gt->scxt = GenerationContextCreate(gt->mcxt, "pg_learn group states",
									   ALLOCSET_DEFAULT_MINSIZE, ALLOCSET_DEFAULT_INITSIZE,
									   256 * 1024);
}

static GroupTable *
table_create(int nkeys, MemoryContext mcxt)
{
	GroupTable *gt = MemoryContextAllocZero(mcxt, sizeof(GroupTable));

	gt->nkeys = nkeys;
	gt->entsize = MAXALIGN(offsetof(GroupEntry, keys) + sizeof(NullableDatum) * nkeys);
	gt->keys = MemoryContextAllocZero(mcxt, sizeof(GroupKey) * nkeys);
	gt->mcxt = AllocSetContextCreate(mcxt, "pg_learn groups", ALLOCSET_DEFAULT_SIZES);
	states_context(gt);
	/*
	 * what a hash aggregate holds, and at most what one value can carry:
	 * the result and a worker's table are one bytea, at most 1 GB
	 */
	gt->limit = Min(get_hash_memory_limit(), GROUP_MAX_MEMORY);
	return gt;
}

GroupTable *
group_table_create(FunctionCallInfo fcinfo, int first, int nkeys, MemoryContext mcxt)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	GroupTable *gt = table_create(nkeys, mcxt);

	for (int j = 0; j < nkeys; j++)
	{
		/* argument 0 of the transition is the state */
		Oid			collation = InvalidOid;

		if (aggref && first + j - 1 < list_length(aggref->args))
			collation = exprCollation((Node *) list_nth_node(TargetEntry, aggref->args,
															 first + j - 1)->expr);
		else if (aggref == NULL)
			collation = PG_GET_COLLATION();	/* a window aggregate's */
		key_init(&gt->keys[j], get_fn_expr_argtype(fcinfo->flinfo, first + j), collation);
	}
	return gt;
}

GroupTable *
group_table_create_typed(int nkeys, const Oid *typids, const Oid *collations,
						 MemoryContext mcxt)
{
	GroupTable *gt = table_create(nkeys, mcxt);

	for (int j = 0; j < nkeys; j++)
		key_init(&gt->keys[j], typids[j], collations[j]);
	return gt;
}

MemoryContext
group_table_context(GroupTable *gt)
{
	return gt->scxt;
}

bool
group_table_stopped(GroupTable *gt)
{
	return gt->stopped;
}

int
group_table_count(GroupTable *gt)
{
	return gt->nentries;
}

void *
group_table_state(GroupTable *gt, int i)
{
	return ENTRY(gt, i)->state;
}

/* Free the states and keys; the table takes no more groups. */
static void
table_stop(GroupTable *gt)
{
	MemoryContextReset(gt->mcxt);	/* and deletes scxt */
	states_context(gt);
	gt->stopped = true;
	gt->nentries = gt->capentries = gt->nslots = 0;
	gt->entries = NULL;
	gt->slots = NULL;
}

void
group_table_unbounded(GroupTable *gt)
{
	gt->limit = SIZE_MAX;
}

bool
group_table_check_memory(GroupTable *gt)
{
	Size		used;

	if (gt->stopped || (used = MemoryContextMemAllocated(gt->mcxt, true)) <= gt->limit)
		return gt->stopped;

	/*
	 * A serial scan ends here: the rest of its rows would be read for
	 * nothing.  A parallel one goes on, its table stopped, to its end: an
	 * error would end it too, but the workers it stops, or that had not
	 * yet started, write errors of their own to the server log.
	 */
	if (!IsInParallelMode())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s", GROUP_TABLE_FULL),
				 errdetail("%d groups took %zu kB, more than the %zu kB of hash_mem.",
						   gt->nentries, used / 1024, gt->limit / 1024),
				 errhint("Group with GROUP BY, or raise work_mem or hash_mem_multiplier.")));
	table_stop(gt);
	return true;
}

bool
group_table_full_error(const ErrorData *edata)
{
	return edata->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED &&
		edata->message != NULL && strcmp(edata->message, GROUP_TABLE_FULL) == 0;
}

GroupTable *
group_table_create_like(GroupTable *src, MemoryContext mcxt)
{
	GroupTable *gt = table_create(src->nkeys, mcxt);

	memcpy(gt->keys, src->keys, sizeof(GroupKey) * src->nkeys);
	return gt;
}

static uint32
key_hash(GroupTable *gt, const NullableDatum *keys)
{
	uint32		h = 0;

	for (int j = 0; j < gt->nkeys; j++)
	{
		uint32		v;

		if (keys[j].isnull)
			v = 0x9e3779b9;
		else if (gt->keys[j].by_datum)
		{
			uint64		d = (uint64) keys[j].value;

			v = murmurhash32((uint32) d ^ murmurhash32((uint32) (d >> 32)));
		}
		else
			v = DatumGetUInt32(FunctionCall1Coll(gt->keys[j].hash, gt->keys[j].collation,
												 keys[j].value));
		h = hash_combine(h, v);
	}
	return murmurhash32(h);
}

static bool
key_equal(GroupTable *gt, const GroupEntry *e, const NullableDatum *keys)
{
	for (int j = 0; j < gt->nkeys; j++)
	{
		if (e->keys[j].isnull != keys[j].isnull)
			return false;
		if (keys[j].isnull)
			continue;
		if (gt->keys[j].by_datum ? e->keys[j].value != keys[j].value :
			!DatumGetBool(FunctionCall2Coll(gt->keys[j].eq, gt->keys[j].collation,
											e->keys[j].value, keys[j].value)))
			return false;
	}
	return true;
}

/* The slots again, for twice as many (at least 64). */
static void
table_grow(GroupTable *gt)
{
	int			n = Max(gt->nslots * 2, 64);

	if (gt->slots)
		pfree(gt->slots);
	gt->slots = MemoryContextAlloc(gt->mcxt, sizeof(int) * n);
	memset(gt->slots, -1, sizeof(int) * n);
	gt->nslots = n;
	for (int i = 0; i < gt->nentries; i++)
	{
		uint32		s = ENTRY(gt, i)->hash & (n - 1);

		while (gt->slots[s] >= 0)
			s = (s + 1) & (n - 1);
		gt->slots[s] = i;
	}
}

/*
 * The entry of keys (hash h), a new one when missing and create is true;
 * NULL once stopped.
 */
static GroupEntry *
table_find(GroupTable *gt, const NullableDatum *keys, uint32 h, bool create)
{
	uint32		s;
	GroupEntry *e;
	MemoryContext old;

	if (gt->stopped || (gt->nslots == 0 && !create))
		return NULL;
	if (gt->nslots == 0)
		table_grow(gt);
	for (s = h & (gt->nslots - 1); gt->slots[s] >= 0; s = (s + 1) & (gt->nslots - 1))
	{
		e = ENTRY(gt, gt->slots[s]);
		if (e->hash == h && key_equal(gt, e, keys))
			return e;
	}
	if (!create)
		return NULL;

	/*
	 * A new group: the memory is counted every so many groups (or rows,
	 * group_table_find), or now when the table's own contexts alone hold
	 * more than the limit: a state of many columns can take megabytes
	 * (a multinomial pass's of 400 terms, 1.3 MB), and the table would
	 * otherwise hold 64 of them before it counts.
	 */
	if (gt->nentries >= gt->next_check ||
		gt->mcxt->mem_allocated + gt->scxt->mem_allocated > gt->limit)
	{
		gt->next_check = gt->nentries + Max(64, gt->nentries / 8);
		if (group_table_check_memory(gt))
			return NULL;
	}
	old = MemoryContextSwitchTo(gt->mcxt);
	if (gt->nentries == gt->capentries)
	{
		gt->capentries = Max(gt->capentries * 2, 64);
		gt->entries = gt->entries ?
			repalloc_huge(gt->entries, gt->entsize * gt->capentries) :
			palloc(gt->entsize * gt->capentries);
	}
	e = ENTRY(gt, gt->nentries);
	MemoryContextSwitchTo(gt->scxt);
	e->hash = h;
	for (int j = 0; j < gt->nkeys; j++)
	{
		Datum		v = keys[j].value;

		e->keys[j].isnull = keys[j].isnull;
		if (keys[j].isnull)
			e->keys[j].value = (Datum) 0;
		else if (gt->keys[j].typlen == -1)
		{
			/* a key's own bytes, not a pointer to TOAST: the table counts them */
			struct varlena *d = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(v));

			e->keys[j].value = PointerGetDatum(d);
			if (d == (struct varlena *) DatumGetPointer(v))
				e->keys[j].value = datumCopy(v, false, -1);
		}
		else
			e->keys[j].value = datumCopy(v, gt->keys[j].typbyval, gt->keys[j].typlen);
	}
	e->state = NULL;
	gt->slots[s] = gt->nentries++;
	MemoryContextSwitchTo(old);
	if (gt->nentries * 2 > gt->nslots)
	{
		table_grow(gt);
		e = ENTRY(gt, gt->nentries - 1);
	}
	return e;
}

void	  **
group_table_find(GroupTable *gt, const NullableDatum *keys)
{
	GroupEntry *e;

	if (gt->stopped)
		return NULL;
	if (++gt->rows >= GROUP_CHECK_ROWS)
	{
		gt->rows = 0;
		group_table_check_memory(gt);
	}
	e = table_find(gt, keys, key_hash(gt, keys), true);
	return e ? &e->state : NULL;
}

void *
group_table_lookup(GroupTable *gt, const NullableDatum *keys)
{
	GroupEntry *e = table_find(gt, keys, key_hash(gt, keys), false);

	return e ? e->state : NULL;
}

GroupKeysResult
group_table_add_keys(GroupTable *gt, KeyReader *readers,
					 const char *(*next) (void *arg, void **state), void *arg)
{
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext tmp = AllocSetContextCreate(outer, "pg_learn group keys",
											  ALLOCSET_DEFAULT_SIZES);
	NullableDatum keys[INDEX_MAX_KEYS];
	GroupKeysResult result = GROUP_KEYS_ADDED;
	int			nest = -1;
	const char *key;
	void	   *state;

	Assert(gt->nkeys <= INDEX_MAX_KEYS);
	if (key_readers_need_settings(readers, gt->nkeys))
		nest = key_settings_fix(true);
	while (result == GROUP_KEYS_ADDED && (key = next(arg, &state)) != NULL)
	{
		KeyRead		r;
		void	  **slot;

		CHECK_FOR_INTERRUPTS();
		/* the values are copied into the table */
		MemoryContextReset(tmp);
		MemoryContextSwitchTo(tmp);
		r = key_lookup_values(key, gt->nkeys, readers, keys);
		MemoryContextSwitchTo(outer);
		if (r == KEY_MALFORMED)
			result = GROUP_KEYS_MALFORMED;
		else if (r == KEY_READ)
		{
			slot = group_table_find(gt, keys);
			if (*slot != NULL)
				result = GROUP_KEYS_EQUAL;
			else
				*slot = state;
		}
	}
	if (nest >= 0)
		key_settings_restore(nest);
	MemoryContextDelete(tmp);
	return result;
}

void
group_table_merge(GroupTable *dst, GroupTable *src, void (*merge) (void *dst, void *src),
				  void *(*copy) (void *src))
{
	NullableDatum keys[INDEX_MAX_KEYS];

	if (src->stopped)
	{
		table_stop(dst);
		return;
	}
	for (int i = 0; i < src->nentries && !dst->stopped; i++)
	{
		GroupEntry *se = ENTRY(src, i);
		GroupEntry *de;

		for (int j = 0; j < src->nkeys; j++)
		{
			keys[j] = se->keys[j];
		}
		de = table_find(dst, keys, se->hash, true);
		if (de == NULL)
			break;
		if (de->state == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(dst->scxt);

			de->state = copy(se->state);
			MemoryContextSwitchTo(old);
		}
		else
			merge(de->state, se->state);
		CHECK_FOR_INTERRUPTS();
	}
	group_table_check_memory(dst);
}

/* A state's bytes: length, then the bytes. */
static void
send_state(StringInfo buf, bytea *b)
{
	pq_sendint32(buf, VARSIZE_ANY_EXHDR(b));
	pq_sendbytes(buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	pfree(b);
}

void
group_table_serialize(GroupTable *gt, StringInfo buf, bytea *(*serialize) (void *state))
{
	pq_sendint32(buf, gt->nkeys);
	for (int j = 0; j < gt->nkeys; j++)
	{
		pq_sendint32(buf, gt->keys[j].typid);
		pq_sendint32(buf, gt->keys[j].collation);
	}
	pq_sendbyte(buf, gt->stopped);
	pq_sendint32(buf, gt->nentries);
	for (int i = 0; i < gt->nentries; i++)
	{
		GroupEntry *e = ENTRY(gt, i);

		for (int j = 0; j < gt->nkeys; j++)
		{
			Size		size = datumEstimateSpace(e->keys[j].value, e->keys[j].isnull,
												  gt->keys[j].typbyval, gt->keys[j].typlen);
			char	   *p;

			enlargeStringInfo(buf, size);
			p = buf->data + buf->len;
			datumSerialize(e->keys[j].value, e->keys[j].isnull, gt->keys[j].typbyval,
						   gt->keys[j].typlen, &p);
			buf->len += size;
		}
		send_state(buf, serialize(e->state));
	}
}

GroupTable *
group_table_deserialize(StringInfo buf, MemoryContext mcxt, void *(*read) (bytea *b))
{
	int			nkeys = pq_getmsgint(buf, 4);
	GroupTable *gt;
	int			n;
	NullableDatum keys[INDEX_MAX_KEYS];

	if (nkeys < 1 || nkeys > INDEX_MAX_KEYS)
		elog(ERROR, "pg_learn: a state of groups has %d key columns", nkeys);
	gt = table_create(nkeys, mcxt);
	for (int j = 0; j < nkeys; j++)
	{
		Oid			typid = pq_getmsgint(buf, 4);
		Oid			collation = pq_getmsgint(buf, 4);

		key_init(&gt->keys[j], typid, collation);
	}
	gt->stopped = pq_getmsgbyte(buf) != 0;
	n = pq_getmsgint(buf, 4);
	for (int i = 0; i < n; i++)
	{
		GroupEntry *e;
		int			len;
		bytea	   *b;
		MemoryContext old;

		for (int j = 0; j < nkeys; j++)
		{
			char	   *p = buf->data + buf->cursor;

			keys[j].value = datumRestore(&p, &keys[j].isnull);
			buf->cursor = p - buf->data;
		}
		e = table_find(gt, keys, key_hash(gt, keys), true);
		if (e == NULL)
		{
			/* more than the limit holds here: stopped, the rest unread */
			buf->cursor = buf->len;
			break;
		}
		if (e->state != NULL)
			elog(ERROR, "pg_learn: a state of groups holds a group twice");
		len = pq_getmsgint(buf, 4);
		b = palloc(VARHDRSZ + len);
		SET_VARSIZE(b, VARHDRSZ + len);
		pq_copymsgbytes(buf, VARDATA(b), len);
		old = MemoryContextSwitchTo(gt->scxt);
		e->state = read(b);
		MemoryContextSwitchTo(old);
		pfree(b);
	}
	return gt;
}

void
group_table_result(GroupTable *gt, StringInfo buf, bytea *(*serialize) (void *state))
{
	KeyFormatter *kf = palloc(sizeof(KeyFormatter) * gt->nkeys);
	int			count_at;
	uint32		count = 0;

	for (int j = 0; j < gt->nkeys; j++)
		key_formatter_init(&kf[j], gt->keys[j].typid, CurrentMemoryContext);

	pq_sendint32(buf, gt->nkeys);
	pq_sendbyte(buf, gt->stopped);
	count_at = buf->len;
	pq_sendint32(buf, 0);		/* the groups written, set below */
	for (int i = 0; i < gt->nentries; i++)
	{
		GroupEntry *e = ENTRY(gt, i);
		bytea	   *result = serialize(e->state);

		if (result == NULL)
			continue;			/* the group has no result */
		count++;
		for (int j = 0; j < gt->nkeys; j++)
		{
			pq_sendbyte(buf, e->keys[j].isnull);
			if (!e->keys[j].isnull)
			{
				char	   *t = key_text(&kf[j], e->keys[j].value);

				pq_sendint32(buf, strlen(t));
				pq_sendbytes(buf, t, strlen(t));
			}
		}
		send_state(buf, result);
	}
	count = pg_hton32(count);
	memcpy(buf->data + count_at, &count, sizeof(count));
}

bytea *
group_table_bytea(GroupTable *gt, char version, char kind,
				  void (*write) (GroupTable *, StringInfo, bytea *(*) (void *)),
				  bytea *(*each) (void *))
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, version);
	pq_sendbyte(&buf, kind);
	write(gt, &buf, each);
	return pq_endtypsend(&buf);
}

GroupTable *
group_table_from_bytea(bytea *b, char version, char kind, MemoryContext mcxt,
					   void *(*read) (bytea *b))
{
	StringInfoData buf;
	GroupTable *gt;

	if (VARSIZE_ANY_EXHDR(b) <= 2 || VARDATA_ANY(b)[0] != version ||
		VARDATA_ANY(b)[1] != kind)
		return NULL;
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 2;
	gt = group_table_deserialize(&buf, mcxt, read);
	pq_getmsgend(&buf);
	return gt;
}
