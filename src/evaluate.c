/*-------------------------------------------------------------------------
 * evaluate.c
 *	  learn.evaluate(model, source): a model version's metrics on any
 *	  source, and learn.train's held-out rows (params test_fraction and
 *	  seed), which the fit never sees and which get the same metrics as
 *	  metrics.test.
 *
 * Both run one aggregate query over the source: pg_learn's own metric
 * aggregates (metrics.c) applied to the target and to the row's own
 * prediction by learn.predict, learn.predict_proba and learn.predict_label
 * (their row form: feature expressions, categorical levels and groups are
 * scoring's business), grouped by the model's group columns.  The query
 * names the model version it resolved once ('name@N'), so a concurrent
 * redeploy cannot mix versions in one result.  It runs with the caller's
 * rights; only the source text is parsed with the caller's search_path.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/typcache.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "access/xact.h"

#include "args.h"
#include "catalog.h"
#include "evaluate.h"
#include "family.h"
#include "models/linpred.h"

PG_FUNCTION_INFO_V1(learn_evaluate);
PG_FUNCTION_INFO_V1(learn_split_hash);

/* What a model is evaluated on: which metrics its predictions get. */
typedef enum EvalKind
{
	EVAL_REGRESSION,			/* learn.predict against the target */
	EVAL_BINARY,				/* two classes, the last one positive */
	EVAL_MULTICLASS				/* a multiclass family's classes */
} EvalKind;

/* The metrics of each kind, in the order the query computes them. */
static const char *const regression_metrics[] = {"r2", "mse", "rmse", "mae", NULL};
static const char *const binary_metrics[] = {"accuracy", "auc", "log_loss", "precision",
"recall", "f1", NULL};
static const char *const multiclass_metrics[] = {"accuracy", "log_loss", NULL};

/* A model version as evaluation sees it, from its learn.models row. */
typedef struct EvalModel
{
	int64		id;
	char	   *ref;			/* 'name@N': the version, pinned */
	char	   *target;
	EvalKind	kind;
	List	   *classes;		/* of char *: a classifier's labels */
	List	   *group_by;		/* of char *, NIL when ungrouped */
} EvalModel;

/* Query columns before the metrics: total?, group key, rows, n. */
#define EVAL_FIRST_METRIC 5

/*
 * The result rows' receiver: the total row's metrics as JSON members, and
 * each group's either appended to groups (learn.evaluate) or put into
 * spool (the held-out rows of a training, stored group by group).
 */
typedef struct EvalReceiver
{
	DestReceiver pub;
	const char *const *metrics;
	MemoryContext mcxt;			/* what is kept */
	MemoryContext rcxt;			/* one row's work */
	char	   *total;			/* "\"n\": ..., ..." of every row */
	StringInfo	groups;			/* learn.evaluate's groups, or NULL */
	int			ngroups;
	Tuplestorestate *spool;		/* a training's groups, or NULL */
	TupleDesc	spool_desc;		/* (key text, metrics text) */
	TupleTableSlot *spool_slot; /* for reading it back */
} EvalReceiver;

/* The elements of a text[] (no NULLs in those of learn.models). */
static List *
text_array_list(Datum arr)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *l = NIL;

	deconstruct_array(DatumGetArrayTypeP(arr), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		l = lappend(l, nulls[i] ? NULL : TextDatumGetCString(elems[i]));
	return l;
}

static char *
row_text(HeapTupleHeader row, const char *att)
{
	bool		isnull;
	Datum		d = GetAttributeByName(row, att, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* Read what evaluation needs of a learn.models row. */
static void
eval_model(Datum model_row, EvalModel *em)
{
	HeapTupleHeader row = DatumGetHeapTupleHeader(model_row);
	bool		isnull;
	char	   *name = row_text(row, "name");
	int			version = DatumGetInt32(GetAttributeByName(row, "version", &isnull));
	char	   *task = row_text(row, "task");
	const LearnFamily *family = learn_family_find(row_text(row, "algorithm"));
	Datum		d;

	memset(em, 0, sizeof(EvalModel));
	em->id = DatumGetInt64(GetAttributeByName(row, "id", &isnull));
	em->ref = psprintf("%s@%d", name, version);
	em->target = row_text(row, "target");
	d = GetAttributeByName(row, "classes", &isnull);
	if (!isnull)
		em->classes = text_array_list(d);
	d = GetAttributeByName(row, "group_by", &isnull);
	if (!isnull)
		em->group_by = text_array_list(d);
	if (em->target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" has no target to evaluate its predictions against",
						em->ref)));
	if (strcmp(task, "classification") != 0)
		em->kind = EVAL_REGRESSION;
	else if ((family && family->multiclass) || list_length(em->classes) != 2)
		em->kind = EVAL_MULTICLASS;
	else
		em->kind = EVAL_BINARY;
}

