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
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/memutils.h"
#include "tcop/dest.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "parser/parse_func.h"
#include "utils/typcache.h"
#include "catalog/pg_collation.h"
#include "utils/syscache.h"
#include "catalog/pg_operator.h"
#include "parser/parse_coerce.h"
#include "utils/varlena.h"

#include "args.h"
#include "catalog.h"
#include "evaluate.h"
#include "family.h"
#include "exprs.h"
#include "keys.h"
#include "passparam.h"
#include "shards.h"
#include "state/groups.h"
#include "state/lsq.h"

PG_FUNCTION_INFO_V1(learn_train);

/* A training's source columns and their roles, for column params. */
typedef struct TrainColumns
{
	List	   *cols;			/* of SourceColumn */
	const char *target;
	const char *weight;
	List	   *group_by;
	List	   *features;		/* of char *: the feature columns */
	List	   *encodings;		/* for each feature, its levels (a List of
								 * char *, in order) when categorical, NIL
								 * when numeric; NIL when none is */
	List	   *terms;			/* of char *: the features with each level
								 * of a categorical one, "column=level" */
	int		   *level;			/* for each term, its level (0 the first),
								 * or -1 for a numeric feature */
	List	   *modes;			/* for each categorical feature its most
								 * frequent level (the first of equals) */
	List	   *impute;			/* impute "mean": for each feature the text
								 * of the value that replaces a NULL (a
								 * number's mean, a category's mode); NIL
								 * when NULLs are skipped */
	int		  **order;			/* levels found by pass 1 (open_pass): each
								 * categorical feature's, as found, in
								 * order; NULL otherwise */
} TrainColumns;

/* Features train() can pass to a VARIADIC aggregate besides y and w. */
#define TRAIN_MAX_FEATURES (FUNC_MAX_ARGS - 4)

/* A column of the source. */
typedef struct SourceColumn
{
	char	   *name;
	Oid			typid;
	Oid			collid;			/* its collation; InvalidOid: none */
} SourceColumn;

/*
 * What a family with later passes keeps of one fitted group until the last
 * pass (family->keep); everything else about a group is spooled.
 */
typedef struct Carry
{
	char	   *key_text;		/* the key's text form; NULL when ungrouped */
	char	   *lookup;			/* its lookup key (keys.h) */
	void	   *fit;
	int			index;			/* in TrainGroups.carries */
	bool		included;		/* in the current later pass */
	bool		answered;		/* and its result came */
	char	   *reason;			/* why a later pass found it cannot be
								 * fitted; NULL while it can */
} Carry;

/* ---------------------------------------------------------------------
 * The source
 * ---------------------------------------------------------------------
 */

/*
 * The source as the passes read it: its own FROM item, aliased s, with the
 * columns of the feature expressions added and the held-out rows filtered
 * out.  Rendered for another relation with the same columns (a partition
 * of the source), it reads that relation's rows the same way.
 */
typedef struct SourceItem
{
	Oid			relid;			/* the source relation; InvalidOid: a query */
	char	   *item;			/* its own FROM item, aliased s */
	char	   *columns;		/* ", (expr) AS name, ..." of the feature
								 * expressions; NULL: none */
	char	   *filter;			/* the condition of the training rows (the
								 * held-out split); NULL: every row */
} SourceItem;

/* The FROM item, aliased s, of the source read through item. */
static char *
source_render(const SourceItem *src, const char *item)
{
	char	   *from = (char *) item;

	if (src->columns)
		from = psprintf("(SELECT s.*%s FROM %s) AS s", src->columns, from);
	if (src->filter)
		from = psprintf("(SELECT s.* FROM %s WHERE %s) AS s", from, src->filter);
	return from;
}

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

/* A relation's name, qualified and quoted. */
static char *
relation_sql(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
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

/* The source text as a SourceItem, without expressions or filter yet. */
static void
source_resolve(const char *src, SourceItem *out)
{
	memset(out, 0, sizeof(SourceItem));
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
		out->item = psprintf("(\n%s\n) AS s", text);
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

		out->relid = relid;
		out->item = psprintf("%s AS s", relation_sql(relid));
	}
}

/*
 * The name of a type as the type of a class label's literal: one that keeps
 * the label whole, where "character" and "bit" alone mean a length of 1.
 */
char *
learn_label_type_sql(Oid typid)
{
	if (typid == BPCHAROID)
		return "pg_catalog.bpchar";
	if (typid == BITOID)
		return "pg_catalog.\"bit\"";
	return format_type_be_qualified(typid);
}

/* The source's FROM item for learn.evaluate (evaluate.h). */
char *
learn_source_from_item(const char *src)
{
	SourceItem	item;

	source_resolve(src, &item);
	return item.item;
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
		c->collid = att->attcollation;
		cols = lappend(cols, c);
	}
	return cols;
}

static SourceColumn *
find_column(List *cols, const char *name, const char *role)
{
	ListCell   *lc;
	SourceColumn *found = NULL;

	foreach(lc, cols)
	{
		SourceColumn *c = lfirst(lc);

		if (strcmp(c->name, name) != 0)
			continue;
		/* the generated query could not tell two such columns apart */
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_AMBIGUOUS_COLUMN),
					 errmsg("%s column \"%s\" appears more than once in the source", role, name),
					 errhint("Give the source's columns distinct names.")));
		found = c;
	}
	if (found == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s column \"%s\" does not exist in the source", role, name)));
	return found;
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
				 errhint("Derive a number from it in the source query or a feature expression.") : 0));
}

/* A numeric or boolean column of s as float8, in SQL. */
static char *
float8_sql(SourceColumn *c, const char *quoted)
{
	return psprintf(c->typid == BOOLOID ? "s.%s::pg_catalog.int4::pg_catalog.float8" :
					"s.%s::pg_catalog.float8", quoted);
}

/*
 * Whether a column is a categorical feature: of a string type (text,
 * varchar, character, ...) or an enum, or a domain over one.
 */
static bool
is_categorical(SourceColumn *c)
{
	char		cat = TypeCategory(getBaseType(c->typid));

	return cat == TYPCATEGORY_STRING || cat == TYPCATEGORY_ENUM;
}

/* A feature column: numeric, boolean or categorical; else 42804. */
static void
require_feature(SourceColumn *c)
{
	LearnArgKind kind;

	if (learn_arg_kind(getBaseType(c->typid), &kind) || is_categorical(c))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("feature column \"%s\" has type %s, which is neither numeric, boolean nor categorical",
					c->name, format_type_be(c->typid)),
			 errhint("Derive a number from it in the source query or a feature expression, e.g. extract(epoch FROM %s) AS %s_epoch for a timestamp.",
					 quote_identifier(c->name), c->name)));
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

/* A source column as the Param $k+1 of a feature expression at training. */
static Node *
expr_column_param(void *arg, const char *name, int location)
{
	List	   *cols = arg;
	ListCell   *lc;

	foreach(lc, cols)
	{
		SourceColumn *c = lfirst(lc);

		if (strcmp(c->name, name) == 0)
		{
			Param	   *p = makeNode(Param);

			p->paramkind = PARAM_EXTERN;
			p->paramid = foreach_current_index(lc) + 1;
			p->paramtype = c->typid;
			p->paramtypmod = -1;
			p->paramcollid = get_typcollation(c->typid);
			p->location = location;
			return (Node *) p;
		}
	}
	return NULL;
}

/*
 * The features elements: each the exact name of a source column, one
 * column name as SQL writes it, or 'expression AS name'.  Sets *features
 * to the features' names and *exprs to each one's stored expression or
 * NULL (NIL when none has one), and returns the select list items that
 * compute the expressions' columns (SourceItem.columns), or NULL.
 */
static char *
resolve_features(List *elems, List *cols, List **features, List **exprs)
{
	StringInfoData wrap;
	const char **names = palloc(sizeof(char *) * Max(list_length(cols), 1));
	Oid		   *types = palloc(sizeof(Oid) * Max(list_length(cols), 1));
	bool		any = false;
	ListCell   *lc;

	foreach(lc, cols)
	{
		names[foreach_current_index(lc)] = ((SourceColumn *) lfirst(lc))->name;
		types[foreach_current_index(lc)] = ((SourceColumn *) lfirst(lc))->typid;
	}
	initStringInfo(&wrap);
	*features = NIL;
	*exprs = NIL;
	foreach(lc, elems)
	{
		char	   *elem = lfirst(lc);
		char	   *name = elem;
		char	   *stored = NULL;
		Node	   *raw;
		char	   *sql;
		Node	   *expr;
		ListCell   *lc2;

		if (in_names(*features, elem))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("feature \"%s\" is given twice", elem)));
		foreach(lc2, cols)
			if (strcmp(((SourceColumn *) lfirst(lc2))->name, elem) == 0)
				break;
		if (lc2 == NULL && feature_element_parse(elem, &name, &raw, &sql))
		{
			foreach(lc2, cols)
				if (strcmp(((SourceColumn *) lfirst(lc2))->name, name) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("feature expression \"%s\" is named \"%s\", which is also a column of the source",
									elem, name),
							 errhint("Give the expression another name.")));
			expr = feature_expr_analyze(raw, sql, name, NULL, FEATURE_EXPR_TRAIN,
										expr_column_param, cols);
			stored = feature_expr_deparse(expr, names, types, true);
			appendStringInfo(&wrap, ", (%s) AS %s", feature_expr_deparse(expr, names, NULL, false),
							 quote_identifier(name));
			any = true;
		}
		if (in_names(*features, name))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("feature \"%s\" is given twice", name)));
		*features = lappend(*features, name);
		*exprs = lappend(*exprs, stored);
	}
	if (!any)
	{
		*exprs = NIL;
		return NULL;
	}
	catalog_require_column("models", "feature_exprs", "0.5", "Training with feature expressions");
	return wrap.data;
}

/* Whether the source has a column of this name. */
static bool
in_source(List *cols, const char *name)
{
	ListCell   *lc;

	foreach(lc, cols)
		if (strcmp(((SourceColumn *) lfirst(lc))->name, name) == 0)
			return true;
	return false;
}

/*
 * learn.update's features: the parent's, each a column of the new source
 * or its stored expression, analyzed as scoring analyzes it (pg_catalog's
 * search_path, only functions the caller may trust) over the new source's
 * columns.  Returns the select list items that compute the expressions'
 * columns (SourceItem.columns), or NULL.
 */
static char *
stored_features(const ParentModel *parent, const char *model, List *cols)
{
	StringInfoData wrap;
	const char **names = palloc(sizeof(char *) * Max(list_length(cols), 1));
	ListCell   *lc;

	if (parent->feature_exprs == NIL)
		return NULL;
	foreach(lc, cols)
		names[foreach_current_index(lc)] = ((SourceColumn *) lfirst(lc))->name;
	initStringInfo(&wrap);
	foreach(lc, parent->features)
	{
		const char *name = lfirst(lc);
		const char *stored = list_nth(parent->feature_exprs, foreach_current_index(lc));
		char	   *sql;
		Node	   *raw;
		Node	   *expr;
		ListCell   *lc2;

		if (stored == NULL)
			continue;
		if (in_source(cols, name))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("feature expression \"%s\" of model \"%s\" is named \"%s\", which is also a column of the source",
							stored, model, name),
					 errhint("Leave the column out of the source: the model computes it.")));
		/* raw first: it sets sql, which errors in the expression show */
		raw = feature_expr_raw(stored, &sql);
		foreach(lc2, feature_expr_columns(raw))
			if (!in_source(cols, lfirst(lc2)))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of feature \"%s\" of model \"%s\" does not exist in the source",
								(char *) lfirst(lc2), name, model),
						 errdetail("The feature is computed by the expression %s.", stored)));
		expr = feature_expr_analyze(raw, sql, name, model, FEATURE_EXPR_UPDATE,
									expr_column_param, cols);
		appendStringInfo(&wrap, ", (%s) AS %s", feature_expr_deparse(expr, names, NULL, false),
						 quote_identifier(name));
	}
	return wrap.data;
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

/* "'elems'::pg_catalog.text[]": a text[] constant of a list of strings */
static char *
text_array_constant(List *elems)
{
	StringInfoData arr;
	ListCell   *lc;
	char	   *result;

	initStringInfo(&arr);
	appendStringInfoChar(&arr, '{');
	foreach(lc, elems)
	{
		if (foreach_current_index(lc) > 0)
			appendStringInfoChar(&arr, ',');
		appendStringInfoChar(&arr, '"');
		for (const char *c = lfirst(lc); *c; c++)
		{
			if (*c == '"' || *c == '\\')
				appendStringInfoChar(&arr, '\\');
			appendStringInfoChar(&arr, *c);
		}
		appendStringInfoChar(&arr, '"');
	}
	appendStringInfoChar(&arr, '}');
	result = psprintf("%s::pg_catalog.text[]", quote_literal_cstr(arr.data));
	pfree(arr.data);
	return result;
}

/* ", 'elems'::pg_catalog.text[]": one more argument, a text[] constant */
static void
append_text_array(StringInfo sql, List *elems)
{
	appendStringInfo(sql, ", %s", text_array_constant(elems));
}

/*
 * The features as separate arguments (a categorical one as its text),
 * and after them, when one is categorical, the encoding that lists the
 * levels (state/trans.h); with open_max > 0, before the levels are known,
 * the open encoding of at most open_max levels to a feature.
 */
