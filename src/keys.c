/*-------------------------------------------------------------------------
 * keys.c
 *	  Canonical text of group values.
 *
 * A grouped model stores each group's values as text (group_key) and
 * scoring formats a row's values to find its group, possibly in another
 * session with other settings.  The output of dates, times, intervals,
 * floats, money and bytea depends on DateStyle, IntervalStyle, TimeZone,
 * extra_float_digits, lc_monetary and bytea_output (and that of reg*
 * values inside containers on search_path), so those are fixed while such
 * a value is formatted; numerics lose their trailing zeros, as
 * GROUP BY puts 1.0 and 1.00 in one group.  Training calls learn._key_text() in
 * its SQL and scoring calls key_text(), so both sides agree.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "miscadmin.h"
#include "datatype/timestamp.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif

#include "keys.h"

PG_FUNCTION_INFO_V1(learn_key_text);

/* The settings fixed while a settings-dependent value is formatted. */
static const char *const canonical_settings[][2] = {
	{"datestyle", "ISO, MDY"},
	{"intervalstyle", "postgres"},
	{"timezone", "UTC"},
	{"extra_float_digits", "3"},
	{"bytea_output", "hex"},
	{"lc_monetary", "C"},
	/* reg* values inside arrays, composites and ranges print qualified */
	{"search_path", "pg_catalog"},
};

static bool
output_depends_on_settings(Oid typid)
{
	char		category;
	bool		preferred;

	typid = getBaseType(typid);
	if (typid == FLOAT4OID || typid == FLOAT8OID || typid == BYTEAOID ||
		typid == CASHOID)
		return true;
	get_type_category_preferred(typid, &category, &preferred);
	/* date/time, timespan, and containers that may hold them */
	return category == TYPCATEGORY_DATETIME || category == TYPCATEGORY_TIMESPAN ||
		category == TYPCATEGORY_ARRAY || category == TYPCATEGORY_COMPOSITE ||
		category == TYPCATEGORY_RANGE || category == TYPCATEGORY_USER;
}

static bool
is_reg_type(Oid typid)
{
	switch (typid)
	{
		case REGPROCOID:
		case REGPROCEDUREOID:
		case REGOPEROID:
		case REGOPERATOROID:
		case REGCLASSOID:
		case REGTYPEOID:
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGNAMESPACEOID:
		case REGROLEOID:
		case REGCOLLATIONOID:
			return true;
		default:
			return false;
	}
}

void
key_check_type(Oid typid, const char *column)
{
	Oid			base = getBaseType(typid);
	Oid			elem = get_element_type(base);

	if (is_reg_type(base) || (OidIsValid(elem) && is_reg_type(getBaseType(elem))))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("group_by column \"%s\" has type %s, which cannot key groups",
						column, format_type_be(typid)),
				 errdetail("The text of a %s value depends on search_path.",
						   format_type_be(OidIsValid(elem) ? elem : base)),
				 errhint("Cast the column to oid or text in a source query.")));
}

void
key_formatter_init(KeyFormatter *kf, Oid typid, MemoryContext mcxt)
{
	Oid			outfn;
	bool		varlena;

	getTypeOutputInfo(typid, &outfn, &varlena);
	fmgr_info_cxt(outfn, &kf->out, mcxt);
	kf->settings_matter = output_depends_on_settings(typid);
	kf->is_numeric = (getBaseType(typid) == NUMERICOID);
	switch (getBaseType(typid))
	{
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case FLOAT8OID:
		case FLOAT4OID:
			kf->fast_type = getBaseType(typid);
			break;
		default:
			kf->fast_type = InvalidOid;
	}
}

/*
 * The canonical text of the commonest settings-dependent types, written
 * directly in the fixed style, without switching settings for each value
 * (what date_out, timestamp_out, timestamptz_out under TimeZone UTC and
 * float8out/float4out with extra_float_digits 3 print).  NULL when the
 * value is not of such a type.
 */
static char *
fast_key_text(Oid type, Datum value)
{
	char		buf[MAXDATELEN + 1];
	struct pg_tm tt;
	fsec_t		fsec;

	switch (type)
	{
		case DATEOID:
			{
				DateADT		date = DatumGetDateADT(value);

				if (DATE_NOT_FINITE(date))
					return NULL;
				j2date(date + POSTGRES_EPOCH_JDATE, &tt.tm_year, &tt.tm_mon, &tt.tm_mday);
				EncodeDateOnly(&tt, USE_ISO_DATES, buf);
				return pstrdup(buf);
			}
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			{
				Timestamp	ts = DatumGetTimestamp(value);

				if (TIMESTAMP_NOT_FINITE(ts) ||
					timestamp2tm(ts, NULL, &tt, &fsec, NULL, NULL) != 0)
					return NULL;
				/* a timestamptz in UTC: offset +00 (tm_isdst < 0 would hide it) */
				tt.tm_isdst = 0;
				EncodeDateTime(&tt, fsec, type == TIMESTAMPTZOID, 0, NULL,
							   USE_ISO_DATES, buf);
				return pstrdup(buf);
			}
		case FLOAT8OID:
			{
				double		d = DatumGetFloat8(value);

				if (isnan(d) || isinf(d))
					return NULL;
				double_to_shortest_decimal_buf(d, buf);
				return pstrdup(buf);
			}
		case FLOAT4OID:
			{
				float		f = DatumGetFloat4(value);

				if (isnan(f) || isinf(f))
					return NULL;
				float_to_shortest_decimal_buf(f, buf);
				return pstrdup(buf);
			}
	}
	return NULL;
}