/*
 * The type of a column of the source; 42703 naming it when it has none,
 * 42702 when the source has two columns of that name (the query could not
 * tell them apart).
 */
static Oid
source_column_type(TupleDesc td, const char *name, const char *role, const EvalModel *em)
{
	Oid			type = InvalidOid;

	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (OidIsValid(type))
			ereport(ERROR,
					(errcode(ERRCODE_AMBIGUOUS_COLUMN),
					 errmsg("%s column \"%s\" of model \"%s\" appears more than once in the source",
							role, name, em->ref),
					 errhint("Give the source's columns distinct names.")));
		type = att->atttypid;
	}
	if (!OidIsValid(type))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s column \"%s\" of model \"%s\" does not exist in the source",
						role, name, em->ref)));
	return type;
}

/*
 * A row's class as the model's label text: the label whose value (read as
 * the target's type) equals the target by the type's default equality, as
 * training found a row's class; NULL for a NULL target or a value that is
 * none of the model's classes.
 */
static char *
actual_label_sql(const EvalModel *em, Oid target_type)
{
	char	   *type = learn_label_type_sql(getBaseType(target_type));
	StringInfoData b;
	ListCell   *lc;

	initStringInfo(&b);
	appendStringInfoString(&b, "(ARRAY[");
	foreach(lc, em->classes)
		appendStringInfo(&b, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_literal_cstr(lfirst(lc)));
	appendStringInfoString(&b, "]::pg_catalog.text[])[pg_catalog.array_position(ARRAY[");
	foreach(lc, em->classes)
		appendStringInfo(&b, "%s%s::%s", foreach_current_index(lc) ? ", " : "",
						 quote_literal_cstr(lfirst(lc)), type);
	appendStringInfo(&b, "], s.%s)]", quote_identifier(em->target));
	return b.data;
}

/*
 * The evaluation query over from (rows passing where, when not NULL):
 * columns "is the total row", group key, rows, rows scored (n), then the
 * metrics of the kind.  A grouped model's query has the total row first
 * (grouping sets: one scan), then its groups in the order of their values.
 */
