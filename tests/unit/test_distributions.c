/*-------------------------------------------------------------------------
 * test_distributions.c
 *	  Checks src/numeric/distributions.c against R reference values.
 *
 * Usage: test_distributions tests/unit/distributions_ref.csv
 *
 * The CSV (written by tests/unit/distributions_ref.R) has the columns
 * fn,x,df1,df2,expected with fn one of t2, f, chisq, norm2.  A value passes
 * when |got - expected| <= 1e-11 * |expected|, or both are below 1e-300 in
 * absolute value (the subnormal range, where relative error is meaningless).
 * Prints each failure and a closing "N passed, N failed" line; exits 1 on
 * any failure or unreadable input.
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distributions.h"

#define REL_TOL		1e-11
#define ABS_FLOOR	1e-300

/* Split line in place at commas into at most nf fields; returns the count. */
static int
split_csv(char *line, char **fields, int nf)
{
	int			n = 0;
	char	   *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < nf)
	{
		fields[n++] = p;
		p = strchr(p, ',');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Parse a number; an empty field is NaN.  Returns 0 on garbage. */
static int
parse_num(const char *s, double *out)
{
	char	   *end;

	if (*s == '\0')
	{
		*out = NAN;
		return 1;
	}
	*out = strtod(s, &end);
	return *end == '\0';
}

int
main(int argc, char **argv)
{
	FILE	   *fp;
	char		line[512];
	int			lineno = 0,
				passed = 0,
				failed = 0;
	double		worst = 0.0;
	char		worst_desc[256] = "";

	if (argc != 2)
	{
		fprintf(stderr, "usage: %s distributions_ref.csv\n", argv[0]);
		return 1;
	}
	fp = fopen(argv[1], "r");
	if (fp == NULL)
	{
		perror(argv[1]);
		return 1;
	}

	while (fgets(line, sizeof(line), fp) != NULL)
	{
		char	   *f[5];
		double		x,
					df1,
					df2,
					expected,
					got,
					err;

		lineno++;
		if (lineno == 1)
			continue;			/* header */
		if (split_csv(line, f, 5) != 5 ||
			!parse_num(f[1], &x) || !parse_num(f[2], &df1) ||
			!parse_num(f[3], &df2) || !parse_num(f[4], &expected))
		{
			fprintf(stderr, "%s:%d: malformed line\n", argv[1], lineno);
			failed++;
			continue;
		}

		if (strcmp(f[0], "t2") == 0)
			got = dist_t_sf2(x, df1);
		else if (strcmp(f[0], "f") == 0)
			got = dist_f_sf(x, df1, df2);
		else if (strcmp(f[0], "chisq") == 0)
			got = dist_chisq_sf(x, df1);
		else if (strcmp(f[0], "norm2") == 0)
			got = dist_normal_sf2(x);
		else
		{
			fprintf(stderr, "%s:%d: unknown fn \"%s\"\n", argv[1], lineno, f[0]);
			failed++;
			continue;
		}

		if (fabs(expected) < ABS_FLOOR && fabs(got) < ABS_FLOOR)
			err = 0.0;
		else if (isnan(got))
			err = INFINITY;
		else
			err = fabs(got - expected) / fabs(expected);

		if (err > worst)
		{
			worst = err;
			snprintf(worst_desc, sizeof(worst_desc), "line %d: %s(%s, %s, %s)",
					 lineno, f[0], f[1], f[2], f[3]);
		}
		if (err <= REL_TOL)
			passed++;
		else
		{
			failed++;
			printf("FAIL line %d: %s x=%s df1=%s df2=%s expected=%.17g got=%.17g rel=%.3g\n",
				   lineno, f[0], f[1], f[2], f[3], expected, got, err);
		}
	}
	fclose(fp);

	if (passed + failed == 0)
	{
		fprintf(stderr, "%s: no test cases\n", argv[1]);
		return 1;
	}
	printf("worst relative error %.3g (%s)\n", worst, worst_desc);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
