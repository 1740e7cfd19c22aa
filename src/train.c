/*-------------------------------------------------------------------------
 * train.c
 *	  learn.train(): the driver.  It looks the algorithm up in the family
 *	  registry, resolves the source and its columns, runs the family's
 *	  aggregate passes over them through SPI (pass 1 shared by PostgreSQL's
 *	  parallel workers; later passes only when the family asks for them),
 *	  has the family fit each group and hands the result to catalog.c.
 *
 * Nothing here knows a family by name: what differs between algorithms is
 * behind the callbacks of family.h.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/memutils.h"
#include "tcop/dest.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "args.h"
#include "catalog.h"
#include "family.h"
#include "keys.h"
#include "passparam.h"

PG_FUNCTION_INFO_V1(learn_train);

/* Features train() can pass to a VARIADIC aggregate besides y and w. */
#define TRAIN_MAX_FEATURES (FUNC_MAX_ARGS - 4)

/* A column of the source. */
typedef struct SourceColumn
{
	char	   *name;
	Oid			typid;
} SourceColumn;

/* One group's outcome. */
typedef struct GroupFit
{
	Datum		key;			/* text[] datum, (Datum) 0 when ungrouped */
	char	   *key_text;		/* its text form */
	void	   *state;			/* the family's, from pass 1 */
	LearnCounts counts;
	void	   *fit;			/* the family's; NULL when the fit failed */
	const char *reason;
	bool		fitted;

	/*
	 * A group finished during pass 1 (no later pass): its state and fit
	 * are gone, what is stored of it is here.
	 */
	bool		done;
	char	   *metrics_json;
	LearnTerm  *terms;
	int			nterms;
} GroupFit;

/* ---------------------------------------------------------------------
 * The source
 * ---------------------------------------------------------------------
 */

/* Skip white space, parentheses and SQL comments (nested / * * / ones too). */
static const char *
skip_space_and_comments(const char *p)
{
	for (;;)
	{
		if (isspace((unsigned char) *p) || *p == '(')
			p++;
		else if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			p += 2;
			while (*p && depth > 0)
			{
				if (p[0] == '/' && p[1] == '*')
				{
					depth++;
					p += 2;
				}
				else if (p[0] == '*' && p[1] == '/')
				{
					depth--;
					p += 2;
				}
				else
					p++;
			}
		}
		else
			return p;
	}
}

/* Does the source text start like a query rather than a relation name? */
static bool
looks_like_query(const char *src)
{
	static const char *const words[] = {"select", "with", "values", "table", NULL};
	const char *p = skip_space_and_comments(src);

	for (int i = 0; words[i]; i++)
	{
		size_t		len = strlen(words[i]);

		if (pg_strncasecmp(p, words[i], len) == 0 &&
			!(isalnum((unsigned char) p[len]) || p[len] == '_'))
			return true;
	}
	return false;
}

/* The FROM item for the source, aliased "s". */
static char *
source_from_item(const char *src)
{
	if (looks_like_query(src))
	{
		List	   *stmts = raw_parser(src, RAW_PARSE_DEFAULT);
		RawStmt    *rs;
		char	   *text;

		if (list_length(stmts) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("the source must be a single query, not %d statements",
							list_length(stmts))));
		rs = linitial_node(RawStmt, stmts);
		if (!IsA(rs->stmt, SelectStmt))
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("the source query must be a SELECT")));
		if (((SelectStmt *) rs->stmt)->lockingClause != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the source query must not lock rows"),
					 errdetail("Training only reads the source, on parallel workers that cannot lock rows."),
					 errhint("Remove FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE or FOR KEY SHARE from the source.")));
		if (((SelectStmt *) rs->stmt)->intoClause != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("the source query must not be a SELECT INTO"),
					 errhint("Training only reads the source; remove INTO.")));
		if (rs->stmt_len > 0)
			text = pnstrdup(src + rs->stmt_location, rs->stmt_len);
		else
			text = pstrdup(src + rs->stmt_location);
		return psprintf("(\n%s\n) AS s", text);
	}
	else
	{
		List	   *names;
		Oid			relid;

		if (!SplitIdentifierString(pstrdup(src), '.', &names) || names == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("source \"%s\" is neither a table or view name nor a query", src),
					 errhint("Give a name such as 'sales' or 'public.\"Sales 2024\"', or a query starting with SELECT, WITH, VALUES or TABLE.")));
		names = learn_qualified_name_list(src);
		relid = RangeVarGetRelid(makeRangeVarFromNameList(names), AccessShareLock, false);

		return psprintf("%s AS s",
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												   get_rel_name(relid)));
	}
}