static char *
eval_query(const EvalModel *em, Oid target_type, const char *from, const char *where)
{
	const char *m = quote_literal_cstr(em->ref);
	StringInfoData in;
	StringInfoData sql;
	StringInfoData gcols;
	ListCell   *lc;

	/* the row's target and prediction, computed once each */
	initStringInfo(&in);
	if (em->kind == EVAL_REGRESSION)
		appendStringInfo(&in, "SELECT s.%s::%spg_catalog.float8 AS y, "
						 "learn.predict(%s::pg_catalog.text, s.*) AS p",
						 quote_identifier(em->target),
						 getBaseType(target_type) == BOOLOID ? "pg_catalog.int4::" : "", m);
	else
	{
		char	   *a = actual_label_sql(em, target_type);

		appendStringInfo(&in, "SELECT %s AS a, learn.predict_label(%s::pg_catalog.text, s.*) AS l, ",
						 a, m);
		if (em->kind == EVAL_BINARY)
			appendStringInfo(&in, "learn.predict_proba(%s::pg_catalog.text, s.*) AS p", m);
		else
			/* the probability of the row's own class */
			appendStringInfo(&in, "learn.predict_proba(%s::pg_catalog.text, s.*, %s) AS p", m, a);
	}
	initStringInfo(&gcols);
	foreach(lc, em->group_by)
	{
		appendStringInfo(&in, ", s.%s AS g%d", quote_identifier(lfirst(lc)),
						 foreach_current_index(lc) + 1);
		appendStringInfo(&gcols, "%se.g%d", foreach_current_index(lc) ? ", " : "",
						 foreach_current_index(lc) + 1);
	}
	appendStringInfo(&in, " FROM %s", from);
	if (where)
		appendStringInfo(&in, " WHERE %s", where);

	initStringInfo(&sql);
	if (em->group_by != NIL)
	{
		appendStringInfo(&sql, "SELECT GROUPING(%s) OPERATOR(pg_catalog.<>) 0, ARRAY[", gcols.data);
		foreach(lc, em->group_by)
			appendStringInfo(&sql, "%slearn._key_text(e.g%d)", foreach_current_index(lc) ? ", " : "",
							 foreach_current_index(lc) + 1);
		appendStringInfoString(&sql, "]::pg_catalog.text[], ");
	}
	else
		appendStringInfoString(&sql, "SELECT true, NULL::pg_catalog.text[], ");
	appendStringInfo(&sql, "pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE e.%s IS NOT NULL "
					 "AND e.p IS NOT NULL)", em->kind == EVAL_REGRESSION ? "y" : "a");
	switch (em->kind)
	{
		case EVAL_REGRESSION:
			appendStringInfoString(&sql, ", learn.r2(e.y, e.p), learn.mse(e.y, e.p), "
								   "learn.rmse(e.y, e.p), learn.mae(e.y, e.p)");
			break;
		case EVAL_BINARY:
			{
				const char *pos = psprintf("%s::pg_catalog.text",
										   quote_literal_cstr(llast(em->classes)));
				char	   *a = psprintf("e.a OPERATOR(pg_catalog.=) %s", pos);
				char	   *l = psprintf("e.l OPERATOR(pg_catalog.=) %s", pos);

				appendStringInfo(&sql, ", learn.accuracy(e.a, e.l), learn.auc(%s, e.p), "
								 "learn.log_loss(%s, e.p), learn.precision(%s, %s), "
								 "learn.recall(%s, %s), learn.f1(%s, %s)",
								 a, a, a, l, a, l, a, l);
				break;
			}
		case EVAL_MULTICLASS:
			appendStringInfoString(&sql, ", learn.accuracy(e.a, e.l), learn.log_loss(true, e.p)");
			break;
	}
	appendStringInfo(&sql, " FROM (%s) AS e", in.data);
	if (em->group_by != NIL)
		appendStringInfo(&sql, " GROUP BY GROUPING SETS ((%s), ()) ORDER BY 1 DESC, %s",
						 gcols.data, gcols.data);
	return sql.data;
}

static const char *const *
kind_metrics(EvalKind kind)
{
	switch (kind)
	{
		case EVAL_REGRESSION:
			return regression_metrics;
		case EVAL_BINARY:
			return binary_metrics;
		case EVAL_MULTICLASS:
			return multiclass_metrics;
	}
	return NULL;				/* keep the compiler quiet */
}

/* A JSON member "key": v; a value that is not finite is null. */
static void
json_number(StringInfo b, const char *key, double v)
{
	if (b->len > 0)
		appendStringInfoString(b, ", ");
	escape_json(b, key);
	appendStringInfoString(b, ": ");
	linpred_json_value(b, v);
}

/* The members n, n_skipped and the metrics of a result row. */
static char *
row_members(EvalReceiver *er, TupleTableSlot *slot)
{
	StringInfoData b;
	bool		isnull;
	int64		rows = DatumGetInt64(slot_getattr(slot, 3, &isnull));
	int64		n = DatumGetInt64(slot_getattr(slot, 4, &isnull));

	initStringInfo(&b);
	appendStringInfo(&b, "\"n\": %lld, \"n_skipped\": %lld", (long long) n,
					 (long long) (rows - n));
	for (int i = 0; er->metrics[i]; i++)
	{
		Datum		v = slot_getattr(slot, EVAL_FIRST_METRIC + i, &isnull);

		json_number(&b, er->metrics[i], isnull ? NAN : DatumGetFloat8(v));
	}
	return b.data;
}

