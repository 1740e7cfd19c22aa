/*-------------------------------------------------------------------------
 * args.c
 *	  The numeric kind of a feature argument of type "any", resolved once
 *	  per call site.
 *-------------------------------------------------------------------------
 */
#include "args.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

char *
learn_text_arg(FunctionCallInfo fcinfo, int i, const char *what)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(i));
}

bool
learn_arg_kind(Oid typid, LearnArgKind *kind)
{
	switch (typid)
	{
		case FLOAT8OID:
			*kind = LEARN_ARG_FLOAT8;
			return true;
		case FLOAT4OID:
			*kind = LEARN_ARG_FLOAT4;
			return true;
		case INT2OID:
			*kind = LEARN_ARG_INT2;
			return true;
		case INT4OID:
			*kind = LEARN_ARG_INT4;
			return true;
		case INT8OID:
			*kind = LEARN_ARG_INT8;
			return true;
		case NUMERICOID:
			*kind = LEARN_ARG_NUMERIC;
			return true;
		case BOOLOID:
			*kind = LEARN_ARG_BOOL;
			return true;
		default:
			return false;
	}
}

LearnArgKind *
learn_resolve_arg_kinds(FunctionCallInfo fcinfo, int first, int n,
						struct LevelTable *const *levels, MemoryContext mcxt)
{
	LearnArgKind *kinds = MemoryContextAllocZero(mcxt, sizeof(LearnArgKind) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		Oid			typid;

		if (levels && levels[i])
			continue;			/* categorical: its text */
		typid = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, first + i));
		if (!learn_arg_kind(typid, &kinds[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("feature %d has type %s, which is not numeric or boolean",
							i + 1, format_type_be(typid)),
					 errhint("A categorical feature needs its levels: learn.train finds them.")));
	}
	return kinds;
}

/*
 * The varlena layout of a numeric, as numeric.c stores it (the on-disk
 * format, which pg_upgrade keeps from release to release): a 16-bit
 * header, for the long form a 16-bit weight, then base-10000 digits, the
 * first of weight `weight`.  The short form packs sign, display scale and
 * weight into its header; the header's two top bits 11 mark NaN and the
 * infinities.
 */
#define NUM_FLAG_MASK		0xC000
#define NUM_NEG				0x4000
#define NUM_SHORT			0x8000
#define NUM_SPECIAL			0xC000
#define NUM_SHORT_NEG		0x2000
#define NUM_SHORT_WEIGHT_NEG 0x0040
#define NUM_SHORT_WEIGHT	0x003F
#define NUM_BASE			10000

/* 10^0 .. 10^22: every one exact in a double */
static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * The numeric's value exactly as m * 10^e with an integer m < 2^53 and
 * |e| <= 22, when it has such a form (false otherwise: NaN, infinities,
 * more than four base-10000 digits, or other exponents).  Then one
 * multiplication or division of exact operands is the correctly rounded
 * result (Clinger's fast path), which is what strtod makes of the decimal
 * text numeric::float8 goes through.  The display scale is not read: the
 * stored digits are the value (numeric's own arithmetic and input never
 * keep digits beyond it).
 */
static bool
numeric_fast_double(Datum d, double *out)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	const char *p;
	int			len;
	uint16		header;
	int			weight;
	bool		neg;
	int			ndigits;
	uint64		m = 0;
	int			e;

	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		return false;			/* toasted or compressed: the slow way */
	p = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	if (len < (int) sizeof(uint16))
		return false;
	memcpy(&header, p, sizeof(uint16));
	if ((header & NUM_FLAG_MASK) == NUM_SPECIAL)
		return false;
	if ((header & NUM_FLAG_MASK) == NUM_SHORT)
	{
		neg = (header & NUM_SHORT_NEG) != 0;
		weight = (header & NUM_SHORT_WEIGHT_NEG) ? (int) (header & NUM_SHORT_WEIGHT) - 64 :
			(int) (header & NUM_SHORT_WEIGHT);
		p += sizeof(uint16);
		len -= sizeof(uint16);
	}
	else
	{
		int16		w;

		if (len < (int) (2 * sizeof(uint16)))
			return false;
		neg = (header & NUM_FLAG_MASK) == NUM_NEG;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		p += 2 * sizeof(uint16);
		len -= 2 * sizeof(uint16);
	}
	ndigits = len / (int) sizeof(int16);
	if (ndigits == 0)
	{
		*out = 0.0;				/* numeric zero is never negative */
		return true;
	}
	if (ndigits > 4)
		return false;
	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;

		memcpy(&digit, p + i * sizeof(int16), sizeof(int16));
		if (digit < 0 || digit >= NUM_BASE)
			return false;
		m = m * NUM_BASE + (uint64) digit;
	}
	if (m > (UINT64CONST(1) << 53))
		return false;
	/* the last digit's weight, in powers of ten */
	e = 4 * (weight - ndigits + 1);
	if (e < -22 || e > 22)
		return false;
	*out = e >= 0 ? (double) m * exact_pow10[e] : (double) m / exact_pow10[-e];
	if (neg)
		*out = -*out;
	return true;
}

double
learn_numeric_to_double(Datum d)
{
	double		r;

	if (numeric_fast_double(d, &r))
		return r;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
}