/* The source's columns, allocated in mcxt. */
static List *
source_columns(const char *from, MemoryContext mcxt)
{
	List	   *cols = NIL;
	int			ret;
	TupleDesc	td;

	ret = SPI_execute(psprintf("SELECT * FROM %s LIMIT 0", from), true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_learn: reading the columns of the source failed");
	/* SPI leaves us in its own context, which SPI_finish frees */
	MemoryContextSwitchTo(mcxt);
	td = SPI_tuptable->tupdesc;
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);
		SourceColumn *c;

		if (att->attisdropped)
			continue;
		c = palloc(sizeof(SourceColumn));
		c->name = pstrdup(NameStr(att->attname));
		c->typid = getBaseType(att->atttypid);
		cols = lappend(cols, c);
	}
	return cols;
}

static SourceColumn *
find_column(List *cols, const char *name, const char *role)
{
	ListCell   *lc;

	foreach(lc, cols)
	{
		SourceColumn *c = lfirst(lc);

		if (strcmp(c->name, name) == 0)
			return c;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("%s column \"%s\" does not exist in the source", role, name)));
	return NULL;
}

static void
require_numeric(SourceColumn *c, const char *role, bool allow_bool)
{
	LearnArgKind kind;

	if (!learn_arg_kind(c->typid, &kind) || (!allow_bool && c->typid == BOOLOID))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s column \"%s\" has type %s, which is not %s",
						role, c->name, format_type_be(c->typid),
						allow_bool ? "numeric or boolean" : "numeric"),
				 strcmp(role, "feature") == 0 ?
				 errhint("Categorical features are not supported yet; list numeric features explicitly, or cast in a source query.") : 0));
}

static bool
in_names(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	return false;
}

static List *
text_array_to_list(ArrayType *arr, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *l = NIL;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", what)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *s;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", what)));
		s = TextDatumGetCString(elems[i]);
		if (in_names(l, s))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" appears twice in %s", s, what)));
		l = lappend(l, s);
	}
	return l;
}

/* ---------------------------------------------------------------------
 * The driver
 * ---------------------------------------------------------------------
 */

static char *
text_arg(FunctionCallInfo fcinfo, int i, const char *what)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(i));
}

/*
 * The arguments of a training aggregate: y and w, the feature names when
 * named (a text[] constant, which stamps the state), then the features as
 * separate arguments.
 */
static void
append_agg_args(StringInfo sql, const char *target, const char *weight,
				List *features, bool named)
{
	ListCell   *lc;

	appendStringInfo(sql, "s.%s::pg_catalog.float8, %s", quote_identifier(target),
					 weight ? psprintf("s.%s::pg_catalog.float8", quote_identifier(weight)) :
					 "1::pg_catalog.float8");
	if (named)
	{
		StringInfoData arr;

		initStringInfo(&arr);
		appendStringInfoChar(&arr, '{');
		foreach(lc, features)
		{
			const char *f = lfirst(lc);

			if (foreach_current_index(lc) > 0)
				appendStringInfoChar(&arr, ',');
			appendStringInfoChar(&arr, '"');
			for (const char *c = f; *c; c++)
			{
				if (*c == '"' || *c == '\\')
					appendStringInfoChar(&arr, '\\');
				appendStringInfoChar(&arr, *c);
			}
			appendStringInfoChar(&arr, '"');
		}
		appendStringInfoChar(&arr, '}');
		appendStringInfo(sql, ", %s::pg_catalog.text[]", quote_literal_cstr(arr.data));
	}
	foreach(lc, features)
		appendStringInfo(sql, ", s.%s", quote_identifier((char *) lfirst(lc)));
}