static bool
eval_receive(TupleTableSlot *slot, DestReceiver *self)
{
	EvalReceiver *er = (EvalReceiver *) self;
	MemoryContext old;
	bool		isnull;
	char	   *members;
	Datum		key;

	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(er->rcxt);
	members = row_members(er, slot);
	if (DatumGetBool(slot_getattr(slot, 1, &isnull)))
		er->total = MemoryContextStrdup(er->mcxt, members);
	else if (er->groups)
	{
		List	   *values;
		ListCell   *lc;

		/* the group key's values as text, as learn.groups.group_key */
		key = slot_getattr(slot, 2, &isnull);
		values = text_array_list(key);
		appendStringInfoString(er->groups, er->ngroups++ ? ", {\"group_key\": [" : "{\"group_key\": [");
		foreach(lc, values)
		{
			if (foreach_current_index(lc) > 0)
				appendStringInfoString(er->groups, ", ");
			if (lfirst(lc))
				escape_json(er->groups, lfirst(lc));
			else
				appendStringInfoString(er->groups, "null");
		}
		appendStringInfo(er->groups, "], %s}", members);
	}
	else
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		key = slot_getattr(slot, 2, &isnull);
		values[0] = CStringGetTextDatum(OidOutputFunctionCall(F_ARRAY_OUT, key));
		values[1] = CStringGetTextDatum(psprintf("{%s}", members));
		tuplestore_putvalues(er->spool, er->spool_desc, values, nulls);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(er->rcxt);
	return true;
}

static void
eval_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
eval_shutdown(DestReceiver *self)
{
}

static void
eval_destroy(DestReceiver *self)
{
}

static void
eval_receiver_init(EvalReceiver *er, const EvalModel *em, MemoryContext mcxt)
{
	memset(er, 0, sizeof(EvalReceiver));
	er->pub.receiveSlot = eval_receive;
	er->pub.rStartup = eval_startup;
	er->pub.rShutdown = eval_shutdown;
	er->pub.rDestroy = eval_destroy;
	er->pub.mydest = DestNone;
	er->metrics = kind_metrics(em->kind);
	er->mcxt = mcxt;
	er->rcxt = AllocSetContextCreate(mcxt, "pg_learn evaluation row", ALLOCSET_DEFAULT_SIZES);
}

/*
 * Run the evaluation query of em over from (and where) into er; SPI is
 * connected.  The source must have the target and group columns.
 */
static void
eval_run(const EvalModel *em, const char *from, const char *where, EvalReceiver *er)
{
	MemoryContext mcxt = er->mcxt;
	TupleDesc	td;
	Oid			target_type;
	LearnArgKind argkind;
	SPIExecuteOptions opts;
	ListCell   *lc;
	int			ret;

	ret = SPI_execute(psprintf("SELECT * FROM %s LIMIT 0", from), true, 0);
	MemoryContextSwitchTo(mcxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_learn: reading the columns of the source failed");
	td = SPI_tuptable->tupdesc;
	target_type = source_column_type(td, em->target, "target", em);
	foreach(lc, em->group_by)
		(void) source_column_type(td, lfirst(lc), "group_by", em);
	if (em->kind == EVAL_REGRESSION && !learn_arg_kind(getBaseType(target_type), &argkind))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target column \"%s\" has type %s, which is not numeric or boolean",
						em->target, format_type_be(target_type)),
				 errdetail("Model \"%s\" is a regression.", em->ref)));

	memset(&opts, 0, sizeof(opts));
	opts.read_only = true;
	opts.dest = &er->pub;
	ret = SPI_execute_extended(eval_query(em, target_type, from, where), &opts);
	MemoryContextSwitchTo(mcxt);
	/* a SELECT into a receiver of our own reads as a utility to SPI */
	if (ret != SPI_OK_SELECT && ret != SPI_OK_UTILITY)
		elog(ERROR, "pg_learn: the evaluation query failed: %s", SPI_result_code_string(ret));
	if (er->total == NULL)
		elog(ERROR, "pg_learn: the evaluation query gave no total");
}

/*
 * learn.evaluate(model text, source text) -> jsonb: the model's metrics on
 * the source's rows, {"model": "name@N", "n": ..., "n_skipped": ...,
 * metrics..., "groups": [{"group_key": [...], "n": ..., ...}, ...]}.
 */
