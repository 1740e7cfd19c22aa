/*-------------------------------------------------------------------------
 * passparam.c
 *	  The per-group parameter of a training pass (see passparam.h).
 *
 * Layout, network byte order: version byte, int32 nparam, int32 ngroups,
 * then per group an int32 key length, the key's bytes and nparam float8s.
 * The key is the lookup key that scoring also uses: each group value's
 * canonical text (keys.c), joined by key_append.
 *
 * A row finds its group's parameters by its values' text, and, when that
 * fails, by their equality: values that are equal may print differently
 * (float8 0 and -0, a nondeterministic collation's 'a' and 'A', interval
 * '1 day' and '24:00:00'), and which of them a group's first row in a
 * parallel worker holds is chance.  At the first miss the keys are read
 * back with their types' input functions into a table hashed as GROUP BY
 * hashes (state/groups.h); a key whose text does not read back (from
 * PostgreSQL 16 on, which reports it softly: a domain constraint added
 * NOT VALID, an aclitem of a dropped role) is found by its text alone.
 * Group types without a hash function, which the driver groups by
 * sorting, and more than INDEX_MAX_KEYS group columns are found by text
 * alone.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "keys.h"
#include "passparam.h"
#include "state/groups.h"

struct PassParams
{
	int			nparam;
	int			ngroupcols;
	int			param_arg;
	int			first_group_arg;

	/*
	 * A parameter that is a constant or an external parameter of the query
	 * (the driver's $1) is decoded once.  Another (a hand call whose
	 * parameter is an expression, which a correlated subquery may
	 * evaluate to another value in each rescan) is compared with the value
	 * decoded, by its length and a hash of its bytes, at each lookup.
	 * What is decoded lives in mcxt, emptied when it is decoded again.
	 */
	bool		stable;
	int			len;
	uint64		hash;
	MemoryContext mcxt;
	HTAB	   *groups;			/* by lookup key: key -> PassParamEntry */
	bool		typed;			/* the group columns hash: a miss looks in */
	GroupTable *table;			/* the groups by their values' equality,
								 * made at the first miss */
	KeyFormatter *fmt;			/* one per group column */
	StringInfoData key;			/* the lookup key being built */
};

typedef struct PassParamEntry
{
	char	   *key;			/* first, as key_table_create wants */
	double	   *param;
} PassParamEntry;

void
learn_pass_param_begin(StringInfo buf, int nparam)
{
	pq_begintypsend(buf);
	pq_sendbyte(buf, PASS_PARAM_VERSION);
	pq_sendint32(buf, nparam);
	pq_sendint32(buf, 0);		/* groups, set by learn_pass_param_end */
}

void
learn_pass_param_add(StringInfo buf, const char *lookup_key, const double *param,
					 int nparam)
{
	int			len = strlen(lookup_key);

	pq_sendint32(buf, len);
	pq_sendbytes(buf, lookup_key, len);
	for (int j = 0; j < nparam; j++)
		pq_sendfloat8(buf, param[j]);
	/* the count of groups sits after the version byte and nparam */
	{
		uint32		n;

		memcpy(&n, buf->data + VARHDRSZ + 1 + 4, 4);
		n = pg_hton32(pg_ntoh32(n) + 1);
		memcpy(buf->data + VARHDRSZ + 1 + 4, &n, 4);
	}
}

bytea *
learn_pass_param_end(StringInfo buf)
{
	return pq_endtypsend(buf);
}

static void
invalid_param(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid pg_learn pass parameter"),
			 errdetail("%s", detail)));
}

/* group_table_add_keys's next: the parameter's keys, from a hash scan */
static const char *
next_param_key(void *arg, void **state)
{
	PassParamEntry *e = hash_seq_search((HASH_SEQ_STATUS *) arg);

	if (e == NULL)
		return NULL;
	*state = e->param;
	return e->key;
}

/*
 * pp->table from pp->groups: each lookup key's values read back by their
 * types' input functions, under the settings their text was written in.
 */