static char *
group_key_expr(List *group_by)
{
	StringInfoData b;
	ListCell   *lc;

	initStringInfo(&b);
	appendStringInfoString(&b, "ARRAY[");
	foreach(lc, group_by)
	{
		/* canonical text, as scoring formats a row's value */
		appendStringInfo(&b, "%slearn._key_text(s.%s)",
						 foreach_current_index(lc) > 0 ? ", " : "",
						 quote_identifier((char *) lfirst(lc)));
	}
	appendStringInfoString(&b, "]::pg_catalog.text[]");
	return b.data;
}

/*
 * The receiver of pass 1's groups.  Each group's state is absorbed as it
 * arrives.  When no later pass needs the groups' fits (finish_now), the
 * group is also fitted and what is stored of it (metrics, terms) made at
 * once, in a memory context reset after each group: memory grows with
 * what is stored, not with the states and fits of every group.
 */
typedef struct GroupReceiver
{
	DestReceiver pub;
	const LearnFamily *family;
	void	   *plan;
	bool		grouped;
	bool		finish_now;
	MemoryContext mcxt;			/* where the groups live */
	MemoryContext gcxt;			/* one group's work, reset after it */
	ErrorContextCallback *outer_context;	/* of learn.train's caller */
	GroupFit   *groups;
	int			n;
	int			cap;
} GroupReceiver;

static void
group_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
group_shutdown(DestReceiver *self)
{
}

static void
group_destroy(DestReceiver *self)
{
}

/* What is stored of a fitted group: its metrics (when grouped) and terms. */
static void
record_group(const LearnFamily *family, void *plan, GroupFit *g, void *state,
			 void *fit, bool grouped)
{
	if (grouped)
	{
		StringInfoData gm;

		initStringInfo(&gm);
		family->metrics(&gm, plan, state, fit);
		g->metrics_json = gm.data;
	}
	g->nterms = family->terms(plan, fit, g->key_text, &g->terms);
}

/* Fit a streamed group and keep what is stored of it. */
static void
finish_group(GroupReceiver *r, GroupFit *g, void *state)
{
	const LearnFamily *family = r->family;
	ErrorContextCallback *saved = error_context_stack;
	void	   *fit;
	const char *reason = NULL;

	/* notices of the fit read as after the pass, without its context */
	error_context_stack = r->outer_context;
	fit = family->fit(r->plan, state, &reason);
	MemoryContextSwitchTo(r->mcxt);
	if (fit == NULL)
		g->reason = pstrdup(reason);
	else
	{
		g->fitted = true;
		record_group(family, r->plan, g, state, fit, r->grouped);
	}
	g->done = true;
	error_context_stack = saved;
}

static bool
group_receive(TupleTableSlot *slot, DestReceiver *self)
{
	GroupReceiver *r = (GroupReceiver *) self;
	bool		isnull;
	Datum		key;
	Datum		state;
	GroupFit   *g;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	state = slot_getattr(slot, 2, &isnull);
	if (isnull)
		return true;
	key = slot_getattr(slot, 1, &isnull);
	old = MemoryContextSwitchTo(r->mcxt);
	if (r->n == r->cap)
	{
		r->groups = repalloc(r->groups, sizeof(GroupFit) * r->cap * 2);
		memset(r->groups + r->cap, 0, sizeof(GroupFit) * r->cap);
		r->cap *= 2;
	}
	g = &r->groups[r->n++];
	if (r->grouped)
	{
		g->key = datumCopy(key, false, -1);
		g->key_text = OidOutputFunctionCall(F_ARRAY_OUT, g->key);
	}
	if (r->finish_now)
	{
		void	   *st;

		MemoryContextSwitchTo(r->gcxt);
		st = r->family->absorb(r->plan, DatumGetByteaPP(state), &g->counts);
		finish_group(r, g, st);
		MemoryContextReset(r->gcxt);
	}
	else
		g->state = r->family->absorb(r->plan, DatumGetByteaPP(state), &g->counts);
	MemoryContextSwitchTo(old);
	return true;
}