static void
append_feature_args_open(StringInfo sql, const TrainColumns *tcols, int open_max,
						 List *group_keys)
{
	ListCell   *lc;
	List	   *enc = NIL;

	/* group keys kept by the aggregate: before the features, "G" each */
	foreach(lc, group_keys)
	{
		appendStringInfo(sql, ", s.%s", quote_identifier((char *) lfirst(lc)));
		enc = lappend(enc, "G");
	}

	foreach(lc, tcols->features)
	{
		List	   *levels = tcols->encodings ?
			list_nth(tcols->encodings, foreach_current_index(lc)) : NIL;
		const char *col = quote_identifier((char *) lfirst(lc));

		if (open_max > 0)
		{
			bool		cat = is_categorical(find_column(tcols->cols, lfirst(lc), "feature"));

			appendStringInfo(sql, ", s.%s%s", col, cat ? "::pg_catalog.text" : "");
			enc = lappend(enc, cat ? psprintf("%d", -open_max) : "0");
			continue;
		}

		if (tcols->impute && levels)
			appendStringInfo(sql, ", COALESCE(s.%s::pg_catalog.text, %s)", col,
							 quote_literal_cstr(list_nth(tcols->impute, foreach_current_index(lc))));
		else if (tcols->impute)
			appendStringInfo(sql, ", COALESCE(%s, %s::pg_catalog.float8)",
							 float8_sql(find_column(tcols->cols, lfirst(lc), "feature"), col),
							 (char *) list_nth(tcols->impute, foreach_current_index(lc)));
		else
			appendStringInfo(sql, ", s.%s%s", col, levels ? "::pg_catalog.text" : "");
		enc = lappend(enc, psprintf("%d", list_length(levels)));
		enc = list_concat(enc, levels);
	}
	if (tcols->encodings || open_max > 0 || group_keys != NIL)
		append_text_array(sql, enc);
}

static void
append_feature_args(StringInfo sql, const TrainColumns *tcols)
{
	append_feature_args_open(sql, tcols, 0, NIL);
}

/*
 * impute "mean": the mean of each numeric feature's values that are not
 * NULL (one scan) and the most frequent level of each categorical one
 * (found with the levels), as the text that replaces a NULL.
 */
static void
find_imputed(TrainColumns *tcols, const char *from)
{
	StringInfoData sql;
	ListCell   *lc;
	int			nnum = 0;
	int			k = 0;
	MemoryContext mcxt = CurrentMemoryContext;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	foreach(lc, tcols->features)
	{
		if (tcols->encodings && list_nth(tcols->encodings, foreach_current_index(lc)))
			continue;
		appendStringInfo(&sql, "%spg_catalog.avg(%s)", nnum++ ? ", " : "",
						 float8_sql(find_column(tcols->cols, lfirst(lc), "feature"),
									quote_identifier(lfirst(lc))));
	}
	appendStringInfo(&sql, " FROM %s", from);
	if (nnum > 0 && SPI_execute(sql.data, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_learn: finding the features' means failed");
	/* SPI leaves us in its own context, which SPI_finish frees */
	MemoryContextSwitchTo(mcxt);
	tcols->impute = NIL;
	foreach(lc, tcols->features)
	{
		bool		isnull;
		Datum		d;

		if (tcols->encodings && list_nth(tcols->encodings, foreach_current_index(lc)))
		{
			tcols->impute = lappend(tcols->impute, list_nth(tcols->modes, foreach_current_index(lc)));
			continue;
		}
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, ++k, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature \"%s\" has no value that is not NULL, so it has no mean to impute",
							(char *) lfirst(lc))));
		/* the text goes into SQL as a number: no Infinity, no NaN */
		if (isinf(DatumGetFloat8(d)) || isnan(DatumGetFloat8(d)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature \"%s\" has a mean of %s, which cannot replace its NULLs",
							(char *) lfirst(lc), isnan(DatumGetFloat8(d)) ? "NaN" : "infinity"),
					 errhint("Filter rows with infinite or NaN values out of the source, or turn them into NULLs.")));
		tcols->impute = lappend(tcols->impute, psprintf("%.17g", DatumGetFloat8(d)));
	}
}

/*
 * The arguments of a training aggregate: y and w, the names of the terms
 * when named (a text[] constant, which stamps the state), then the
 * features.
 */
static void
append_agg_args(StringInfo sql, const char *target_sql, const char *weight,
				const TrainColumns *tcols, bool named)
{
	appendStringInfo(sql, "%s, %s", target_sql,
					 weight ? psprintf("s.%s::pg_catalog.float8", quote_identifier(weight)) :
					 "1::pg_catalog.float8");
	if (named)
		append_text_array(sql, tcols->terms);
	if (tcols)
		append_feature_args(sql, tcols);
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

/* " GROUP BY s.g1, s.g2, ..." of a grouped training; nothing otherwise. */
static void
append_group_by(StringInfo sql, List *group_by)
{
	ListCell   *lc;

	if (group_by == NIL)
		return;
	appendStringInfoString(sql, " GROUP BY ");
	foreach(lc, group_by)
		appendStringInfo(sql, "%ss.%s", foreach_current_index(lc) > 0 ? ", " : "",
						 quote_identifier((char *) lfirst(lc)));
}

/*
 * The query of a pass aggregate (family.h's LearnPass): one scan of the
 * source, grouped by the group key, its parameter param ("$1" or a NULL).
 */
static void
append_pass_query_kept(StringInfo sql, const LearnPass *lp, const char *param,
					   const char *from, const char *target_sql, const char *weight,
					   const TrainColumns *tcols, List *group_by, bool kept)
{
	ListCell   *lc;

	/* kept: the groups kept by lp->groups_aggregate, ungrouped */
	if (kept)
		appendStringInfo(sql, "SELECT %s(%s, %d, ", lp->groups_aggregate, param,
						 list_length(group_by));
	else
		appendStringInfo(sql, "SELECT %s, %s(%s, %d, ",
						 group_by != NIL ? group_key_expr(group_by) : "NULL::pg_catalog.text[]",
						 lp->aggregate, param, list_length(group_by));
	if (lp->lead_args)
		appendStringInfo(sql, "%s, ", lp->lead_args);
	append_agg_args(sql, target_sql, weight, NULL, false);
	if (lp->mid_args)
		appendStringInfo(sql, ", %s", lp->mid_args);
	foreach(lc, group_by)
		appendStringInfo(sql, ", s.%s", quote_identifier((char *) lfirst(lc)));
	append_feature_args(sql, tcols);
	appendStringInfo(sql, ") FROM %s", from);
	if (!kept)
		append_group_by(sql, group_by);
}

static void
append_pass_query(StringInfo sql, const LearnPass *lp, const char *param,
				  const char *from, const char *target_sql, const char *weight,
				  const TrainColumns *tcols, List *group_by)
{
	append_pass_query_kept(sql, lp, param, from, target_sql, weight, tcols, group_by, false);
}

/*
 * The levels of the categorical features, in one scan: for each, the
 * distinct texts of its values (value::text, as the aggregates and
 * scoring see them), in the column's own order (its type's ordering and
 * collation; values equal by it but of other texts after one another, by
 * their bytes).  Fills tcols->encodings (NIL when no feature is
 * categorical), ->terms and ->level, and with grouping_sets ->modes: the
 * scan is then GROUP BY GROUPING SETS, which counts each level's rows;
 * else scan_levels' aggregate when it can say.  More than max_levels
 * levels is 54000 naming the column.
 */
static void make_terms(TrainColumns *tcols);
static bool scan_levels(TrainColumns *tcols, const char *from, int max_levels);
static bool levels_findable(const TrainColumns *tcols);

static void
find_levels(TrainColumns *tcols, const char *from, int max_levels, bool grouping_sets)
{
	List	   *cat = NIL;		/* indexes of the categorical features */
	StringInfoData sql;
	ListCell   *lc;
	MemoryContext mcxt = CurrentMemoryContext;
	Portal		portal;
	int		   *counts;
	List	  **levels;
	char	  **modes;
	int64	   *mode_rows;

	tcols->modes = NIL;
	/* without the modes, by a parallel aggregate when it can say */
	if (!grouping_sets && levels_findable(tcols) && scan_levels(tcols, from, max_levels))
		return;
	foreach(lc, tcols->features)
		if (is_categorical(find_column(tcols->cols, lfirst(lc), "feature")))
			cat = lappend_int(cat, foreach_current_index(lc));
	tcols->encodings = NIL;
	if (cat != NIL)
	{
		int			nc = list_length(cat);

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		foreach(lc, cat)
			appendStringInfo(&sql, "GROUPING(s.%s), ",
							 quote_identifier(list_nth(tcols->features, lfirst_int(lc))));
		/*
		 * A level is a text, as the aggregates find it: the text's bytes
		 * ("C") group and break the column's ties, so that values equal
		 * by a nondeterministic collation are levels of their own
		 */
		foreach(lc, cat)
			appendStringInfo(&sql, "%s(s.%s::pg_catalog.text COLLATE pg_catalog.\"C\")",
							 foreach_current_index(lc) ? ", " : "",
							 quote_identifier(list_nth(tcols->features, lfirst_int(lc))));
		appendStringInfo(&sql, ", pg_catalog.count(*) FROM %s GROUP BY GROUPING SETS (", from);
		foreach(lc, cat)
		{
			const char *q = quote_identifier(list_nth(tcols->features, lfirst_int(lc)));

			appendStringInfo(&sql, "%s(s.%s, (s.%s::pg_catalog.text COLLATE pg_catalog.\"C\"))",
							 foreach_current_index(lc) ? ", " : "", q, q);
		}
		appendStringInfoString(&sql, ") ORDER BY ");
		for (int i = 1; i <= nc; i++)
			appendStringInfo(&sql, "%d, ", i);
		foreach(lc, cat)
		{
			const char *q = quote_identifier(list_nth(tcols->features, lfirst_int(lc)));

			appendStringInfo(&sql, "%ss.%s, %d", foreach_current_index(lc) ? ", " : "", q,
							 nc + foreach_current_index(lc) + 1);
		}
		counts = palloc0(sizeof(int) * nc);
		levels = palloc0(sizeof(List *) * nc);
		modes = palloc0(sizeof(char *) * nc);
		mode_rows = palloc0(sizeof(int64) * nc);
		portal = SPI_cursor_open_with_args(NULL, sql.data, 0, NULL, NULL, NULL, true, 0);
		MemoryContextSwitchTo(mcxt);
		for (;;)
		{
			SPI_cursor_fetch(portal, true, 1000);
			MemoryContextSwitchTo(mcxt);
			if (SPI_processed == 0)
				break;
			for (uint64 r = 0; r < SPI_processed; r++)
			{
				HeapTuple	tup = SPI_tuptable->vals[r];
				bool		isnull;

				CHECK_FOR_INTERRUPTS();
				for (int i = 0; i < nc; i++)
				{
					Datum		v;

					/* the row's set: GROUPING 0 for its column */
					if (DatumGetInt32(SPI_getbinval(tup, SPI_tuptable->tupdesc, i + 1, &isnull)) != 0)
						continue;
					v = SPI_getbinval(tup, SPI_tuptable->tupdesc, nc + i + 1, &isnull);
					if (isnull)
						break;	/* the column's NULLs: no level */
					if (++counts[i] <= max_levels)
					{
						int64		rows = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc,
																	   2 * nc + 1, &isnull));

						levels[i] = lappend(levels[i], TextDatumGetCString(v));
						if (rows > mode_rows[i])
						{
							mode_rows[i] = rows;
							modes[i] = llast(levels[i]);
						}
					}
					break;
				}
			}
			SPI_freetuptable(SPI_tuptable);
		}
		SPI_cursor_close(portal);
		MemoryContextSwitchTo(mcxt);
		for (int i = 0; i < nc; i++)
		{
			const char *f = list_nth(tcols->features, list_nth_int(cat, i));

			if (counts[i] > max_levels)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("categorical feature \"%s\" has %d levels, more than max_levels (%d)",
								f, counts[i], max_levels),
						 errhint("Raise the param \"max_levels\", or leave the column out of the features if it identifies rows rather than classifies them.")));
			if (counts[i] == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("categorical feature \"%s\" has no value that is not NULL", f)));
		}
		foreach(lc, tcols->features)
		{
			List	   *lv = NIL;
			char	   *mode = NULL;

			for (int i = 0; i < nc; i++)
				if (list_nth_int(cat, i) == foreach_current_index(lc))
				{
					lv = levels[i];
					mode = modes[i];
				}
			tcols->encodings = lappend(tcols->encodings, lv);
			tcols->modes = lappend(tcols->modes, mode);
		}
	}
	make_terms(tcols);
}

/*
 * The terms of the features and their encodings: a numeric feature, or
 * one per level, "column=level".  Fills tcols->terms and ->level.
 */
static void
make_terms(TrainColumns *tcols)
{
	ListCell   *lc;
	int			nterms = 0;
	int			t = 0;

	tcols->terms = NIL;
	foreach(lc, tcols->features)
	{
		List	   *lv = tcols->encodings ? list_nth(tcols->encodings, foreach_current_index(lc)) : NIL;

		nterms += lv ? list_length(lv) : 1;
	}
	tcols->level = palloc(sizeof(int) * Max(nterms, 1));
	foreach(lc, tcols->features)
	{
		List	   *lv = tcols->encodings ? list_nth(tcols->encodings, foreach_current_index(lc)) : NIL;
		ListCell   *lc2;

		if (lv == NIL)
		{
			tcols->terms = lappend(tcols->terms, lfirst(lc));
			tcols->level[t++] = -1;
			continue;
		}
		foreach(lc2, lv)
		{
			tcols->terms = lappend(tcols->terms, psprintf("%s=%s", (char *) lfirst(lc),
														  (char *) lfirst(lc2)));
			tcols->level[t++] = foreach_current_index(lc2);
		}
	}
}