static void
table_from_keys(PassParams *pp, FunctionCallInfo fcinfo)
{
	MemoryContext mcxt = pp->mcxt;
	MemoryContext outer = MemoryContextSwitchTo(mcxt);
	KeyReader  *readers = palloc(sizeof(KeyReader) * pp->ngroupcols);
	HASH_SEQ_STATUS seq;
	GroupKeysResult r;

	pp->table = group_table_create(fcinfo, pp->first_group_arg, pp->ngroupcols, mcxt);
	/* what it holds is what the parameter carries */
	group_table_unbounded(pp->table);
	for (int i = 0; i < pp->ngroupcols; i++)
		key_reader_init(&readers[i],
						get_fn_expr_argtype(fcinfo->flinfo, pp->first_group_arg + i),
						mcxt);
	hash_seq_init(&seq, pp->groups);
	r = group_table_add_keys(pp->table, readers, next_param_key, &seq);
	if (r == GROUP_KEYS_MALFORMED)
		invalid_param("A group key is not one value per group column.");
	if (r == GROUP_KEYS_EQUAL)
		invalid_param("Two group keys hold equal values.");
	MemoryContextSwitchTo(outer);
}

/*
 * Decode the call's parameter (argument pp->param_arg) into pp, in
 * pp->mcxt.
 */