/* Pass 1: the state of each group.  Results are copied to mcxt. */
static GroupFit *
run_state_pass(const LearnFamily *family, void *plan, const char *from,
			   const char *target, const char *weight, List *features,
			   List *group_by, bool finish_now, ErrorContextCallback *outer_context,
			   int *ngroups, MemoryContext mcxt)
{
	StringInfoData sql;
	GroupReceiver recv;
	SPIExecuteOptions opts;
	int			ret;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	if (group_by != NIL)
		appendStringInfo(&sql, "%s, ", group_key_expr(group_by));
	else
		appendStringInfoString(&sql, "NULL::pg_catalog.text[], ");
	appendStringInfo(&sql, "%s(", family->state_aggregate);
	append_agg_args(&sql, target, weight, features, family->state_named);
	appendStringInfo(&sql, ") FROM %s", from);
	if (group_by != NIL)
	{
		ListCell   *lc;

		appendStringInfoString(&sql, " GROUP BY ");
		foreach(lc, group_by)
			appendStringInfo(&sql, "%ss.%s", foreach_current_index(lc) > 0 ? ", " : "",
							 quote_identifier((char *) lfirst(lc)));
		appendStringInfoString(&sql, " ORDER BY 1");
	}

	/*
	 * The groups stream into a receiver while the plan runs to completion
	 * (so on parallel workers: a cursor fetched in pieces would run none).
	 */
	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = group_receive;
	recv.pub.rStartup = group_startup;
	recv.pub.rShutdown = group_shutdown;
	recv.pub.rDestroy = group_destroy;
	recv.pub.mydest = DestNone;
	recv.family = family;
	recv.plan = plan;
	recv.grouped = group_by != NIL;
	recv.finish_now = finish_now;
	recv.mcxt = mcxt;
	recv.outer_context = outer_context;
	recv.cap = 64;
	recv.groups = MemoryContextAllocZero(mcxt, sizeof(GroupFit) * recv.cap);
	recv.gcxt = AllocSetContextCreate(CurrentMemoryContext, "pg_learn group",
									  ALLOCSET_DEFAULT_SIZES);
	memset(&opts, 0, sizeof(opts));
	opts.read_only = true;
	opts.dest = &recv.pub;
	ret = SPI_execute_extended(sql.data, &opts);
	/* a SELECT into a receiver of our own reads as a utility to SPI */
	if (ret != SPI_OK_SELECT && ret != SPI_OK_UTILITY)
		elog(ERROR, "pg_learn: the training pass failed: %s", SPI_result_code_string(ret));
	MemoryContextDelete(recv.gcxt);
	*ngroups = recv.n;
	return recv.groups;
}

/* Order of GroupFit pointers by key text; the ungrouped one has none. */
static int
group_key_cmp(const void *a, const void *b)
{
	const char *ka = (*(GroupFit *const *) a)->key_text;
	const char *kb = (*(GroupFit *const *) b)->key_text;

	if (ka == NULL || kb == NULL)
		return (ka != NULL) - (kb != NULL);
	return strcmp(ka, kb);
}

/*
 * A later pass of the family (pass >= 2) over the fitted groups: the
 * pass's aggregate with each group's parameters, its result handed back
 * to the family.
 */