/* A level being put in its column's order (sort_levels). */
typedef struct LevelItem
{
	Datum		value;			/* the level's text read as the column's type */
	const char *text;
	int			index;			/* as found */
} LevelItem;

typedef struct LevelOrder
{
	FmgrInfo   *cmp;			/* the type's B-tree comparison */
	Oid			collid;			/* the column's collation */
} LevelOrder;

static int
level_item_cmp(const void *a, const void *b, void *arg)
{
	const LevelItem *x = a;
	const LevelItem *y = b;
	const LevelOrder *o = arg;
	int			c = DatumGetInt32(FunctionCall2Coll(o->cmp, o->collid, x->value, y->value));

	return c != 0 ? c : strcmp(x->text, y->text);
}

/*
 * The order of a categorical column's levels (texts, as found), as
 * find_levels reads them: by the column's type and collation, values
 * equal so (a nondeterministic collation's, citext's) by their text's
 * bytes.  Returns the indexes in that order, and the texts so in *sorted.
 */
static int *
sort_levels(SourceColumn *c, List *texts, List **sorted)
{
	int			n = list_length(texts);
	LevelItem  *items = palloc(sizeof(LevelItem) * Max(n, 1));
	TypeCacheEntry *tce = lookup_type_cache(c->typid, TYPECACHE_CMP_PROC_FINFO);
	LevelOrder	o;
	Oid			infunc;
	Oid			ioparam;
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	ListCell   *lc;

	if (!OidIsValid(tce->cmp_proc_finfo.fn_oid))
		elog(ERROR, "pg_learn: type %s has no ordering", format_type_be(c->typid));
	getTypeInputInfo(c->typid, &infunc, &ioparam);
	o.cmp = &tce->cmp_proc_finfo;
	o.collid = c->collid;
	foreach(lc, texts)
	{
		LevelItem  *it = &items[foreach_current_index(lc)];

		it->text = lfirst(lc);
		it->value = OidInputFunctionCall(infunc, lfirst(lc), ioparam, -1);
		it->index = foreach_current_index(lc);
	}
	qsort_arg(items, n, sizeof(LevelItem), level_item_cmp, &o);
	*sorted = NIL;
	for (int i = 0; i < n; i++)
	{
		order[i] = items[i].index;
		*sorted = lappend(*sorted, (char *) items[i].text);
	}
	pfree(items);
	return order;
}

/*
 * Fill tcols->encodings, ->order, ->terms and ->level from the levels an
 * open state found (linear_state_open_levels: for each categorical
 * feature its texts as found): each feature's in its column's order.
 * False, tcols untouched, when there are none (too many levels), or a
 * feature has none (only NULLs): find_levels' scan then says what is
 * wrong.
 */
static bool
set_found_levels(TrainColumns *tcols, List *found)
{
	List	   *encodings = NIL;
	ListCell   *lc;
	int			b = 0;

	if (found == NIL)
		return false;
	foreach(lc, found)
		if (lfirst(lc) == NIL)
			return false;
	tcols->order = palloc(sizeof(int *) * list_length(found));
	foreach(lc, tcols->features)
	{
		SourceColumn *c = find_column(tcols->cols, lfirst(lc), "feature");
		List	   *sorted = NIL;

		if (is_categorical(c))
		{
			tcols->order[b] = sort_levels(c, list_nth(found, b), &sorted);
			b++;
		}
		encodings = lappend(encodings, sorted);
	}
	tcols->encodings = encodings;
	tcols->modes = NIL;
	make_terms(tcols);
	return true;
}

/*
 * The value (a bytea: an aggregate's state) of the one row and column that
 * a statement SPI ran returned (ret: its result), copied into mcxt, which
 * the caller is left in; NULL when it is NULL.
 */
static bytea *
spi_one_value(int ret, MemoryContext mcxt)
{
	bool		isnull;
	Datum		d;
	bytea	   *value = NULL;

	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pg_learn: a pass of the training failed: %s", SPI_result_code_string(ret));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	MemoryContextSwitchTo(mcxt);
	if (!isnull)
		value = DatumGetByteaPCopy(d);
	SPI_freetuptable(SPI_tuptable);
	return value;
}

/* The value of a query of one row and column (spi_one_value) */
static bytea *
aggregate_value(const char *sql, MemoryContext mcxt)
{
	return spi_one_value(SPI_execute(sql, true, 0), mcxt);
}

/*
 * Whether an open state can find the levels of the categorical features:
 * there is one, and each is of a type with an ordering.
 */
static bool
levels_findable(const TrainColumns *tcols)
{
	ListCell   *lc;
	bool		any = false;

	foreach(lc, tcols->features)
	{
		SourceColumn *c = find_column(tcols->cols, lfirst(lc), "feature");

		if (!is_categorical(c))
			continue;
		if (!OidIsValid(lookup_type_cache(c->typid, TYPECACHE_CMP_PROC)->cmp_proc))
			return false;
		any = true;
	}
	return any;
}

/*
 * Whether pass 1 can find the levels itself (LearnFamily.open_levels): an
 * ungrouped training of a family that can, with levels_findable features.
 */
static bool
levels_in_pass(const LearnFamily *family, const TrainColumns *tcols)
{
	return family->open_levels != NULL && family->first_pass == NULL &&
		tcols->group_by == NIL && levels_findable(tcols);
}

/*
 * The levels of the categorical features in a scan of their own, by the
 * least-squares aggregate with an open encoding of those features alone
 * and every row's weight 0: every row's levels, none folded.  It runs on
 * parallel workers, where GROUPING SETS do not.  False when it cannot say
 * (more than max_levels levels, or a feature of NULLs only), as
 * set_found_levels.
 */
static bool
scan_levels(TrainColumns *tcols, const char *from, int max_levels)
{
	StringInfoData sql;
	ListCell   *lc;
	List	   *enc = NIL;
	bytea	   *state;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT learn.linear_partial(0::pg_catalog.float8, 0::pg_catalog.float8");
	foreach(lc, tcols->features)
		if (is_categorical(find_column(tcols->cols, lfirst(lc), "feature")))
		{
			appendStringInfo(&sql, ", s.%s::pg_catalog.text", quote_identifier(lfirst(lc)));
			enc = lappend(enc, psprintf("%d", -max_levels));
		}
	append_text_array(&sql, enc);
	appendStringInfo(&sql, ") FROM %s", from);
	state = aggregate_value(sql.data, CurrentMemoryContext);
	return state != NULL &&
		set_found_levels(tcols, linear_state_open_levels(linear_state_deserialize_open(state)));
}

/*
 * Pass 1 with an open encoding (LearnFamily.open_levels): one scan that
 * makes the state and finds the levels.  Fills tcols->encodings, ->terms
 * and ->level as find_levels does, and returns the state (of open
 * levels: close_levels closes it), allocated in mcxt; NULL when a
 * feature had more than max_levels levels or none (find_levels then
 * reads them, and says what is wrong), tcols untouched.
 */
static bytea *
open_pass(const LearnFamily *family, TrainColumns *tcols, const char *from,
		  const char *target_sql, int max_levels, MemoryContext mcxt)
{
	StringInfoData sql;
	bytea	   *state;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s(", family->state_aggregate);
	append_agg_args(&sql, target_sql, tcols->weight, NULL, false);
	append_feature_args_open(&sql, tcols, max_levels, NIL);
	appendStringInfo(&sql, ") FROM %s", from);
	state = aggregate_value(sql.data, mcxt);
	/* no row: find_levels says what is wrong */
	return state != NULL && set_found_levels(tcols, family->open_levels(state)) ? state : NULL;
}

/*
 * A multiclass target as the index of its class in classes (0-based), by
 * the type's default equality (array_position's), or -1.
 */
static List *
multiclass_sql(LearnParams *params, SourceColumn *tc, List *classes, char **sql_out)
{
	const char *t = quote_identifier(tc->name);
	char	   *type = learn_label_type_sql(tc->typid);
	int			max_classes = (int) learn_param_number(params, "max_classes");
	StringInfoData sql;
	ListCell   *lc;

	if (list_length(classes) > max_classes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("target column \"%s\" has more than %d classes", tc->name, max_classes),
				 errhint("Raise the param \"max_classes\" if the column really is a class label.")));
	if (list_length(classes) < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target column \"%s\" has %s, but a classifier needs at least two classes",
						tc->name, classes == NIL ? "no values" : "one value")));
	initStringInfo(&sql);
	appendStringInfo(&sql, "CASE WHEN s.%s IS NULL THEN NULL::pg_catalog.float8 "
					 "ELSE (COALESCE(pg_catalog.array_position(ARRAY[", t);
	foreach(lc, classes)
		appendStringInfo(&sql, "%s%s::%s", foreach_current_index(lc) ? ", " : "",
						 quote_literal_cstr(lfirst(lc)), type);
	appendStringInfo(&sql, "], s.%s), 0) OPERATOR(pg_catalog.-) 1)::pg_catalog.float8 END", t);
	*sql_out = sql.data;
	return classes;
}

/*
 * The target as the aggregates take it (*sql), and, for a classifier, its
 * classes in sort order.  A binary classifier takes a boolean target as
 * it is (classes false, true) and a number as 0 or 1 (the aggregate
 * checks); any other column by its two values, read in a first pass with
 * the type's own equality and order (as text: of values that are equal
 * but print differently, '2 days' and '48 hours', the smallest text): a
 * row is then 1 when it equals the last one by the same equality.  A
 * multiclass family reads the classes of every type so (at most the param
 * max_classes), and takes a row's class as its index 0..K-1 (-1: none of
 * them, which the aggregate refuses).
 */
static List *
target_sql(const LearnFamily *family, LearnParams *params, SourceColumn *tc,
		   const char *from, char **sql_out)
{
	const char *t = quote_identifier(tc->name);
	Oid			base = getBaseType(tc->typid);
	List	   *classes = NIL;
	MemoryContext mcxt = CurrentMemoryContext;
	LearnArgKind kind;
	TypeCacheEntry *tce;
	HeapTuple	optup;
	Form_pg_operator op;
	StringInfoData sql;
	int			ret;

	if (strcmp(family->task, "classification") != 0)
	{
		require_numeric(tc, "target", family->target_bool);
		*sql_out = psprintf("s.%s::%spg_catalog.float8", t,
							base == BOOLOID ? "pg_catalog.int4::" : "");
		return NIL;
	}
	if (base == BOOLOID && !family->multiclass)
	{
		*sql_out = psprintf("s.%s::pg_catalog.int4::pg_catalog.float8", t);
		return list_make2("false", "true");
	}
	if (learn_arg_kind(tc->typid, &kind) && !family->multiclass)
	{
		*sql_out = psprintf("s.%s::pg_catalog.float8", t);
		return list_make2("0", "1");
	}
	/* a label is a value's text, read back as the type */
	if (base == RECORDOID || (family->multiclass && type_is_array(base)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target column \"%s\" has type %s, which cannot hold the classes of a %s",
						tc->name, format_type_be(tc->typid), family->noun),
				 errhint("Derive a label from it in the source query, e.g. a text column.")));
	tce = lookup_type_cache(tc->typid, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR);
	if (!OidIsValid(tce->eq_opr) || !OidIsValid(tce->lt_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("target column \"%s\" has type %s, which has no default ordering to tell its classes apart",
						tc->name, format_type_be(tc->typid))));
	initStringInfo(&sql);
	/* values equal by the type but of other texts: the smallest text */
	appendStringInfo(&sql, "SELECT pg_catalog.min(s.%s::pg_catalog.text) FROM %s "
					 "WHERE s.%s IS NOT NULL GROUP BY s.%s ORDER BY s.%s LIMIT %d",
					 t, from, t, t, t,
					 family->multiclass ? (int) learn_param_number(params, "max_classes") + 1 : 3);
	ret = SPI_execute(sql.data, true, 0);
	/* SPI leaves its own context current: what is kept goes to mcxt */
	MemoryContextSwitchTo(mcxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_learn: reading the classes failed: %s", SPI_result_code_string(ret));
	for (uint64 r = 0; r < SPI_processed; r++)
		classes = lappend(classes, SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1));
	if (family->multiclass)
		return multiclass_sql(params, tc, classes, sql_out);
	if (list_length(classes) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target column \"%s\" has %s, but a %s needs two classes",
						tc->name, list_length(classes) > 2 ? "more than two values" :
						list_length(classes) == 1 ? "one value" : "no values", family->noun)));

	/* the type's equality, named exactly, between values of the type */
	optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(tce->eq_opr));
	if (!HeapTupleIsValid(optup))
		elog(ERROR, "pg_learn: cache lookup failed for operator %u", tce->eq_opr);
	op = (Form_pg_operator) GETSTRUCT(optup);
	*sql_out = psprintf("(s.%s OPERATOR(%s.%s) %s::%s)::pg_catalog.int4::pg_catalog.float8",
						t, quote_identifier(get_namespace_name(op->oprnamespace)),
						NameStr(op->oprname), quote_literal_cstr(llast(classes)),
						learn_label_type_sql(tc->typid));
	ReleaseSysCache(optup);
	return classes;
}