int
key_settings_fix(bool reading)
{
	int			nest = NewGUCNestLevel();

	/* GUC_ACTION_SAVE: allowed in parallel workers too */
	for (int i = 0; i < lengthof(canonical_settings); i++)
	{
		/*
		 * qualified names read alike under any search_path, and a domain's
		 * CHECK in a container is to run under the session's
		 */
		if (reading && strcmp(canonical_settings[i][0], "search_path") == 0)
			continue;
		(void) set_config_option(canonical_settings[i][0], canonical_settings[i][1],
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	}
	return nest;
}

void
key_settings_restore(int nest)
{
	AtEOXact_GUC(true, nest);
}

char *
key_text(KeyFormatter *kf, Datum value)
{
	int			nest;
	char	   *s;

	/* equal numerics print alike only without trailing zeros */
	if (kf->is_numeric)
		value = DirectFunctionCall1(numeric_trim_scale, value);
	if (!kf->settings_matter)
		return OutputFunctionCall(&kf->out, value);
	if (OidIsValid(kf->fast_type) && (s = fast_key_text(kf->fast_type, value)) != NULL)
		return s;
	nest = key_settings_fix(false);
	s = OutputFunctionCall(&kf->out, value);
	key_settings_restore(nest);
	return s;
}

void
key_reader_init(KeyReader *kr, Oid typid, MemoryContext mcxt)
{
	Oid			base = getBaseType(typid);
	Oid			infn;

	/* the base type's: a domain's checks held when the value was stored */
	getTypeInputInfo(base, &infn, &kr->ioparam);
	fmgr_info_cxt(infn, &kr->in, mcxt);

	/*
	 * Floats and bytea read any text alike, and the ISO text of dates and
	 * timestamps (with its +00 offset) reads alike under any DateStyle
	 * and TimeZone; intervals (IntervalStyle), money (lc_monetary) and
	 * containers of anything are read under the settings they were
	 * written in.
	 */
	kr->settings_matter = output_depends_on_settings(typid) &&
		base != FLOAT4OID && base != FLOAT8OID && base != BYTEAOID &&
		base != DATEOID && base != TIMESTAMPOID && base != TIMESTAMPTZOID;
}

bool
key_readers_need_settings(const KeyReader *readers, int n)
{
	for (int i = 0; i < n; i++)
		if (readers[i].settings_matter)
			return true;
	return false;
}

KeyRead
key_lookup_values(const char *key, int nvalues, KeyReader *readers, NullableDatum *values)
{
	char	   *texts[INDEX_MAX_KEYS];

	Assert(nvalues <= INDEX_MAX_KEYS);
	if (!key_lookup_split(key, nvalues, texts))
		return KEY_MALFORMED;
	for (int i = 0; i < nvalues; i++)
	{
		values[i].isnull = (texts[i] == NULL);
		values[i].value = (Datum) 0;
		if (texts[i] == NULL)
			continue;
#if PG_VERSION_NUM >= 160000
		{
			ErrorSaveContext escontext = {T_ErrorSaveContext};

			if (!InputFunctionCallSafe(&readers[i].in, texts[i], readers[i].ioparam, -1,
									   (Node *) &escontext, &values[i].value))
				return KEY_UNREADABLE;
		}
#else
		values[i].value = InputFunctionCall(&readers[i].in, texts[i], readers[i].ioparam, -1);
#endif
	}
	return KEY_READ;
}

bool
key_lookup_split(const char *key, int nvalues, char **values)
{
	const char *p = key;

	for (int i = 0; i < nvalues; i++)
	{
		unsigned long len;
		char	   *end;

		if (p[0] == 'N' && p[1] == ';')
		{
			values[i] = NULL;
			p += 2;
			continue;
		}
		if (*p < '0' || *p > '9')
			return false;
		errno = 0;
		len = strtoul(p, &end, 10);
		if (errno != 0 || *end != ':' || len > strlen(end + 1) ||
			end[1 + len] != ';')
			return false;
		values[i] = pnstrdup(end + 1, len);
		p = end + 1 + len + 1;
	}
	return *p == '\0';
}

void
key_append(StringInfo key, const char *value)
{
	if (value == NULL)
		appendStringInfoString(key, "N;");
	else
		appendStringInfo(key, "%zu:%s;", strlen(value), value);
}

static uint32
key_table_hash(const void *key, Size keysize)
{
	const char *k = *(char *const *) key;

	return hash_bytes((const unsigned char *) k, strlen(k));
}

static int
key_table_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

HTAB *
key_table_create(const char *name, long nelem, Size entrysize, MemoryContext mcxt)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = entrysize;
	ctl.hash = key_table_hash;
	ctl.match = key_table_match;
	ctl.hcxt = mcxt;
	return hash_create(name, Max(nelem, 16), &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

void
key_lookup_from_text_array(Datum group_key, StringInfo key)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(group_key), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		key_append(key, nulls[i] ? NULL : TextDatumGetCString(elems[i]));
}

/* learn._key_text(anyelement) RETURNS text */
Datum
learn_key_text(PG_FUNCTION_ARGS)
{
	KeyFormatter *kf = fcinfo->flinfo->fn_extra;

	if (kf == NULL)
	{
		kf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(KeyFormatter));
		key_formatter_init(kf, get_fn_expr_argtype(fcinfo->flinfo, 0),
						   fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = kf;
	}
	PG_RETURN_TEXT_P(cstring_to_text(key_text(kf, PG_GETARG_DATUM(0))));
}