static void
run_later_pass(const LearnFamily *family, void *plan, int pass, const LearnPass *lp,
			   const char *from, const char *target, const char *weight,
			   List *features, List *group_by, GroupFit *groups, int ngroups)
{
	int			np = lp->nparam;
	StringInfoData sql;
	StringInfoData pbuf;
	StringInfoData lookup;
	int			nfit = 0;
	double	   *param = palloc(sizeof(double) * Max(np, 1));
	int			ret;
	Oid			types[1] = {BYTEAOID};
	Datum		values[1];
	GroupFit  **byKey;
	ListCell   *lc;

	/*
	 * What the pass needs of each fitted group travels as one bytea,
	 * keyed by the group's lookup key; the aggregate decodes it once per
	 * worker and finds a group's values when it starts the group's state.
	 */
	learn_pass_param_begin(&pbuf, np);
	initStringInfo(&lookup);
	for (int g = 0; g < ngroups; g++)
	{
		if (groups[g].fit == NULL)
			continue;
		CHECK_FOR_INTERRUPTS();
		resetStringInfo(&lookup);
		if (group_by != NIL)
			key_lookup_from_text_array(groups[g].key, &lookup);
		family->pass_param(plan, pass, groups[g].fit, param);
		learn_pass_param_add(&pbuf, lookup.data, param, np);
		nfit++;
	}
	if (nfit == 0)
		return;
	values[0] = PointerGetDatum(learn_pass_param_end(&pbuf));

	/* one scan, grouped as pass 1 was: no join, no sort of the data */
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, %s($1, %d, ",
					 group_by != NIL ? group_key_expr(group_by) : "NULL::pg_catalog.text[]",
					 lp->aggregate, list_length(group_by));
	append_agg_args(&sql, target, weight, NIL, false);
	foreach(lc, group_by)
		appendStringInfo(&sql, ", s.%s", quote_identifier((char *) lfirst(lc)));
	foreach(lc, features)
		appendStringInfo(&sql, ", s.%s", quote_identifier((char *) lfirst(lc)));
	appendStringInfo(&sql, ") FROM %s", from);
	if (group_by != NIL)
	{
		appendStringInfoString(&sql, " GROUP BY ");
		foreach(lc, group_by)
			appendStringInfo(&sql, "%ss.%s", foreach_current_index(lc) > 0 ? ", " : "",
							 quote_identifier((char *) lfirst(lc)));
	}
	ret = SPI_execute_with_args(sql.data, 1, types, values, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_learn: training pass %d failed: %s", pass, SPI_result_code_string(ret));

	/* match the result rows to the groups by key: sort once, then search */
	byKey = palloc(sizeof(GroupFit *) * nfit);
	nfit = 0;
	for (int g = 0; g < ngroups; g++)
		if (groups[g].fit)
			byKey[nfit++] = &groups[g];
	qsort(byKey, nfit, sizeof(GroupFit *), group_key_cmp);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		knull;
		bool		rnull;
		Datum		kd = SPI_getbinval(tup, td, 1, &knull);
		Datum		rd = SPI_getbinval(tup, td, 2, &rnull);
		GroupFit	probe;
		GroupFit   *probep = &probe;
		GroupFit  **found;

		CHECK_FOR_INTERRUPTS();
		if (rnull)
			continue;
		probe.key_text = knull ? NULL : OidOutputFunctionCall(F_ARRAY_OUT, kd);
		found = bsearch(&probep, byKey, nfit, sizeof(GroupFit *), group_key_cmp);
		if (found)
			family->pass_absorb(plan, pass, (*found)->fit, rd);
	}
}

/* Name the features in errors raised during the passes ("feature 2 ..."). */
static void
train_error_context(void *arg)
{
	List	   *features = (List *) arg;
	StringInfoData b;
	ListCell   *lc;

	initStringInfo(&b);
	foreach(lc, features)
		appendStringInfo(&b, "%s%d = %s", foreach_current_index(lc) > 0 ? ", " : "",
						 foreach_current_index(lc) + 1, quote_identifier((char *) lfirst(lc)));
	errcontext("learn.train reading the source; features %s", b.data);
}