/*
 * LearnTrainSpec.column_sql: a column a param names (role: the param),
 * checked to be numeric and none of the training's other columns, as the
 * pass aggregates take it.
 */
static const char *
param_column_sql(const LearnTrainSpec *spec, const char *name, const char *role)
{
	const TrainColumns *tcols = spec->column_arg;
	SourceColumn *c = find_column(tcols->cols, name, role);

	require_numeric(c, role, false);
	if (strcmp(name, tcols->target) == 0 ||
		(tcols->weight && strcmp(name, tcols->weight) == 0) ||
		in_names(tcols->group_by, name) || in_names(tcols->features, name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" cannot be the %s and the target, weight, a feature or a group_by column",
						name, role)));
	return psprintf("s.%s::pg_catalog.float8", quote_identifier(name));
}

/* ---------------------------------------------------------------------
 * The groups of a training
 *
 * Pass 1 streams its groups into a receiver.  Each group is absorbed,
 * fitted, and made into what is stored of it (counts, reason or metrics,
 * terms) in a memory context reset after the group; that record goes to a
 * spool, a tuplestore that keeps hash_mem in memory (what the hash
 * aggregate of the groups may keep) and the rest in a temporary file.
 * Only a family with later passes keeps something per group in memory
 * (Carry), within learn.max_group_memory.  catalog.c then reads the spool
 * back one group at a time.
 * ---------------------------------------------------------------------
 */

typedef struct TrainGroups
{
	DestReceiver pub;
	const LearnFamily *family;
	void	   *plan;
	bool		grouped;
	bool		later;			/* the family has later passes */
	bool		keep_states;	/* each group's state goes to learn.states */
	MemoryContext mcxt;			/* the training's: spool, totals */
	MemoryContext gcxt;			/* one group's work, reset after it */
	MemoryContext ccxt;			/* the carries */
	ErrorContextCallback *outer_context;	/* of learn.train's caller */

	Tuplestorestate *spool;		/* one bytea per group (pack_group) */
	TupleDesc	spool_desc;
	TupleTableSlot *spool_slot; /* for reading it back */

	/* totals */
	int			ngroups;
	int			nfitted;
	int64		n_rows;
	int64		n_skipped;
	int64		n_zero_weight;
	char	   *first_reason;	/* why the first unfitted group was not */
	char	   *metrics_json;	/* the ungrouped model's metrics */

	Carry	   *carries;
	int			ncarries;
	int			carry_cap;
	/*
	 * The carries by their group values, for the later passes' results
	 * (carries_by_value): index + 1 of each; NULL when the group columns
	 * do not hash, and they are found by their text
	 */
	GroupTable *byvalue;
	KeyReader  *readers;		/* of the group columns */
	int			nkeys;
	bool		byvalue_made;

	/*
	 * A pass could not keep its groups (more than hash_mem holds: a
	 * parallel pass's table stops and its scan reads on to the end for
	 * nothing, a serial one ends at the limit; or the source is foreign):
	 * the later passes group with GROUP BY at once.
	 */
	bool		kept_stopped;

	/* reading back */
	MemoryContext rcxt;			/* the group read last, reset for the next */
} TrainGroups;

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

static void
check_group_memory(TrainGroups *tg, Size more)
{
	Size		used = MemoryContextMemAllocated(tg->ccxt, true) + more;

	if (used > (Size) learn_max_group_memory * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("training a %s needs more than learn.max_group_memory (%d kB) to keep its %d groups between passes",
						tg->family->noun, learn_max_group_memory, tg->ncarries),
				 errdetail("A %s with later passes keeps each fitted group's coefficients until the last pass.",
						   tg->family->noun),
				 errhint("Raise learn.max_group_memory, or train fewer groups per model.")));
}

/* Keep a fitted group for the later passes; returns its index. */
static int
keep_group(TrainGroups *tg, const char *key_text, Datum key, void *fit)
{
	MemoryContext old = MemoryContextSwitchTo(tg->ccxt);
	Carry	   *c;
	StringInfoData lookup;

	if (tg->ncarries == tg->carry_cap)
	{
		tg->carry_cap = tg->carry_cap ? tg->carry_cap * 2 : 64;
		check_group_memory(tg, sizeof(Carry) * tg->carry_cap);
		tg->carries = tg->carries ?
			repalloc_huge(tg->carries, sizeof(Carry) * tg->carry_cap) :
			palloc(sizeof(Carry) * tg->carry_cap);
	}
	c = &tg->carries[tg->ncarries];
	c->key_text = key_text ? pstrdup(key_text) : NULL;
	initStringInfo(&lookup);
	if (tg->grouped)
		key_lookup_from_text_array(key, &lookup);
	c->lookup = pstrdup(lookup.data);
	pfree(lookup.data);
	c->fit = tg->family->keep(tg->plan, fit);
	c->reason = NULL;
	c->index = tg->ncarries;
	MemoryContextSwitchTo(old);
	check_group_memory(tg, 0);
	return tg->ncarries++;
}

/*
 * A group's spool record: key text (or none), counts, then the reason it
 * was not fitted, or its metrics and either its terms or the index of its
 * carry (terms made after the later passes).
 */
static void
pack_string(StringInfo buf, const char *s)
{
	pq_sendbyte(buf, s != NULL);
	if (s)
		pq_sendstring(buf, s);
}

static const char *
unpack_string(StringInfo buf)
{
	return pq_getmsgbyte(buf) ? pq_getmsgstring(buf) : NULL;
}

static void
spool_group(TrainGroups *tg, const char *key_text, const LearnCounts *counts,
			const char *reason, const char *metrics, LearnTerm *terms,
			int nterms, int carry, bytea *state)
{
	StringInfoData buf;
	Datum		value;
	bool		isnull = false;

	pq_begintypsend(&buf);
	pack_string(&buf, key_text);
	pq_sendint64(&buf, counts->n);
	pq_sendint64(&buf, counts->n_skipped);
	pack_string(&buf, reason);
	pack_string(&buf, metrics);
	pq_sendint32(&buf, carry);
	pq_sendint32(&buf, nterms);
	for (int t = 0; t < nterms; t++)
	{
		pq_sendint32(&buf, terms[t].position);
		pq_sendstring(&buf, terms[t].term);
		pq_sendstring(&buf, terms[t].class_label ? terms[t].class_label : "");
		pq_sendfloat8(&buf, terms[t].estimate);
		pq_sendfloat8(&buf, terms[t].std_error);
		pq_sendfloat8(&buf, terms[t].statistic);
		pq_sendfloat8(&buf, terms[t].p_value);
	}
	pq_sendint32(&buf, state ? VARSIZE_ANY_EXHDR(state) : -1);
	if (state)
		pq_sendbytes(&buf, VARDATA_ANY(state), VARSIZE_ANY_EXHDR(state));
	value = PointerGetDatum(pq_endtypsend(&buf));
	tuplestore_putvalues(tg->spool, tg->spool_desc, &value, &isnull);
}

/* GroupSource for catalog.c: the spooled groups, one at a time. */
static bool
next_group(void *arg, GroupRecord *rec)
{
	TrainGroups *tg = arg;
	bytea	   *b;
	bool		isnull;
	StringInfoData buf;
	int			carry;
	MemoryContext old;

	MemoryContextReset(tg->rcxt);
	if (!tuplestore_gettupleslot(tg->spool, true, false, tg->spool_slot))
		return false;
	old = MemoryContextSwitchTo(tg->rcxt);
	b = DatumGetByteaPCopy(slot_getattr(tg->spool_slot, 1, &isnull));
	buf.data = VARDATA(b);
	buf.len = VARSIZE(b) - VARHDRSZ;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	memset(rec, 0, sizeof(GroupRecord));
	rec->key_text = unpack_string(&buf);
	rec->n_rows = pq_getmsgint64(&buf);
	rec->n_skipped = pq_getmsgint64(&buf);
	rec->reason = unpack_string(&buf);
	rec->metrics_json = unpack_string(&buf);
	carry = pq_getmsgint(&buf, 4);
	rec->nterms = pq_getmsgint(&buf, 4);
	if (carry >= 0 && tg->carries[carry].reason)
	{
		/* a later pass found it could not be fitted */
		rec->reason = tg->carries[carry].reason;
		rec->nterms = 0;
	}
	else if (carry >= 0)
	{
		LearnCounts counts;
		StringInfoData metrics;

		counts.n = rec->n_rows;
		counts.n_skipped = rec->n_skipped;
		counts.n_zero_weight = 0;
		if (tg->grouped)
		{
			initStringInfo(&metrics);
			tg->family->metrics(&metrics, tg->plan, &counts, tg->carries[carry].fit);
			rec->metrics_json = metrics.data;
		}
		rec->nterms = tg->family->terms(tg->plan, tg->carries[carry].fit,
										rec->key_text, &rec->terms);
	}
	else
	{
		rec->terms = palloc(sizeof(LearnTerm) * Max(rec->nterms, 1));
		for (int t = 0; t < rec->nterms; t++)
		{
			LearnTerm  *tr = &rec->terms[t];

			tr->position = pq_getmsgint(&buf, 4);
			tr->term = pq_getmsgstring(&buf);
			tr->class_label = pq_getmsgstring(&buf);
			tr->estimate = pq_getmsgfloat8(&buf);
			tr->std_error = pq_getmsgfloat8(&buf);
			tr->statistic = pq_getmsgfloat8(&buf);
			tr->p_value = pq_getmsgfloat8(&buf);
		}
	}
	if (carry < 0)
	{
		int			len = pq_getmsgint(&buf, 4);

		if (len >= 0)
		{
			rec->state = palloc(VARHDRSZ + len);
			SET_VARSIZE(rec->state, VARHDRSZ + len);
			pq_copymsgbytes(&buf, VARDATA(rec->state), len);
		}
	}
	MemoryContextSwitchTo(old);
	return true;
}

/* Pass 1's receiver: one group's state, fitted and spooled at once. */
static void absorb_group(TrainGroups *tg, Datum key, Datum state);

static bool
group_receive(TupleTableSlot *slot, DestReceiver *self)
{
	TrainGroups *tg = (TrainGroups *) self;
	bool		isnull;
	Datum		key;
	Datum		state;

	CHECK_FOR_INTERRUPTS();
	state = slot_getattr(slot, 2, &isnull);
	if (isnull)
		return true;
	key = slot_getattr(slot, 1, &isnull);
	absorb_group(tg, key, state);
	return true;
}

/* A group's state (bytea) from pass 1: absorbed, fitted and spooled. */
static void
absorb_group(TrainGroups *tg, Datum key, Datum state)
{
	const LearnFamily *family = tg->family;
	ErrorContextCallback *saved = error_context_stack;
	MemoryContext old;
	char	   *key_text = NULL;
	LearnCounts counts;
	void	   *st;
	void	   *fit;
	const char *reason = NULL;

	old = MemoryContextSwitchTo(tg->gcxt);
	if (tg->grouped)
		key_text = OidOutputFunctionCall(F_ARRAY_OUT, key);
	memset(&counts, 0, sizeof(counts));
	st = family->absorb(tg->plan, DatumGetByteaPP(state), &counts);
	tg->ngroups++;
	tg->n_rows += counts.n;
	tg->n_skipped += counts.n_skipped;
	tg->n_zero_weight += counts.n_zero_weight;

	/* notices of the fit read as after the pass, without its context */
	error_context_stack = tg->outer_context;
	fit = family->fit(tg->plan, st, &reason);
	if (fit == NULL)
	{
		if (tg->first_reason == NULL)
			tg->first_reason = MemoryContextStrdup(tg->mcxt, reason);
		spool_group(tg, key_text, &counts, reason, NULL, NULL, 0, -1,
					tg->keep_states ? DatumGetByteaPP(state) : NULL);
	}
	else
	{
		StringInfoData metrics;
		LearnTerm  *terms = NULL;
		int			nterms = 0;
		int			carry = -1;

		tg->nfitted++;
		initStringInfo(&metrics);
		if (tg->later)
		{
			/* metrics and terms wait for the last pass */
			carry = keep_group(tg, key_text, key, fit);
			spool_group(tg, key_text, &counts, NULL, NULL, NULL, 0, carry, NULL);
		}
		else
		{
			family->metrics(&metrics, tg->plan, &counts, fit);
			if (!tg->grouped)
				tg->metrics_json = MemoryContextStrdup(tg->mcxt, metrics.data);
			nterms = family->terms(tg->plan, fit, key_text, &terms);
			spool_group(tg, key_text, &counts, NULL, tg->grouped ? metrics.data : NULL,
						terms, nterms, carry,
						tg->keep_states ? DatumGetByteaPP(state) : NULL);
		}
	}
	error_context_stack = saved;
	MemoryContextSwitchTo(old);
	MemoryContextReset(tg->gcxt);
}