Datum
learn_evaluate(PG_FUNCTION_ARGS)
{
	MemoryContext callercxt = CurrentMemoryContext;
	char	   *spec = learn_text_arg(fcinfo, 0, "model");
	char	   *source = learn_text_arg(fcinfo, 1, "source");
	EvalModel	em;
	EvalReceiver er;
	StringInfoData out;
	char	   *from;

	eval_model(catalog_model_row(catalog_resolve_model(spec, NULL)), &em);
	from = learn_source_from_item(source);
	eval_receiver_init(&er, &em, callercxt);
	if (em.group_by != NIL)
		er.groups = makeStringInfo();

	SPI_connect();
	MemoryContextSwitchTo(callercxt);
	eval_run(&em, from, NULL, &er);
	SPI_finish();
	MemoryContextSwitchTo(callercxt);

	initStringInfo(&out);
	appendStringInfoString(&out, "{\"model\": ");
	escape_json(&out, em.ref);
	appendStringInfo(&out, ", %s", er.total);
	if (er.groups)
		appendStringInfo(&out, ", \"groups\": [%s]", er.groups->data);
	appendStringInfoChar(&out, '}');
	MemoryContextDelete(er.rcxt);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}

/* ---------------------------------------------------------------------
 * The held-out rows of a training
 * ---------------------------------------------------------------------
 */

/*
 * learn._split_hash(seed int8, VARIADIC "any") -> int8: the hash of the
 * held-out split, exactly hash_record_extended(ROW(args...), seed) (each
 * value's extended hash function, with its collation, combined as
 * rowtypes.c combines them), without building and taking apart a row for
 * every row of the source.
 */
typedef struct SplitHashArg
{
	FmgrInfo	hash;
	Oid			collation;
} SplitHashArg;

Datum
learn_split_hash(PG_FUNCTION_ARGS)
{
	int			nargs = PG_NARGS() - 1;
	SplitHashArg *args = fcinfo->flinfo->fn_extra;
	uint64		seed;
	uint64		result = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	seed = (uint64) PG_GETARG_INT64(0);
	if (args == NULL)
	{
		List	   *exprs = fcinfo->flinfo->fn_expr ?
			((FuncExpr *) fcinfo->flinfo->fn_expr)->args : NIL;

		if (get_fn_expr_variadic(fcinfo->flinfo) || list_length(exprs) != nargs + 1)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("learn._split_hash takes its values as separate arguments")));
		args = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									  sizeof(SplitHashArg) * Max(nargs, 1));
		for (int i = 0; i < nargs; i++)
		{
			Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, i + 1);
			TypeCacheEntry *tce = lookup_type_cache(typid, TYPECACHE_HASH_EXTENDED_PROC_FINFO);

			if (!OidIsValid(tce->hash_extended_proc_finfo.fn_oid))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_FUNCTION),
						 errmsg("could not identify an extended hash function for type %s",
								format_type_be(typid))));
			fmgr_info_cxt(tce->hash_extended_proc_finfo.fn_oid, &args[i].hash,
						  fcinfo->flinfo->fn_mcxt);
			args[i].collation = exprCollation(list_nth(exprs, i + 1));
		}
		fcinfo->flinfo->fn_extra = args;
	}
	for (int i = 0; i < nargs; i++)
	{
		uint64		h = 0;

		if (!PG_ARGISNULL(i + 1))
			h = DatumGetUInt64(FunctionCall2Coll(&args[i].hash, args[i].collation,
												 PG_GETARG_DATUM(i + 1),
												 Int64GetDatum((int64) seed)));
		result = (result << 5) - result + h;
	}
	PG_RETURN_INT64((int64) result);
}

struct LearnSplit
{
	char	   *source_from;	/* the whole source's FROM item */
	char	   *held_out;		/* the condition of a held-out row */
};

/*
 * A row is held out when its hash h, an int8, mapped to [0, 1) as
 * (h + 2^63) / 2^64, is below the fraction f: when h is below
 * ceil(f 2^64) - 2^63, computed exactly (f 2^64 is a double's exact
 * scaling, below 2^64 as f < 1).
 */