Datum
learn_train(PG_FUNCTION_ARGS)
{
	MemoryContext callercxt = CurrentMemoryContext;
	TimestampTz start = GetCurrentTimestamp();
	char	   *name = text_arg(fcinfo, 0, "name");
	char	   *algorithm = text_arg(fcinfo, 1, "algorithm");
	char	   *source = text_arg(fcinfo, 2, "source");
	char	   *target = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	List	   *features = NIL;
	List	   *group_by = NIL;
	char	   *weight = PG_ARGISNULL(7) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(7));
	const LearnFamily *family;
	LearnParams *params;
	LearnTrainSpec spec;
	void	   *plan;
	LearnPass	lp;
	char	   *from;
	List	   *cols;
	int			k;
	GroupFit   *groups;
	int			ngroups;
	int			nfitted = 0;
	int64		n_rows = 0;
	int64		n_skipped = 0;
	int64		n_zero_weight = 0;
	ModelRecord rec;
	StringInfoData metrics;
	GroupRecord *recs;
	ListCell   *lc;
	long		secs;
	int			usecs;
	ErrorContextCallback errcb;
	bool		finish_now;

	if (name[0] == '\0' || strchr(name, '@') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid model name \"%s\"", name),
				 errdetail("A model name is not empty and has no \"@\", which selects a version.")));
	family = learn_family_for_training(algorithm);
	params = learn_params_parse(family, PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5));
	/* every family so far learns a target; unsupervised ones will not */
	if (target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("algorithm \"%s\" needs a target column", family->name)));
	if (!PG_ARGISNULL(6))
		group_by = text_array_to_list(PG_GETARG_ARRAYTYPE_P(6), "group_by");
	catalog_check_name_owner(name);

	/* resolve the source and check every column against it */
	SPI_connect();
	MemoryContextSwitchTo(callercxt);
	from = source_from_item(source);
	cols = source_columns(from, callercxt);
	require_numeric(find_column(cols, target, "target"), "target", false);
	if (weight)
	{
		require_numeric(find_column(cols, weight, "weight"), "weight", false);
		if (strcmp(weight, target) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" cannot be both target and weight", weight)));
	}
	foreach(lc, group_by)
	{
		char	   *g = lfirst(lc);

		key_check_type(find_column(cols, g, "group_by")->typid, g);
		if (strcmp(g, target) == 0 || (weight && strcmp(g, weight) == 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" cannot be both a group_by column and the target or weight", g)));
	}
	if (!PG_ARGISNULL(4))
	{
		features = text_array_to_list(PG_GETARG_ARRAYTYPE_P(4), "features");
		foreach(lc, features)
		{
			char	   *f = lfirst(lc);

			require_numeric(find_column(cols, f, "feature"), "feature", true);
			if (strcmp(f, target) == 0 || (weight && strcmp(f, weight) == 0) ||
				in_names(group_by, f))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" cannot be a feature and the target, weight or a group_by column", f)));
		}
	}
	else
	{
		foreach(lc, cols)
		{
			SourceColumn *c = lfirst(lc);

			if (strcmp(c->name, target) == 0 || (weight && strcmp(c->name, weight) == 0) ||
				in_names(group_by, c->name))
				continue;
			require_numeric(c, "feature", true);
			features = lappend(features, c->name);
		}
	}
	k = list_length(features);
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s needs at least one feature", family->noun)));
	if (k > TRAIN_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a %s takes at most %d features, not %d",
						family->noun, TRAIN_MAX_FEATURES, k)));

	spec.params = params;
	spec.features = features;
	spec.nfeatures = k;
	spec.grouped = group_by != NIL;
	plan = family->begin(&spec);

	/*
	 * pass 1; grouped models that need no later pass finish each group as
	 * it arrives
	 */
	{
		LearnPass	second;

		finish_now = group_by != NIL &&
			!(family->later_pass && family->later_pass(plan, 2, &second));
	}
	errcb.callback = train_error_context;
	errcb.arg = features;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	groups = run_state_pass(family, plan, from, target, weight, features, group_by,
							finish_now, errcb.previous, &ngroups, callercxt);
	error_context_stack = errcb.previous;
	SPI_finish();
	MemoryContextSwitchTo(callercxt);

	for (int g = 0; g < ngroups; g++)
	{
		n_rows += groups[g].counts.n;
		n_skipped += groups[g].counts.n_skipped;
		n_zero_weight += groups[g].counts.n_zero_weight;
	}
	if (n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the source has no rows to train on"),
				 n_skipped + n_zero_weight > 0 ?
				 errdetail("%lld rows have a NULL in the target, weight or a feature; %lld have weight 0.",
						   (long long) n_skipped, (long long) n_zero_weight) : 0));

	for (int g = 0; g < ngroups; g++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!groups[g].done)
		{
			groups[g].fit = family->fit(plan, groups[g].state, &groups[g].reason);
			groups[g].fitted = groups[g].fit != NULL;
		}
		if (groups[g].fitted)
			nfitted++;
	}
	if (nfitted == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot fit a %s: %s", family->noun, groups[0].reason),
				 group_by != NIL ? errdetail("No group could be fitted.") : 0));

	/* later passes, as many as the family asks for */
	for (int pass = 2; family->later_pass && family->later_pass(plan, pass, &lp); pass++)
	{
		SPI_connect();
		MemoryContextSwitchTo(callercxt);
		run_later_pass(family, plan, pass, &lp, from, target, weight, features,
					   group_by, groups, ngroups);
		SPI_finish();
		MemoryContextSwitchTo(callercxt);
	}

	/*
	 * Terms and metrics.  A grouped model keeps its groups' metrics in
	 * learn.groups, one row each, and only a summary in learn.models.
	 */
	recs = palloc0(sizeof(GroupRecord) * ngroups);
	initStringInfo(&metrics);
	if (group_by == NIL)
		family->metrics(&metrics, plan, groups[0].state, groups[0].fit);
	else
		appendStringInfo(&metrics, "{\"n\": %lld, \"n_skipped\": %lld, \"n_groups\": %d, "
						 "\"n_fitted\": %d, \"n_failed\": %d}",
						 (long long) n_rows, (long long) n_skipped, ngroups, nfitted,
						 ngroups - nfitted);
	for (int g = 0; g < ngroups; g++)
	{
		GroupRecord *r = &recs[g];

		CHECK_FOR_INTERRUPTS();
		r->key = groups[g].key;
		r->key_text = groups[g].key_text;
		r->n_rows = groups[g].counts.n;
		r->n_skipped = groups[g].counts.n_skipped;
		if (!groups[g].fitted)
		{
			r->reason = groups[g].reason;
			continue;
		}
		if (!groups[g].done)
			record_group(family, plan, &groups[g], groups[g].state, groups[g].fit,
						 group_by != NIL);
		r->metrics_json = groups[g].metrics_json;
		r->terms = groups[g].terms;
		r->nterms = groups[g].nterms;
	}
	if (family->terms_done)
		family->terms_done(plan);

	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	memset(&rec, 0, sizeof(rec));
	rec.name = name;
	rec.algorithm = family->name;
	rec.task = family->task;
	rec.source = source;
	rec.target = target;
	rec.features = features;
	rec.group_by = group_by;
	rec.weight = weight;
	rec.params_json = learn_params_json(params);
	rec.metrics_json = metrics.data;
	rec.n_rows = n_rows;
	rec.n_skipped = n_skipped;
	rec.train_seconds = secs + usecs / 1e6;
	rec.deploy = learn_param_bool(params, "deploy");
	PG_RETURN_DATUM(catalog_store_model(&rec, ngroups, recs));
}