static TrainGroups *
train_groups_create(const LearnFamily *family, void *plan, bool grouped,
					MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	TrainGroups *tg = palloc0(sizeof(TrainGroups));
	LearnPass	second;

	tg->pub.receiveSlot = group_receive;
	tg->pub.rStartup = group_startup;
	tg->pub.rShutdown = group_shutdown;
	tg->pub.rDestroy = group_destroy;
	tg->pub.mydest = DestNone;
	tg->family = family;
	tg->plan = plan;
	tg->grouped = grouped;
	tg->later = family->later_pass && family->later_pass(plan, 2, &second);
	tg->mcxt = mcxt;
	tg->gcxt = AllocSetContextCreate(mcxt, "pg_learn group", ALLOCSET_DEFAULT_SIZES);
	tg->ccxt = AllocSetContextCreate(mcxt, "pg_learn kept groups", ALLOCSET_DEFAULT_SIZES);
	tg->rcxt = AllocSetContextCreate(mcxt, "pg_learn stored group", ALLOCSET_DEFAULT_SIZES);
	tg->spool_desc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(tg->spool_desc, (AttrNumber) 1, "g", BYTEAOID, -1, 0);
	tg->spool = tuplestore_begin_heap(false, false,
									  (int) Min(get_hash_memory_limit() / 1024, MAX_KILOBYTES));
	tg->spool_slot = MakeSingleTupleTableSlot(tg->spool_desc, &TTSOpsMinimalTuple);
	MemoryContextSwitchTo(old);
	return tg;
}

/*
 * Whether the family's pass-1 states of several relations merge into the
 * state of their union (shards.h): a state aggregate, the aggregate that
 * merges its states, and, when it takes the names, the function that
 * names a merged state.
 */
static bool
family_merges_shards(const LearnFamily *family)
{
	return family->first_pass == NULL && family->state_aggregate != NULL &&
		family->merge_aggregate != NULL &&
		(!family->state_named || family->stamp_function != NULL);
}

/*
 * Pass 1 over a source read one relation at a time (shards.h): each
 * relation's states, grouped by the group_by columns, in a query of its
 * own that postgres_fdw sends whole to a foreign table's server (all
 * immutable functions of pg_catalog or of pg_learn, which the server's
 * "extensions" lists), merged here by group; the branches of the UNION
 * ALL are scanned at once when the servers are async_capable.  A branch
 * is nothing but its aggregate, so that the Append reads the foreign
 * scans directly; the group key is made of the merged groups' columns.
 */
static void
append_shard_state_query(StringInfo sql, const LearnFamily *family, const SourceItem *src,
						 List *relations, const char *target_sql, const char *weight,
						 const TrainColumns *tcols, List *group_by)
{
	const char *state = "state";
	ListCell   *lc;
	ListCell   *lc2;

	/* the merged states' column: a name no group_by column has */
	while (in_names(group_by, state))
		state = psprintf("_%s", state);
	appendStringInfo(sql, "SELECT %s, ",
					 group_by != NIL ? group_key_expr(group_by) : "NULL::pg_catalog.text[]");
	if (family->state_named)
	{
		appendStringInfo(sql, "%s(%s(s.%s)", family->stamp_function,
						 family->merge_aggregate, quote_identifier(state));
		append_text_array(sql, tcols->terms);
		appendStringInfoChar(sql, ')');
	}
	else
		appendStringInfo(sql, "%s(s.%s)", family->merge_aggregate, quote_identifier(state));
	appendStringInfoString(sql, " FROM (");
	foreach(lc, relations)
	{
		appendStringInfoString(sql, foreach_current_index(lc) > 0 ? " UNION ALL SELECT " : "SELECT ");
		foreach(lc2, group_by)
			appendStringInfo(sql, "s.%s, ", quote_identifier((char *) lfirst(lc2)));
		appendStringInfo(sql, "%s(", family->state_aggregate);
		append_agg_args(sql, target_sql, weight, tcols, false);
		appendStringInfo(sql, ") FROM %s",
						 source_render(src, psprintf("ONLY %s AS s", relation_sql(lfirst_oid(lc)))));
		append_group_by(sql, group_by);
	}
	appendStringInfoString(sql, ") AS s(");
	foreach(lc2, group_by)
		appendStringInfo(sql, "%s, ", quote_identifier((char *) lfirst(lc2)));
	appendStringInfo(sql, "%s)", quote_identifier(state));
	append_group_by(sql, group_by);
}

/*
 * Pass 1: the state of each group, streamed into tg; read one relation
 * at a time when shards (a list of relations, shards.h) is not NIL.
 */
/* A pass's parameter, written in pbuf, as the $1 of its query. */
static ParamListInfo
pass_param_list(StringInfo pbuf)
{
	ParamListInfo params = makeParamList(1);

	params->params[0].value = PointerGetDatum(learn_pass_param_end(pbuf));
	params->params[0].isnull = false;
	params->params[0].pflags = PARAM_FLAG_CONST;
	params->params[0].ptype = BYTEAOID;
	return params;
}

/*
 * Groups kept by the state aggregate (family->state_groups): one
 * ungrouped pass whose value holds each group's key and state, absorbed in
 * the order the GROUP BY query's ORDER BY 1 gives them.
 */
typedef struct KeptGroup
{
	Datum		key;			/* text[] */
	bytea	   *state;
} KeptGroup;

/* The order of key arrays: btarraycmp under a collation */
typedef struct KeyOrder
{
	FmgrInfo	cmp;
	Oid			collation;
} KeyOrder;

static int
kept_group_cmp(const void *a, const void *b, void *arg)
{
	KeyOrder   *order = arg;

	return DatumGetInt32(FunctionCall2Coll(&order->cmp, order->collation,
										   ((const KeptGroup *) a)->key,
										   ((const KeptGroup *) b)->key));
}

/*
 * The value of a kept pass, sql (one row, one bytea; its parameter $1, a
 * bytea, is param when it has one), copied into mcxt, which the caller is
 * left in; NULL and *fallback when the pass is to group with GROUP BY
 * instead:
 * - when its plan reads a foreign table (then it is not run): an
 *	 aggregate over a foreign table may run on the remote server, whose
 *	 pg_learn may not know how to keep groups.  (The planned statement's
 *	 range table holds every relation the query reads, views expanded and
 *	 partitions too.)
 * - when, serially, the groups outgrew hash_mem: the aggregate's table
 *	 errors (GROUP_TABLE_FULL), which ends the scan there, in a
 *	 subtransaction of its own that is rolled back.  Any other error is
 *	 the caller's.  (A parallel pass's table stops instead, and its value
 *	 says so: read_kept_groups.)
 */
static bytea *
kept_pass_value(const char *sql, ParamListInfo param, MemoryContext mcxt, bool *fallback)
{
	bool		foreign = false;
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bytea	   *volatile value = NULL;

	Oid			argtypes[1] = {BYTEAOID};
	/* parallel workers allowed, as SPI_execute allows them */
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, param ? 1 : 0, argtypes, CURSOR_OPT_PARALLEL_OK);
	CachedPlan *cplan;
	ListCell   *lc;

	if (plan == NULL)
		elog(ERROR, "pg_learn: planning a pass failed: %s", SPI_result_code_string(SPI_result));
	cplan = SPI_plan_get_cached_plan(plan);
	if (cplan == NULL)
		elog(ERROR, "pg_learn: planning a pass failed");
	foreach(lc, cplan->stmt_list)
	{
		PlannedStmt *ps = lfirst_node(PlannedStmt, lc);
		ListCell   *lr;

		foreach(lr, ps->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lr);

			if (rte->rtekind == RTE_RELATION && rte->relkind == RELKIND_FOREIGN_TABLE)
				foreign = true;
		}
	}
	/* an unsaved plan's, which SPI got with no resource owner */
	ReleaseCachedPlan(cplan, NULL);
	*fallback = foreign;
	if (!foreign)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			value = spi_one_value(SPI_execute_plan_with_paramlist(plan, param, true, 0), mcxt);
			ReleaseCurrentSubTransaction();
			CurrentResourceOwner = owner;
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			/* the subtransaction ends first, whatever the error */
			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			if (!group_table_full_error(edata))
				ReThrowError(edata);
			FreeErrorData(edata);
			*fallback = true;
			elog(DEBUG1, "pg_learn: the groups took more than hash_mem: reading them with GROUP BY");
		}
		PG_END_TRY();
	}
	SPI_freeplan(plan);
	MemoryContextSwitchTo(mcxt);
	return value;
}

/*
 * The groups of the value of an aggregate that kept them (NULL: no row,
 * no group): their keys as text[] and their results, in the current
 * memory context; NULL when the aggregate stopped (more groups than
 * hash_mem holds).
 */
static KeptGroup *
read_kept_groups(bytea *value, int nkeys_expected, int *ngroups_out)
{
	StringInfoData buf;
	int			nkeys;
	bool		stopped;
	int			ngroups;
	KeptGroup  *groups;

	*ngroups_out = 0;
	if (value == NULL)
		return palloc(sizeof(KeptGroup));
	buf.data = VARDATA_ANY(value);
	buf.len = VARSIZE_ANY_EXHDR(value);
	buf.maxlen = buf.len;
	buf.cursor = 2;				/* the state's version and kind */
	nkeys = pq_getmsgint(&buf, 4);
	stopped = pq_getmsgbyte(&buf) != 0;
	ngroups = pq_getmsgint(&buf, 4);
	if (nkeys != nkeys_expected || ngroups < 0)
		elog(ERROR, "pg_learn: the state of %d groups has %d keys", ngroups, nkeys);
	elog(DEBUG1, "pg_learn: %s", stopped ?
		 "the groups took more than hash_mem: reading them with GROUP BY" :
		 psprintf("%d groups kept by the aggregate", ngroups));
	if (stopped)
		return NULL;
	groups = palloc(sizeof(KeptGroup) * Max(ngroups, 1));
	for (int i = 0; i < ngroups; i++)
	{
		Datum		elems[INDEX_MAX_KEYS];
		bool		nulls[INDEX_MAX_KEYS];
		int			dims[1] = {nkeys};
		int			lbs[1] = {1};
		int			len;

		for (int j = 0; j < nkeys; j++)
		{
			nulls[j] = pq_getmsgbyte(&buf) != 0;
			if (!nulls[j])
			{
				len = pq_getmsgint(&buf, 4);
				elems[j] = PointerGetDatum(cstring_to_text_with_len(pq_getmsgbytes(&buf, len),
																	len));
			}
		}
		groups[i].key = PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID,
														   -1, false, TYPALIGN_INT));
		len = pq_getmsgint(&buf, 4);
		groups[i].state = palloc(VARHDRSZ + len);
		SET_VARSIZE(groups[i].state, VARHDRSZ + len);
		pq_copymsgbytes(&buf, VARDATA(groups[i].state), len);
	}
	pq_getmsgend(&buf);
	*ngroups_out = ngroups;
	return groups;
}

/*
 * Whether an aggregate can keep the groups of these columns: their types
 * hash (the caller knows the aggregate keeps groups).  The collation of the keys'
 * order is the one the GROUP BY query's ORDER BY of the key array takes,
 * by PostgreSQL's rule for implicit collations: a group column's that is
 * not the database's default wins over the default; two such that differ
 * conflict (that query fails), and then the groups are not kept, so that
 * the training does what it did whatever hash_mem holds.
 */
static bool
groups_keepable(const TrainGroups *tg, const TrainColumns *tcols, List *group_by,
				Oid *collation)
{
	ListCell   *lc;

	*collation = InvalidOid;
	if (list_length(group_by) > INDEX_MAX_KEYS)
		return false;
	foreach(lc, group_by)
	{
		SourceColumn *c = find_column(tcols->cols, lfirst(lc), "group_by");

		if (!group_key_hashable(c->typid))
			return false;
		if (!OidIsValid(c->collid) || c->collid == DEFAULT_COLLATION_OID)
			continue;
		if (OidIsValid(*collation) && *collation != c->collid)
			return false;
		*collation = c->collid;
	}
	if (!OidIsValid(*collation))
		*collation = DEFAULT_COLLATION_OID;
	return true;
}

/* Whether the catalog has the aggregate that keeps a pass's groups. */
static bool
have_groups_aggregate(const LearnPass *lp)
{
	return lp->groups_aggregate != NULL &&
		OidIsValid(LookupFuncName(learn_qualified_name_list(lp->groups_aggregate), -1,
								  NULL, true));
}

/*
 * Pass 1 with the groups kept by the aggregate, its query sql; false when
 * it is to group with GROUP BY instead (kept_pass_value; or it stopped, in
 * a parallel plan: more groups than hash_mem holds): nothing was absorbed.
 */