static void
decode_value(PassParams *pp, FunctionCallInfo fcinfo)
{
	MemoryContext old;
	bytea	   *b;
	StringInfoData buf;
	int			ngroups;
	int			nparam = pp->nparam;
	int			ngroupcols = pp->ngroupcols;

	if (PG_ARGISNULL(pp->param_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the pass parameter and its number of group columns must not be NULL")));
	b = PG_GETARG_BYTEA_PP(pp->param_arg);
	buf.data = VARDATA_ANY(b);
	buf.len = buf.maxlen = VARSIZE_ANY_EXHDR(b);
	buf.cursor = 0;
	pp->len = buf.len;
	pp->hash = hash_bytes_extended((const unsigned char *) buf.data, buf.len, 0);
	if (buf.len < 9)
		invalid_param("The value is too short.");
	if (pq_getmsgbyte(&buf) != PASS_PARAM_VERSION)
		invalid_param("The value is of another version.");
	if (pq_getmsgint(&buf, 4) != nparam)
		invalid_param("The number of values per group does not match the aggregate's.");
	ngroups = pq_getmsgint(&buf, 4);
	if (ngroups < 0)
		invalid_param("The number of groups is negative.");
	/* each group takes at least a key length and its values */
	if ((uint64) ngroups * (4 + sizeof(double) * (uint64) nparam) >
		(uint64) (buf.len - buf.cursor))
		invalid_param("The number of groups does not fit the value's length.");

	old = MemoryContextSwitchTo(pp->mcxt);
	pp->groups = key_table_create("pg_learn pass parameters", ngroups,
								  sizeof(PassParamEntry), pp->mcxt);
	pp->table = NULL;
	for (int g = 0; g < ngroups; g++)
	{
		int			len;
		char	   *key;
		double	   *param;
		PassParamEntry *e;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		if (buf.len - buf.cursor < 4)
			invalid_param("A group key's length runs past the end.");
		len = pq_getmsgint(&buf, 4);
		if (len < 0 || len > buf.len - buf.cursor)
			invalid_param("A group key runs past the end.");
		key = palloc(len + 1);
		pq_copymsgbytes(&buf, key, len);
		key[len] = '\0';
		if (strlen(key) != len)
			invalid_param("A group key holds a NUL byte.");
		if ((size_t) (buf.len - buf.cursor) < sizeof(double) * nparam)
			invalid_param("A group's values run past the end.");
		param = palloc(sizeof(double) * Max(nparam, 1));
		for (int j = 0; j < nparam; j++)
		{
			param[j] = pq_getmsgfloat8(&buf);
			if (!isfinite(param[j]))
				invalid_param("A group's value is not finite.");
		}
		e = hash_search(pp->groups, &key, HASH_ENTER, &found);
		if (found)
			invalid_param("A group key appears twice.");
		e->key = key;
		e->param = param;
	}
	if (buf.cursor != buf.len)
		invalid_param("Bytes follow the last group.");

	pp->fmt = palloc(sizeof(KeyFormatter) * Max(ngroupcols, 1));
	for (int i = 0; i < ngroupcols; i++)
		key_formatter_init(&pp->fmt[i],
						   get_fn_expr_argtype(fcinfo->flinfo, pp->first_group_arg + i),
						   pp->mcxt);
	initStringInfo(&pp->key);
	MemoryContextSwitchTo(old);
}

PassParams *
learn_pass_params_decode(FunctionCallInfo fcinfo, int param_arg, int ngroupcols_arg,
						 int first_group_arg, int nparam)
{
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	PassParams *pp;
	int			ngroupcols;

	if (PG_ARGISNULL(param_arg) || PG_ARGISNULL(ngroupcols_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the pass parameter and its number of group columns must not be NULL")));
	ngroupcols = PG_GETARG_INT32(ngroupcols_arg);
	/* written so that no sum overflows: ngroupcols comes from SQL */
	if (ngroupcols < 0 || ngroupcols > PG_NARGS() - first_group_arg)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d group columns do not fit the %d arguments",
						ngroupcols, PG_NARGS() - first_group_arg)));
	pp = MemoryContextAllocZero(mcxt, sizeof(PassParams));
	pp->nparam = nparam;
	pp->ngroupcols = ngroupcols;
	pp->param_arg = param_arg;
	pp->first_group_arg = first_group_arg;
	pp->typed = ngroupcols > 0 && ngroupcols <= INDEX_MAX_KEYS;
	for (int i = 0; i < ngroupcols && pp->typed; i++)
		pp->typed = group_key_hashable(get_fn_expr_argtype(fcinfo->flinfo,
														   first_group_arg + i));
	pp->mcxt = AllocSetContextCreate(mcxt, "pg_learn pass parameter", ALLOCSET_DEFAULT_SIZES);
	{
		Aggref	   *agg = AggGetAggref(fcinfo);
		Node	   *arg = agg && param_arg - 1 < list_length(agg->args) ?
			(Node *) ((TargetEntry *) list_nth(agg->args, param_arg - 1))->expr : NULL;

		pp->stable = arg != NULL &&
			(IsA(arg, Const) ||
			 (IsA(arg, Param) && ((Param *) arg)->paramkind == PARAM_EXTERN));
	}
	decode_value(pp, fcinfo);
	return pp;
}

/*
 * Decode the call's parameter again when it is not the value decoded
 * (pp->stable: it cannot change).
 */
static void
recheck_value(PassParams *pp, FunctionCallInfo fcinfo)
{
	bytea	   *b;

	if (pp->stable)
		return;
	if (!PG_ARGISNULL(pp->param_arg))
	{
		b = PG_GETARG_BYTEA_PP(pp->param_arg);
		if (VARSIZE_ANY_EXHDR(b) == pp->len &&
			hash_bytes_extended((const unsigned char *) VARDATA_ANY(b), pp->len, 0) == pp->hash)
			return;
	}
	MemoryContextReset(pp->mcxt);
	decode_value(pp, fcinfo);
}

/* A group's values, for its state in keep: see passparam.h */
static const double *
kept_values(PassParams *pp, const double *param, MemoryContext keep)
{
	double	   *copy;

	if (param == NULL || pp->stable)
		return param;
	copy = MemoryContextAlloc(keep, sizeof(double) * pp->nparam);
	memcpy(copy, param, sizeof(double) * pp->nparam);
	return copy;
}

const double *
learn_pass_params_lookup(PassParams *pp, FunctionCallInfo fcinfo, MemoryContext keep)
{
	PassParamEntry *e;
	char	   *k;

	recheck_value(pp, fcinfo);
	resetStringInfo(&pp->key);
	for (int i = 0; i < pp->ngroupcols; i++)
	{
		int			a = pp->first_group_arg + i;

		key_append(&pp->key, PG_ARGISNULL(a) ? NULL :
				   key_text(&pp->fmt[i], PG_GETARG_DATUM(a)));
	}
	k = pp->key.data;
	e = hash_search(pp->groups, &k, HASH_FIND, NULL);
	if (e != NULL || !pp->typed)
		return kept_values(pp, e ? e->param : NULL, keep);
	/* equal values that print otherwise, or a group that was not fitted */
	if (pp->table == NULL)
		table_from_keys(pp, fcinfo);
	return kept_values(pp, group_table_lookup(pp->table, fcinfo->args + pp->first_group_arg),
					   keep);
}

int
learn_pass_params_ngroupcols(const PassParams *pp)
{
	return pp->ngroupcols;
}