static int64
split_threshold(double f)
{
	uint64		c = (uint64) ceil(ldexp(f, 64));

	return (int64) (c - (UINT64CONST(1) << 63));
}

LearnSplit *
learn_split_begin(const LearnParams *params, const char *from, const char *target,
				  const char *weight, List *group_by, List *features, char **filter)
{
	double		f = learn_param_number(params, "test_fraction");
	int64		seed = (int64) learn_param_number(params, "seed");
	LearnSplit *split;
	StringInfoData hash;
	List	   *cols = NIL;
	ListCell   *lc;
	char	   *threshold;

	if (!(f > 0.0))
		return NULL;

	/*
	 * The hash of the row's values of the columns the model uses, and the
	 * seed: the same rows are held out whatever the scan order or the
	 * parallel plan, and whichever other columns the source has.  It is
	 * hash_record_extended(ROW(...), seed), as documented, computed by
	 * learn._split_hash without building the row.
	 */
	cols = lappend(cols, (char *) target);
	if (weight)
		cols = lappend(cols, (char *) weight);
	cols = list_concat(cols, group_by);
	cols = list_concat(cols, features);
	initStringInfo(&hash);
	appendStringInfo(&hash, "learn._split_hash(%lld::pg_catalog.int8", (long long) seed);
	foreach(lc, cols)
		appendStringInfo(&hash, ", s.%s", quote_identifier(lfirst(lc)));
	appendStringInfoChar(&hash, ')');
	threshold = psprintf("'%lld'::pg_catalog.int8", (long long) split_threshold(f));

	split = palloc(sizeof(LearnSplit));
	split->source_from = (char *) from;
	split->held_out = psprintf("%s OPERATOR(pg_catalog.<) %s", hash.data, threshold);
	*filter = psprintf("%s OPERATOR(pg_catalog.>=) %s", hash.data, threshold);
	return split;
}

/* TestMetricsSource over the spool of the held-out groups. */
static bool
next_test_group(void *arg, const char **key_text, const char **metrics_json)
{
	EvalReceiver *er = arg;
	bool		isnull;

	if (!tuplestore_gettupleslot(er->spool, true, false, er->spool_slot))
		return false;
	*key_text = TextDatumGetCString(slot_getattr(er->spool_slot, 1, &isnull));
	*metrics_json = TextDatumGetCString(slot_getattr(er->spool_slot, 2, &isnull));
	return true;
}

Datum
learn_split_finish(LearnSplit *split, Datum model_row)
{
	MemoryContext callercxt = CurrentMemoryContext;
	EvalModel	em;
	EvalReceiver er;
	Datum		result;

	eval_model(model_row, &em);
	eval_receiver_init(&er, &em, callercxt);
	if (em.group_by != NIL)
	{
		/* the groups wait in a spool (memory up to work_mem, then a file) */
		er.spool_desc = CreateTemplateTupleDesc(2);
		TupleDescInitEntry(er.spool_desc, (AttrNumber) 1, "k", TEXTOID, -1, 0);
		TupleDescInitEntry(er.spool_desc, (AttrNumber) 2, "m", TEXTOID, -1, 0);
		er.spool = tuplestore_begin_heap(false, false, work_mem);
		er.spool_slot = MakeSingleTupleTableSlot(er.spool_desc, &TTSOpsMinimalTuple);
	}

	/*
	 * The training's snapshot, which its passes read the source with, made
	 * to see the model just stored: scoring, in this backend and in
	 * parallel workers, looks it up by name and version.
	 */
	CommandCounterIncrement();
	PushCopiedSnapshot(ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();
	SPI_connect();
	MemoryContextSwitchTo(callercxt);
	eval_run(&em, split->source_from, split->held_out, &er);
	SPI_finish();
	MemoryContextSwitchTo(callercxt);
	PopActiveSnapshot();

	result = catalog_store_test_metrics(em.id, psprintf("{%s}", er.total),
										er.spool ? next_test_group : NULL, &er);
	if (er.spool)
	{
		ExecDropSingleTupleTableSlot(er.spool_slot);
		tuplestore_end(er.spool);
	}
	MemoryContextDelete(er.rcxt);
	return result;
}