static bool
run_kept_groups(TrainGroups *tg, const char *sql, List *group_by, Oid collation)
{
	MemoryContext kcxt = AllocSetContextCreate(CurrentMemoryContext, "pg_learn kept groups",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = CurrentMemoryContext;
	bytea	   *value;
	int			ngroups;
	KeptGroup  *groups;
	KeyOrder	order;
	bool		fallback;

	value = kept_pass_value(sql, NULL, kcxt, &fallback);
	if (fallback)
	{
		tg->kept_stopped = true;
		MemoryContextSwitchTo(old);
		MemoryContextDelete(kcxt);
		return false;
	}
	MemoryContextSwitchTo(kcxt);
	groups = read_kept_groups(value, list_length(group_by), &ngroups);
	if (groups == NULL)
	{
		tg->kept_stopped = true;
		MemoryContextSwitchTo(old);
		MemoryContextDelete(kcxt);
		return false;
	}
	fmgr_info(F_BTARRAYCMP, &order.cmp);
	order.collation = collation;
	qsort_arg(groups, ngroups, sizeof(KeptGroup), kept_group_cmp, &order);
	MemoryContextSwitchTo(old);
	for (int i = 0; i < ngroups; i++)
	{
		CHECK_FOR_INTERRUPTS();
		absorb_group(tg, groups[i].key, PointerGetDatum(groups[i].state));
		pfree(DatumGetPointer(groups[i].key));
		pfree(groups[i].state);
	}
	MemoryContextDelete(kcxt);
	return true;
}

static void
run_state_pass(TrainGroups *tg, const SourceItem *src, List *shards, const char *from,
			   const char *target_sql, const char *weight, const TrainColumns *tcols,
			   List *group_by, int64 parent_id, bytea *open_state)
{
	StringInfoData sql;
	SPIExecuteOptions opts;
	ParamListInfo start_params = NULL;
	int			ret;

	if (open_state)
	{
		/* made with the levels (open_pass): the state of them, as found */
		int			nterms = list_length(tcols->terms);
		const char **terms = palloc(sizeof(char *) * nterms);
		ListCell   *lc;

		foreach(lc, tcols->terms)
			terms[foreach_current_index(lc)] = lfirst(lc);
		absorb_group(tg, (Datum) 0,
					 PointerGetDatum(tg->family->close_levels(open_state, tcols->order,
															  terms, nterms)));
		return;
	}
	if (group_by != NIL && shards == NIL && parent_id == 0)
	{
		Oid			collation;
		LearnPass	lp;

		/* the state aggregate's groups, or a first pass aggregate's */
		initStringInfo(&sql);
		memset(&lp, 0, sizeof(lp));
		if (!tg->family->first_pass && tg->family->state_groups)
		{
			appendStringInfo(&sql, "SELECT %s(", tg->family->state_aggregate);
			append_agg_args(&sql, target_sql, weight, NULL, false);
			if (tg->family->state_named)
				append_text_array(&sql, tcols->terms);
			append_feature_args_open(&sql, tcols, 0, group_by);
			appendStringInfo(&sql, ") FROM %s", from);
		}
		else if (tg->family->first_pass && tg->family->first_pass(tg->plan, 1, &lp) &&
				 have_groups_aggregate(&lp))
			append_pass_query_kept(&sql, &lp, "NULL::pg_catalog.bytea", from, target_sql,
								   weight, tcols, group_by, true);
		if (sql.len > 0 && groups_keepable(tg, tcols, group_by, &collation) &&
			run_kept_groups(tg, sql.data, group_by, collation))
			return;
	}
	initStringInfo(&sql);
	if (shards != NIL)
		append_shard_state_query(&sql, tg->family, src, shards, target_sql, weight,
								 tcols, group_by);
	else if (tg->family->first_pass)
	{
		LearnPass	lp;
		double	   *param;

		memset(&lp, 0, sizeof(lp));
		if (!tg->family->first_pass(tg->plan, 1, &lp))
			elog(ERROR, "pg_learn: family %s has no first pass", tg->family->name);
		param = palloc0(sizeof(double) * Max(lp.nparam, 1));
		if (group_by == NIL && tg->family->start_param &&
			tg->family->start_param(tg->plan, param))
		{
			/* from a start (the ungrouped group's key is "") */
			StringInfoData pbuf;

			learn_pass_param_begin(&pbuf, lp.nparam);
			learn_pass_param_add(&pbuf, "", param, lp.nparam);
			start_params = pass_param_list(&pbuf);
		}
		append_pass_query(&sql, &lp, start_params ? "$1" : "NULL::pg_catalog.bytea", from,
						  target_sql, weight, tcols, group_by);
	}
	else
	{
		appendStringInfoString(&sql, "SELECT ");
		if (group_by != NIL)
			appendStringInfo(&sql, "%s, ", group_key_expr(group_by));
		else
			appendStringInfoString(&sql, "NULL::pg_catalog.text[], ");
		appendStringInfo(&sql, "%s(", tg->family->state_aggregate);
		append_agg_args(&sql, target_sql, weight, tcols, tg->family->state_named);
		appendStringInfo(&sql, ") FROM %s", from);
		append_group_by(&sql, group_by);
	}

	/*
	 * learn.update: each group's state merged with the parent's stored one
	 * (a group may be in either or both); the new rows are read as a
	 * training reads them, on parallel workers.
	 */
	if (parent_id != 0)
	{
		char	   *rows = sql.data;

		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT %s, %s(u.st) FROM (SELECT %s, t.state "
						 "FROM learn._states(" INT64_FORMAT ") AS t UNION ALL %s) AS u(k, st)",
						 group_by != NIL ? "u.k" : "NULL::pg_catalog.text[]",
						 tg->family->merge_aggregate,
						 group_by != NIL ? "t.group_key" : "NULL::pg_catalog.text[]",
						 parent_id, rows);
		if (group_by != NIL)
			appendStringInfoString(&sql, " GROUP BY u.k");
	}
	if (group_by != NIL)
		appendStringInfoString(&sql, " ORDER BY 1");

	/*
	 * The groups stream into the receiver while the plan runs to
	 * completion (so on parallel workers: a cursor fetched in pieces would
	 * run none).
	 */
	memset(&opts, 0, sizeof(opts));
	opts.params = start_params;
	opts.read_only = true;
	opts.dest = &tg->pub;
	ret = SPI_execute_extended(sql.data, &opts);
	/* a SELECT into a receiver of our own reads as a utility to SPI */
	if (ret != SPI_OK_SELECT && ret != SPI_OK_UTILITY)
		elog(ERROR, "pg_learn: the training pass failed: %s", SPI_result_code_string(ret));
}

/* Order of carries by key text; the ungrouped one has none. */
static int
carry_key_cmp(const void *a, const void *b)
{
	const char *ka = ((const Carry *) a)->key_text;
	const char *kb = ((const Carry *) b)->key_text;

	if (ka == NULL || kb == NULL)
		return (ka != NULL) - (kb != NULL);
	return strcmp(ka, kb);
}

/* A later pass's receiver: each group's result handed to its carry. */
typedef struct PassReceiver
{
	DestReceiver pub;
	TrainGroups *tg;
	int			pass;
	Carry	   *sorted;			/* the carries by key text */
	const TrainColumns *tcols;	/* the training's columns, */
	List	   *group_by;		/* and its group columns */
	MemoryContext rcxt;			/* one result's work */
} PassReceiver;

/*
 * tg->byvalue: the carries by their group values, read back from their
 * lookup keys.  A later pass groups its rows by the values' equality (as
 * pass 1 did) and names each group by the text of one of its values,
 * which need not be the one pass 1 named it by: float8 0 and -0, a
 * nondeterministic collation's 'a' and 'A', or interval '1 day' and
 * '24:00:00' are one group, and which of them a group's first row holds
 * depends on the plan (parallel workers, a hash aggregate that spills).
 * Group columns that do not hash, grouped by sorting, are found by text.
 */
/* group_table_add_keys's next: the carries' lookup keys, their index + 1 */
typedef struct CarryScan
{
	TrainGroups *tg;
	int			next;
} CarryScan;

static const char *
next_carry_key(void *arg, void **state)
{
	CarryScan  *cs = arg;

	if (cs->next == cs->tg->ncarries)
		return NULL;
	*state = (void *) (intptr_t) (cs->next + 1);
	return cs->tg->carries[cs->next++].lookup;
}

static void
carries_by_value(TrainGroups *tg, const TrainColumns *tcols, List *group_by)
{
	Oid			types[INDEX_MAX_KEYS];
	Oid			collations[INDEX_MAX_KEYS];
	MemoryContext old;
	ListCell   *lc;
	CarryScan	scan = {tg, 0};

	if (tg->byvalue_made)
		return;
	tg->byvalue_made = true;
	if (group_by == NIL || list_length(group_by) > INDEX_MAX_KEYS)
		return;
	foreach(lc, group_by)
	{
		SourceColumn *c = find_column(tcols->cols, lfirst(lc), "group_by");

		if (!group_key_hashable(c->typid))
			return;
		types[foreach_current_index(lc)] = c->typid;
		collations[foreach_current_index(lc)] = c->collid;
	}
	old = MemoryContextSwitchTo(tg->ccxt);
	tg->nkeys = list_length(group_by);
	tg->readers = palloc(sizeof(KeyReader) * tg->nkeys);
	for (int i = 0; i < tg->nkeys; i++)
		key_reader_init(&tg->readers[i], types[i], tg->ccxt);
	tg->byvalue = group_table_create_typed(tg->nkeys, types, collations, tg->ccxt);
	group_table_unbounded(tg->byvalue);
	/* a key that does not read back is found by its text alone */
	if (group_table_add_keys(tg->byvalue, tg->readers, next_carry_key, &scan) !=
		GROUP_KEYS_ADDED)
		tg->byvalue = NULL;		/* cannot be (pass 1 grouped by this
								 * equality): all found by text */
	MemoryContextSwitchTo(old);
}

/*
 * The carry of a later pass's result's key (a text[], or NULL), or NULL:
 * by its text, else by its values (carries_by_value, made at the first
 * miss).
 */
static Carry *
carry_of_result(PassReceiver *pr, Datum kd, bool knull)
{
	TrainGroups *tg = pr->tg;
	Carry		probe;
	Carry	   *found;
	StringInfoData key;
	NullableDatum values[INDEX_MAX_KEYS];
	intptr_t	g;
	KeyRead		r;
	int			nest = -1;

	probe.key_text = knull ? NULL : OidOutputFunctionCall(F_ARRAY_OUT, kd);
	found = bsearch(&probe, pr->sorted, tg->ncarries, sizeof(Carry), carry_key_cmp);
	if (found || knull)
		return found ? &tg->carries[found->index] : NULL;
	carries_by_value(tg, pr->tcols, pr->group_by);
	if (tg->byvalue == NULL)
		return NULL;
	initStringInfo(&key);
	key_lookup_from_text_array(kd, &key);
	if (key_readers_need_settings(tg->readers, tg->nkeys))
		nest = key_settings_fix(true);
	r = key_lookup_values(key.data, tg->nkeys, tg->readers, values);
	if (nest >= 0)
		key_settings_restore(nest);
	if (r == KEY_MALFORMED)
		elog(ERROR, "pg_learn: a pass's group key does not have %d values", tg->nkeys);
	if (r == KEY_UNREADABLE)
		return NULL;
	g = (intptr_t) group_table_lookup(tg->byvalue, values);
	return g > 0 ? &tg->carries[g - 1] : NULL;
}

/* A group's result of a later pass (its key: a text[], or NULL): to its carry. */
static void
pass_result(PassReceiver *pr, Datum kd, bool knull, Datum rd)
{
	TrainGroups *tg = pr->tg;
	Carry	   *found;
	MemoryContext old;

	old = MemoryContextSwitchTo(pr->rcxt);
	found = carry_of_result(pr, kd, knull);
	if (found)
		found->answered = true;
	if (found && found->reason == NULL)
	{
		const char *reason = tg->family->pass_absorb(tg->plan, pr->pass, found->fit, rd);

		if (reason)
		{
			Carry	   *c = found;

			c->reason = MemoryContextStrdup(tg->ccxt, reason);
			if (tg->first_reason == NULL)
				tg->first_reason = MemoryContextStrdup(tg->mcxt, reason);
			tg->nfitted--;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(pr->rcxt);
}

static bool
pass_receive(TupleTableSlot *slot, DestReceiver *self)
{
	bool		knull;
	bool		rnull;
	Datum		kd;
	Datum		rd;

	CHECK_FOR_INTERRUPTS();
	rd = slot_getattr(slot, 2, &rnull);
	if (rnull)
		return true;
	kd = slot_getattr(slot, 1, &knull);
	pass_result((PassReceiver *) self, kd, knull, rd);
	return true;
}

/*
 * A later pass with its groups kept by lp->groups_aggregate (when the
 * catalog has it and the group columns hash): each group's result to its
 * carry.  False when it cannot, or the groups took more than hash_mem.
 */
static bool
run_kept_pass(PassReceiver *recv, const LearnPass *lp, ParamListInfo params,
			  const char *from, const char *target_sql, const char *weight,
			  const TrainColumns *tcols, List *group_by)
{
	MemoryContext kcxt;
	MemoryContext old;
	StringInfoData sql;
	KeptGroup  *groups;
	bytea	   *value;
	int			ngroups;
	Oid			collation;
	bool		fallback;

	if (group_by == NIL || recv->tg->kept_stopped || !have_groups_aggregate(lp) ||
		!groups_keepable(recv->tg, tcols, group_by, &collation))
		return false;
	initStringInfo(&sql);
	append_pass_query_kept(&sql, lp, "$1", from, target_sql, weight, tcols, group_by, true);
	kcxt = AllocSetContextCreate(CurrentMemoryContext, "pg_learn kept groups",
								 ALLOCSET_DEFAULT_SIZES);
	old = CurrentMemoryContext;
	value = kept_pass_value(sql.data, params, kcxt, &fallback);
	if (fallback)
	{
		recv->tg->kept_stopped = true;
		MemoryContextSwitchTo(old);
		MemoryContextDelete(kcxt);
		return false;
	}
	groups = read_kept_groups(value, list_length(group_by), &ngroups);
	MemoryContextSwitchTo(old);
	if (groups == NULL)
	{
		recv->tg->kept_stopped = true;
		MemoryContextDelete(kcxt);
		return false;
	}
	for (int i = 0; i < ngroups; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pass_result(recv, groups[i].key, false, PointerGetDatum(groups[i].state));
	}
	MemoryContextDelete(kcxt);
	return true;
}

/*
 * A later pass of the family (pass >= 2) over the fitted groups: the
 * pass's aggregate with each group's parameters, its result handed back
 * to the family.
 */
static bool
run_later_pass(TrainGroups *tg, int pass, const LearnPass *lp,
			   const char *from, const char *target_sql, const char *weight,
			   const TrainColumns *tcols, List *group_by)
{
	const LearnFamily *family = tg->family;
	int			np = lp->nparam;
	StringInfoData sql;
	StringInfoData pbuf;
	double	   *param = palloc0(sizeof(double) * Max(np, 1));
	int			ret;
	ParamListInfo params;
	int			nincluded = 0;
	bool		keeps_rows = false;
	PassReceiver recv;
	SPIExecuteOptions opts;

	if (tg->ncarries == 0)
		return false;

	/*
	 * What the pass needs of each fitted group travels as one bytea,
	 * keyed by the group's lookup key; the aggregate decodes it once per
	 * worker and finds a group's values when it starts the group's state.
	 */
	learn_pass_param_begin(&pbuf, np);
	for (int g = 0; g < tg->ncarries; g++)
	{
		CHECK_FOR_INTERRUPTS();
		tg->carries[g].included = false;
		tg->carries[g].answered = false;
		if (tg->carries[g].reason != NULL ||
			!family->pass_param(tg->plan, pass, tg->carries[g].fit, param))
			continue;
		tg->carries[g].included = true;
		learn_pass_param_add(&pbuf, tg->carries[g].lookup, param, np);
		nincluded++;
		if (lp->rows_flag > 0 && lp->rows_flag <= np && param[lp->rows_flag - 1] != 0.0)
			keeps_rows = true;
	}
	if (nincluded == 0)
		return false;
	check_group_memory(tg, pbuf.len);
	params = pass_param_list(&pbuf);

	/* results stream into the receiver, matched to the carries by key */
	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = pass_receive;
	recv.pub.rStartup = group_startup;
	recv.pub.rShutdown = group_shutdown;
	recv.pub.rDestroy = group_destroy;
	recv.pub.mydest = DestNone;
	recv.tg = tg;
	recv.pass = pass;
	recv.sorted = palloc(sizeof(Carry) * tg->ncarries);
	memcpy(recv.sorted, tg->carries, sizeof(Carry) * tg->ncarries);
	qsort(recv.sorted, tg->ncarries, sizeof(Carry), carry_key_cmp);
	recv.tcols = tcols;
	recv.group_by = group_by;
	recv.rcxt = AllocSetContextCreate(CurrentMemoryContext, "pg_learn pass result",
									  ALLOCSET_DEFAULT_SIZES);

	/*
	 * One scan, grouped as pass 1 was (no join, no sort of the data): the
	 * groups kept by the pass's aggregate when it can, else GROUP BY (also
	 * when a group keeps its rows in the pass: LearnPass.rows_flag).
	 */
	if (keeps_rows ||
		!run_kept_pass(&recv, lp, params, from, target_sql, weight, tcols, group_by))
	{
		initStringInfo(&sql);
		append_pass_query(&sql, lp, "$1", from, target_sql, weight, tcols, group_by);
		memset(&opts, 0, sizeof(opts));
		opts.params = params;
		opts.read_only = true;
		opts.dest = &recv.pub;
		ret = SPI_execute_extended(sql.data, &opts);
		if (ret != SPI_OK_SELECT && ret != SPI_OK_UTILITY)
			elog(ERROR, "pg_learn: training pass %d failed: %s", pass,
				 SPI_result_code_string(ret));
	}
	MemoryContextDelete(recv.rcxt);
	pfree(recv.sorted);

	/*
	 * A group the pass had values for but found no rows of: the source
	 * gave other rows than in pass 1 (it is not deterministic).
	 */
	for (int g = 0; g < tg->ncarries; g++)
	{
		Carry	   *c = &tg->carries[g];

		if (c->included && !c->answered && c->reason == NULL)
		{
			c->reason = MemoryContextStrdup(tg->ccxt,
											psprintf("pass %d found none of its rows: the source changed between passes", pass));
			if (tg->first_reason == NULL)
				tg->first_reason = MemoryContextStrdup(tg->mcxt, c->reason);
			tg->nfitted--;
		}
	}
	return true;
}

/*
 * Name the features in errors raised during the passes ("feature 2 ..."),
 * and, with a categorical feature, the terms too ("term 4 ...": the
 * state's columns, one per level of a categorical feature), the first
 * CONTEXT_TERMS of them.
 */
#define CONTEXT_TERMS 50

typedef struct PassContext
{
	List	   *features;
	List	   *terms;			/* NIL: the terms are the features */
} PassContext;

/*
 * A start from a sample (LearnFamily.sample_plan), for an ungrouped
 * training of a table: the family's passes over a sample of the table's
 * pages (TABLESAMPLE SYSTEM, the same pages each time the table is the
 * same), and the sample's fit given to plan as its first coefficients.
 * Nothing of the sample is stored, and a sample that cannot be fitted
 * leaves plan as it was.  Runs in the caller's SPI connection.
 */
static void
run_sample_start(const LearnFamily *family, void *plan, const LearnTrainSpec *spec,
				 const SourceItem *src, const char *target_sql, const char *weight,
				 const TrainColumns *tcols, MemoryContext mcxt,
				 ErrorContextCallback *outer_context)
{
	Relation	rel;
	double		rows = -1;
	double		fraction = 0;
	void	   *splan;
	SourceItem	sample = *src;
	const char *from;
	TrainGroups *stg;

	/*
	 * The table's rows now, as the planner estimates them: the density of
	 * its last count (ANALYZE, VACUUM) times its pages now.  Never counted:
	 * -1, and a start asked for reads half of it.
	 */
	rel = table_open(src->relid, AccessShareLock);
	if ((rel->rd_rel->relkind == RELKIND_RELATION || rel->rd_rel->relkind == RELKIND_MATVIEW) &&
		rel->rd_rel->reltuples >= 0)
	{
		BlockNumber pages = RelationGetNumberOfBlocks(rel);

		rows = rel->rd_rel->relpages > 0 ?
			rel->rd_rel->reltuples / rel->rd_rel->relpages * pages : rel->rd_rel->reltuples;
	}
	else if (rel->rd_rel->relkind != RELKIND_RELATION &&
			 rel->rd_rel->relkind != RELKIND_MATVIEW)
	{
		table_close(rel, AccessShareLock);
		return;
	}
	table_close(rel, AccessShareLock);
	splan = family->sample_plan(plan, spec, Max(rows, 1.0), &fraction);
	if (splan == NULL)
		return;
	sample.item = psprintf("%s TABLESAMPLE pg_catalog.system (%.17g) REPEATABLE (0)",
						   src->item, 100.0 * fraction);
	from = source_render(&sample, sample.item);
	stg = train_groups_create(family, splan, false, mcxt);
	stg->outer_context = outer_context;
	run_state_pass(stg, &sample, NIL, from, target_sql, weight, tcols, NIL, 0, NULL);
	for (int pass = 2; stg->later && stg->nfitted > 0; pass++)
	{
		LearnPass	lp;

		memset(&lp, 0, sizeof(lp));
		if (!family->later_pass(splan, pass, &lp) ||
			!run_later_pass(stg, pass, &lp, from, target_sql, weight, tcols, NIL))
			break;
	}
	if (stg->ncarries == 1 && stg->carries[0].reason == NULL)
		(void) family->set_start(plan, splan, stg->carries[0].fit);
	ExecDropSingleTupleTableSlot(stg->spool_slot);
	tuplestore_end(stg->spool);
}

static char *
numbered(List *names, int max)
{
	StringInfoData b;
	ListCell   *lc;

	initStringInfo(&b);
	foreach(lc, names)
	{
		if (foreach_current_index(lc) == max)
		{
			appendStringInfo(&b, ", ... (%d in all)", list_length(names));
			break;
		}
		appendStringInfo(&b, "%s%d = %s", foreach_current_index(lc) > 0 ? ", " : "",
						 foreach_current_index(lc) + 1, quote_identifier((char *) lfirst(lc)));
	}
	return b.data;
}

static void
pass_error_context(const char *what, const PassContext *pc)
{
	if (pc->terms != NIL)
		errcontext("%s; features %s; terms %s", what, numbered(pc->features, INT_MAX),
				   numbered(pc->terms, CONTEXT_TERMS));
	else
		errcontext("%s; features %s", what, numbered(pc->features, INT_MAX));
}

static void
train_error_context(void *arg)
{
	pass_error_context("learn.train reading the source", arg);
}

static void
update_error_context(void *arg)
{
	pass_error_context("learn.update reading the new rows", arg);
}

/*
 * Push the context of the errors of passes (pc, of these features and
 * terms; NIL: the terms are the features) onto error_context_stack.
 */
static void
push_pass_context(ErrorContextCallback *errcb, bool update, PassContext *pc,
				  List *features, List *terms)
{
	pc->features = features;
	pc->terms = terms;
	errcb->callback = update ? update_error_context : train_error_context;
	errcb->arg = pc;
	errcb->previous = error_context_stack;
	error_context_stack = errcb;
}

/* What learn.train and learn.update ask of one training. */
typedef struct TrainArgs
{
	const char *name;
	const LearnFamily *family;
	LearnParams *params;
	const char *source;
	const char *target;
	List	   *features;		/* features elements */
	bool		features_given; /* false: every other column */
	List	   *group_by;
	const char *weight;

	/* learn.update's: the version whose states the new rows merge into */
	const ParentModel *parent;
	const char *parent_ref;		/* "name@N" */
	const char *lineage_json;	/* params.updated_from */
	bool		parent_deployed;	/* the parent was given as 'name' */
} TrainArgs;

/*
 * learn.update: the new source's columns must give the parent's features
 * the same terms.  A feature categorical in one and numeric in the other,
 * or a level the parent never saw (which training on all the rows would
 * make a term of its own), is 22P03; the check of levels is one scan of
 * the new rows, for a model with categorical features only.
 */
static void
check_same_terms(const TrainColumns *tcols, const char *from, const char *model)
{
	StringInfoData sql;
	ListCell   *lc;
	List	   *cat = NIL;
	int			ret;

	foreach(lc, tcols->features)
	{
		SourceColumn *c = find_column(tcols->cols, lfirst(lc), "feature");
		List	   *levels = tcols->encodings ?
			list_nth(tcols->encodings, foreach_current_index(lc)) : NIL;

		if ((levels != NIL) != is_categorical(c))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("feature \"%s\" is %s in model \"%s\", but the source's column has type %s",
							c->name, levels ? "categorical" : "numeric", model,
							format_type_be(c->typid)),
					 errdetail("An update merges states of the same terms."),
					 errhint("Give the column the type it had at training, or train a new version on all the rows with learn.train.")));
		if (levels)
			cat = lappend_int(cat, foreach_current_index(lc));
	}
	if (cat == NIL)
		return;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	foreach(lc, cat)
		appendStringInfo(&sql, "%ss.%s::pg_catalog.text", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(list_nth(tcols->features, lfirst_int(lc))));
	appendStringInfo(&sql, " FROM %s WHERE ", from);
	foreach(lc, cat)
	{
		/*
		 * A level is a text, compared byte for byte as the aggregate finds
		 * it: under "C", whatever the column's collation (a case-blind one
		 * would take "A" for the level "a").
		 */
		appendStringInfo(&sql, "%s(s.%s::pg_catalog.text COLLATE pg_catalog.\"C\" "
						 "OPERATOR(pg_catalog.<>) ALL (%s))",
						 foreach_current_index(lc) ? " OR " : "",
						 quote_identifier(list_nth(tcols->features, lfirst_int(lc))),
						 text_array_constant(list_nth(tcols->encodings, lfirst_int(lc))));
	}
	appendStringInfoString(&sql, " LIMIT 1");
	ret = SPI_execute(sql.data, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_learn: reading the levels of the new rows failed: %s",
			 SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return;
	foreach(lc, cat)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									 foreach_current_index(lc) + 1);
		List	   *levels = list_nth(tcols->encodings, lfirst_int(lc));
		ListCell   *lc2;

		if (v == NULL)
			continue;
		foreach(lc2, levels)
			if (strcmp(lfirst(lc2), v) == 0)
				break;
		if (lc2 == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("the source has level \"%s\" of feature \"%s\", which model \"%s\" was not trained with",
							v, (char *) list_nth(tcols->features, lfirst_int(lc)), model),
					 errdetail("An update merges states of the same terms; a new level would be a term of its own."),
					 errhint("Train a new version on all the rows with learn.train.")));
	}
}

/* learn.update refuses a parent whose fit a merge cannot redo (0A000). */
static void
cannot_update(const char *model, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("model \"%s\" cannot be updated", model),
			 errdetail("%s", detail),
			 errhint("Train a new version on all the rows with learn.train.")));
}

static Datum
train_model(const TrainArgs *a)
{
	MemoryContext callercxt = CurrentMemoryContext;
	TimestampTz start = GetCurrentTimestamp();
	const char *name = a->name;
	const char *source = a->source;
	const char *target = a->target;
	const char *weight = a->weight;
	const LearnFamily *family = a->family;
	LearnParams *params = a->params;
	const ParentModel *parent = a->parent;
	List	   *features = NIL;
	List	   *feature_exprs = NIL;
	List	   *group_by = a->group_by;
	LearnTrainSpec spec;
	void	   *plan;
	LearnPass	lp;
	SourceItem	src;
	char	   *from;			/* src rendered */
	List	   *shards = NIL;
	List	   *cols;
	int			k;
	TrainGroups *tg;
	List	   *classes;
	char	   *target_expr;	/* the target as the aggregates take it */
	int			guc_nest;
	TrainColumns tcols;
	ModelRecord rec;
	StringInfoData metrics;
	ListCell   *lc;
	long		secs;
	int			usecs;
	ErrorContextCallback errcb;
	PassContext pass_context;
	Datum		result;
	SourceColumn *target_col;
	LearnSplit *split;
	bytea	   *open_state = NULL;	/* pass 1, when it found the levels */

	/* learn.update checked it with the parent (catalog_read_parent) */
	if (a->parent == NULL)
		catalog_check_name_owner(name);

	/*
	 * Class labels and levels are values' text, read back as values: a
	 * float in full, whatever the caller's extra_float_digits.
	 */
	guc_nest = NewGUCNestLevel();
	(void) set_config_option("extra_float_digits", "3", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	/* resolve the source and check every column against it */
	SPI_connect();
	MemoryContextSwitchTo(callercxt);
	source_resolve(source, &src);
	from = source_render(&src, src.item);
	cols = source_columns(from, callercxt);
	target_col = find_column(cols, target, "target");
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
	if (parent)
	{
		src.columns = stored_features(parent, a->parent_ref, cols);
		from = source_render(&src, src.item);
		features = parent->features;
		feature_exprs = parent->feature_exprs;
		if (feature_exprs != NIL)
			cols = source_columns(from, callercxt);
	}
	else if (a->features_given)
	{
		src.columns = resolve_features(a->features, cols, &features, &feature_exprs);
		from = source_render(&src, src.item);
		if (feature_exprs != NIL)
			cols = source_columns(from, callercxt);
	}
	if (parent || a->features_given)
	{
		foreach(lc, features)
		{
			char	   *f = lfirst(lc);

			require_feature(find_column(cols, f, "feature"));
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
			require_feature(c);
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

	/* the held-out rows (params.test_fraction): from here on none is read */
	split = learn_split_begin(params, from, target, weight, group_by, features, &src.filter);
	from = source_render(&src, src.item);
	classes = target_sql(family, params, target_col, from, &target_expr);

	tcols.cols = cols;
	tcols.target = target;
	tcols.weight = weight;
	tcols.group_by = group_by;
	tcols.features = features;
	tcols.impute = NIL;
	tcols.encodings = NIL;
	tcols.modes = NIL;
	tcols.order = NULL;

	/*
	 * A source spread over postgres_fdw shards: pass 1 computed on the
	 * shards.  Later passes, and the reading of classes, levels and means
	 * below, read the source as a whole.
	 */
	if (OidIsValid(src.relid) && family_merges_shards(family))
		shards = learn_shard_relations(src.relid);
	if (parent)
	{
		/* the parent's levels, not the new rows' */
		tcols.encodings = parent->encodings;
		tcols.modes = NIL;
		make_terms(&tcols);
	}
	else
	{
		int			max_levels = (int) learn_param_number(params, "max_levels");
		bool		impute_mean = strcmp(learn_param_string(params, "impute"), "mean") == 0;
		bool		tried_open = false;

		/* pass 1 finds the levels when it can, else a scan of their own */
		if (shards == NIL && !impute_mean && levels_in_pass(family, &tcols))
		{
			tried_open = true;
			push_pass_context(&errcb, false, &pass_context, features, NIL);
			open_state = open_pass(family, &tcols, from, target_expr, max_levels, callercxt);
			error_context_stack = errcb.previous;
		}
		/*
		 * when pass 1 could not say (too many levels, or none), the scan
		 * of GROUPING SETS says what is wrong
		 */
		if (open_state == NULL)
			find_levels(&tcols, from, max_levels, impute_mean || tried_open);
	}
	if (strcmp(learn_param_string(params, "impute"), "mean") == 0)
	{
		catalog_require_column("models", "impute_values", "0.5", "Imputing features");
		find_imputed(&tcols, from);
	}
	if (tcols.encodings != NIL)
		catalog_require_relation("encodings", "0.4", "Training with categorical features");
	if (tcols.encodings != NIL && k + 1 > TRAIN_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a %s with categorical features takes at most %d features, not %d",
						family->noun, TRAIN_MAX_FEATURES - 1, k)));
	if (list_length(tcols.terms) > LEARN_MAX_TERMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the features of this %s make %d terms, more than the %d a model can have",
						family->noun, list_length(tcols.terms), LEARN_MAX_TERMS),
				 errhint("Categorical features add a term for each level: lower \"max_levels\", or group rare levels in the source.")));
	spec.column_arg = &tcols;
	spec.params = params;
	spec.target = target;
	spec.classes = classes;
	spec.column_sql = param_column_sql;
	spec.features = tcols.terms;
	spec.nfeatures = list_length(tcols.terms);
	spec.level = tcols.level;
	spec.grouped = group_by != NIL;
	plan = family->begin(&spec);


	/* pass 1: every group fitted as it arrives, and spooled */
	tg = train_groups_create(family, plan, group_by != NIL, callercxt);

	/*
	 * A state that merges exactly is kept, so that learn.update can add
	 * rows to the model: not when a later pass reads every row again, nor
	 * when the rows' values depend on all of them (imputed means) or some
	 * are held out.
	 */
	tg->keep_states = family->merge_aggregate != NULL && !tg->later && split == NULL &&
		tcols.impute == NIL && catalog_has_relation("states");
	if (parent)
	{
		if (tg->later)
			cannot_update(a->parent_ref, "Its fit takes a second pass over all of its rows (as robust standard errors do), which the new rows alone cannot give.");
		if (!parent->has_states)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("model \"%s\" has no stored state to update", a->parent_ref),
					 errdetail("Models trained before version 0.6 of pg_learn, or imported from a document without states, keep none."),
					 errhint("Train a new version on all the rows with learn.train; it can then be updated.")));
		check_same_terms(&tcols, from, a->parent_ref);
	}
	push_pass_context(&errcb, parent != NULL, &pass_context, features,
					  tcols.encodings != NIL ? tcols.terms : NIL);
	tg->outer_context = errcb.previous;

	/* a start from a sample of a large table, for a family that iterates */
	if (family->sample_plan && group_by == NIL && shards == NIL && parent == NULL &&
		OidIsValid(src.relid))
		run_sample_start(family, plan, &spec, &src, target_expr, weight, &tcols, callercxt,
						 errcb.previous);
	run_state_pass(tg, &src, shards, from, target_expr, weight, &tcols, group_by,
				   parent ? parent->id : 0, open_state);
	error_context_stack = errcb.previous;
	SPI_finish();
	MemoryContextSwitchTo(callercxt);

	if (tg->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the source has no rows to train on"),
				 tg->n_skipped + tg->n_zero_weight > 0 ?
				 errdetail("%lld rows have a NULL in the target, weight or a feature; %lld have weight 0.",
						   (long long) tg->n_skipped, (long long) tg->n_zero_weight) : 0));
	if (tg->nfitted == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot fit a %s: %s", family->noun, tg->first_reason),
				 group_by != NIL ? errdetail("No group could be fitted.") : 0));

	/* later passes, as many as the family asks for */
	for (int pass = 2; tg->later; pass++)
	{
		bool		ran;

		memset(&lp, 0, sizeof(lp));
		if (!family->later_pass(plan, pass, &lp))
			break;
		SPI_connect();
		MemoryContextSwitchTo(callercxt);
		ran = run_later_pass(tg, pass, &lp, from, target_expr, weight, &tcols, group_by);
		SPI_finish();
		MemoryContextSwitchTo(callercxt);
		if (!ran)
			break;
	}
	if (tg->nfitted == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot fit a %s: %s", family->noun, tg->first_reason),
				 group_by != NIL ? errdetail("No group could be fitted.") : 0));
	if (tg->later && group_by == NIL)
	{
		LearnCounts counts;
		StringInfoData m;

		counts.n = tg->n_rows;
		counts.n_skipped = tg->n_skipped;
		counts.n_zero_weight = tg->n_zero_weight;
		initStringInfo(&m);
		family->metrics(&m, plan, &counts, tg->carries[0].fit);
		tg->metrics_json = m.data;
	}

	/*
	 * A grouped model keeps its groups' metrics in learn.groups, one row
	 * each, and only a summary in learn.models.
	 */
	initStringInfo(&metrics);
	if (group_by == NIL)
		appendStringInfoString(&metrics, tg->metrics_json);
	else
		appendStringInfo(&metrics, "{\"n\": %lld, \"n_skipped\": %lld, \"n_groups\": %d, "
						 "\"n_fitted\": %d, \"n_failed\": %d}",
						 (long long) tg->n_rows, (long long) tg->n_skipped, tg->ngroups,
						 tg->nfitted, tg->ngroups - tg->nfitted);

	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	memset(&rec, 0, sizeof(rec));
	rec.name = name;
	rec.algorithm = family->name;
	rec.task = family->task;
	rec.source = source;
	rec.target = target;
	rec.features = features;
	rec.feature_exprs = feature_exprs;
	rec.impute_values = tcols.impute;
	rec.encodings = tcols.encodings;
	rec.group_by = group_by;
	rec.weight = weight;
	rec.classes = classes;
	rec.params_json = a->lineage_json ?
		learn_params_json_with(params, "updated_from", a->lineage_json) :
		learn_params_json(params);
	rec.metrics_json = metrics.data;
	rec.n_rows = tg->n_rows;
	rec.n_skipped = tg->n_skipped;
	rec.train_seconds = secs + usecs / 1e6;
	rec.deploy = learn_param_bool(params, "deploy");
	rec.deployed_parent = a->parent_deployed ? parent->id : 0;
	result = catalog_store_model(&rec, next_group, tg);
	if (split)
		result = learn_split_finish(split, result);
	/* the spool's temporary file, if it spilled, goes now */
	ExecDropSingleTupleTableSlot(tg->spool_slot);
	tuplestore_end(tg->spool);
	if (family->terms_done)
		family->terms_done(plan);
	AtEOXact_GUC(true, guc_nest);
	return result;
}

Datum
learn_train(PG_FUNCTION_ARGS)
{
	TrainArgs	a;
	char	   *algorithm;

	catalog_require_writable("learn.train()");
	memset(&a, 0, sizeof(a));
	a.name = learn_text_arg(fcinfo, 0, "name");
	algorithm = learn_text_arg(fcinfo, 1, "algorithm");
	a.source = learn_text_arg(fcinfo, 2, "source");
	a.target = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	a.weight = PG_ARGISNULL(7) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(7));
	if (a.name[0] == '\0' || strchr(a.name, '@') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid model name \"%s\"", a.name),
				 errdetail("A model name is not empty and has no \"@\", which selects a version.")));
	a.family = learn_family_for_training(algorithm);
	a.params = learn_params_parse(a.family, PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5));
	/* every family so far learns a target; unsupervised ones will not */
	if (a.target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("algorithm \"%s\" needs a target column", a.family->name)));
	if (!PG_ARGISNULL(6))
		a.group_by = text_array_to_list(PG_GETARG_ARRAYTYPE_P(6), "group_by");
	if (!PG_ARGISNULL(4))
	{
		a.features = text_array_to_list(PG_GETARG_ARRAYTYPE_P(4), "features");
		a.features_given = true;
	}
	PG_RETURN_DATUM(train_model(&a));
}

PG_FUNCTION_INFO_V1(learn_update);

/*
 * learn.update(model text, source text) RETURNS learn.models: the rows of
 * source merged into the stored states of a model version, stored as a
 * new version of its name.
 */
Datum
learn_update(PG_FUNCTION_ARGS)
{
	char	   *spec;
	ParentModel parent;
	TrainArgs	a;
	StringInfoData lineage;

	catalog_require_writable("learn.update()");
	spec = learn_text_arg(fcinfo, 0, "model");
	catalog_read_parent(catalog_resolve_model(spec, NULL), &parent);
	memset(&a, 0, sizeof(a));
	a.parent = &parent;
	a.parent_ref = psprintf("%s@%d", parent.name, parent.version);
	/* a name has no '@': 'name' is its deployed version */
	a.parent_deployed = strchr(spec, '@') == NULL;
	a.source = learn_text_arg(fcinfo, 1, "source");
	a.name = parent.name;
	a.target = parent.target;
	a.weight = parent.weight;
	a.group_by = parent.group_by;
	a.family = learn_family_find(parent.algorithm);
	if (a.family == NULL || a.family->merge_aggregate == NULL)
		cannot_update(a.parent_ref,
					  psprintf("A %s is fitted by passes over all of its rows; only models whose state merges (linear models without robust standard errors) can be updated.",
							   a.family ? a.family->noun : parent.algorithm));
	a.params = learn_params_parse(a.family, parent.params);
	if (learn_param_number(a.params, "test_fraction") > 0)
		cannot_update(a.parent_ref, "It was trained with held-out rows (params test_fraction), whose metrics the new rows alone cannot give.");
	if (parent.impute_values != NIL)
		cannot_update(a.parent_ref, "It imputes the means of all of its rows (params impute), which the new rows would change.");
	initStringInfo(&lineage);
	appendStringInfoString(&lineage, "{\"name\": ");
	escape_json(&lineage, parent.name);
	appendStringInfo(&lineage, ", \"version\": %d, \"id\": " INT64_FORMAT "}",
					 parent.version, parent.id);
	a.lineage_json = lineage.data;
	PG_RETURN_DATUM(train_model(&a));
}
