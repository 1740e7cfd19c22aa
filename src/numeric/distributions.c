/*-------------------------------------------------------------------------
 * distributions.c
 *	  Tail probabilities of the normal, t, F and chi-square distributions:
 *	  the regularized incomplete beta and gamma functions behind them.
 *
 * The aim is R's accuracy (pnorm, pt, pf, pchisq) for p-values anywhere in
 * the double range, including tiny p and huge degrees of freedom, so:
 *
 * - upper tails are computed directly, never as 1 - lower, whenever they
 *	 are the smaller side;
 * - the power-and-gamma prefactors x^a y^b / B(a,b) and x^a e^-x / Gamma(a)
 *	 use Loader's saddle-point form (Stirling remainders plus the deviance
 *	 term bd0), not lgamma differences, which would lose about
 *	 log10(lgamma(a)) digits once a is large (df = 1e7 would leave 8);
 * - the products (a+b)x, and the distance lambda = a - (a+b)x of x from the
 *	 mean, are carried to double-double precision so that nothing cancels;
 * - the incomplete beta continued fraction is evaluated in its even
 *	 (contracted) form with every partial denominator written as a sum of
 *	 positive terms in lambda and y = 1 - x, because the textbook form
 *	 1 - (a+b)x/(a+1) cancels catastrophically after the symmetry swap
 *	 when x is close to 1 (e.g. the t distribution with df = 1e7).
 *
 * The statistic is mapped to the beta/gamma argument exactly as R's nmath
 * does it, so that both evaluate the same function at the same double.
 *
 * The symmetry swap I_x(a,b) = 1 - I_y(b,a) is taken at the mean
 * (lambda < 0) rather than at x = (a+1)/(a+b+2): that keeps every term of
 * the contracted fraction positive.
 *
 * Accuracy: about 2e-13 relative against 50-digit references for results
 * down to 1e-300, for df from 0.1 to 1e7 (and far beyond for t).  The
 * continued fractions need O(sqrt(df)) terms near the centre; above about
 * df = 1e16 for chi-square, or both df of F, they stop and return NaN.  The
 * error-free products use fma(): build without floating-point contraction
 * (-ffp-contract=off; GCC's default under -std=c11) to keep the last digits.
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "distributions.h"

/* sqrt(1/2) as a double plus the rounding error of that double */
#define SQRT1_2_HI		0.70710678118654757
#define SQRT1_2_LO		(-4.8336466567264565e-17)
#define TWO_OVER_SQRTPI 1.1283791670955125739	/* 2 / sqrt(pi) */
#define LN_SQRT_2PI		0.91893853320467274178	/* log(sqrt(2 pi)) */
#define TWO_PI			6.2831853071795864769

/* Continued fractions: floor for Lentz's divisors, and iteration limits */
#define CF_TINY			1e-300
#define CF_MAXIT		1000000

/*
 * erfc(z / sqrt(2)).  The rounding of z / sqrt(2) would cost a relative
 * error of about z^2 * 2^-53 (1e-13 near the underflow limit), so it is
 * corrected to first order with the exact remainder of the product.
 */
static double
erfc_sqrt1_2(double z)
{
	double		u,
				du,
				r;

	if (!isfinite(z))
		return isnan(z) ? z : (z > 0 ? 0.0 : 2.0);
	u = z * SQRT1_2_HI;
	du = fma(z, SQRT1_2_HI, -u) + z * SQRT1_2_LO;
	r = erfc(u);
	if (r > 0.0)
		r -= du * TWO_OVER_SQRTPI * exp(-u * u);
	return r;
}

/*
 * Stirling remainder log(n!) - log(sqrt(2 pi n) (n/e)^n) for n > 0.
 *
 * For n >= 10 the asymptotic series with ten terms is good to 1e-20.  Below
 * that we step up with stirlerr(n) = stirlerr(n+1) + (n+1/2) log(1+1/n) - 1,
 * whose last term is u^2/3 + u^4/5 + ... with u = 1/(2n+1), summed directly
 * so that it does not cancel.
 */
static double
stirlerr(double n)
{
	/* B_2k / (2k (2k-1)), k = 1..10 */
	static const double c[10] = {
		1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0,
		1.0 / 1188.0, -691.0 / 360360.0, 1.0 / 156.0, -3617.0 / 122400.0,
		43867.0 / 244188.0, -174611.0 / 125400.0
	};
	double		acc = 0.0;
	double		nn,
				s;

	while (n < 10.0)
	{
		double		u = 1.0 / (2.0 * n + 1.0);

		if (u < 0.5)
		{
			double		uu = u * u;
			double		term = uu;
			double		sum = 0.0;

			for (int k = 3; k < 200; k += 2)
			{
				double		next = sum + term / k;

				if (next == sum)
					break;
				sum = next;
				term *= uu;
			}
			acc += sum;
		}
		else
			acc += (n + 0.5) * log1p(1.0 / n) - 1.0;
		n += 1.0;
	}

	nn = 1.0 / (n * n);
	s = c[9];
	for (int k = 8; k >= 0; k--)
		s = s * nn + c[k];
	return acc + s / n;
}

/*
 * Loader's deviance term bd0(x, np) = x log(x / np) + np - x >= 0, with np
 * given as an unevaluated sum np_hi + np_lo.  Near x = np it is summed as
 * a series in v = (x - np) / (x + np), which has no cancellation.
 */
static double
bd0(double x, double np_hi, double np_lo)
{
	double		np = np_hi + np_lo;
	double		diff;

	if (x == 0.0)
		return np;
	if (!(np > 0.0) || isinf(np) || isinf(x))
		return INFINITY;

	diff = (x - np_hi) - np_lo;
	if (fabs(diff) < 0.5 * (x + np))
	{
		double		v = diff / (x + np);
		double		s = diff * v;
		double		ej = 2.0 * x * v;
		double		vv = v * v;

		for (int j = 1; j < 1000; j++)
		{
			double		next;

			ej *= vv;
			next = s + ej / (2 * j + 1);
			if (next == s)
				break;
			s = next;
		}
		return s;
	}
	return x * log(x / np_hi) + (np_hi - x) + np_lo * (1.0 - x / np_hi);
}

/*
 * log B(a, b) for a, b > 0, from Stirling remainders (no lgamma cancellation
 * when a or b is large).
 */
static double
lbeta(double a, double b)
{
	double		n = a + b;

	return LN_SQRT_2PI + 0.5 * (log(n) - log(a) - log(b))
		- a * log1p(b / a) - b * log1p(a / b)
		+ stirlerr(a) + stirlerr(b) - stirlerr(n);
}

/*
 * x^a e^-x / Gamma(a+1) (the Poisson density at a with mean x), in Loader's
 * form exp(-st(a) - bd0(a, x)) / sqrt(2 pi a).
 */
static double
gamma_front(double a, double x)
{
	return exp(-stirlerr(a) - bd0(a, x, 0.0)) / sqrt(TWO_PI * a);
}

/* x, or CF_TINY when x is smaller: the modified Lentz guard against 0. */
static inline double
Max_tiny(double x)
{
	return fabs(x) < CF_TINY ? CF_TINY : x;
}

/*
 * One step of the modified Lentz evaluation of a continued fraction
 * f = b0 + a1 / (b1 + a2 / (b2 + ...)), with num = a_k and den = b_k;
 * true when f has converged.
 */
static inline bool
lentz_step(double num, double den, double *f, double *C, double *D)
{
	double		delta;

	*D = 1.0 / Max_tiny(den + num * *D);
	*C = Max_tiny(den + num / *C);
	delta = *C * *D;
	*f *= delta;
	return fabs(delta - 1.0) <= DBL_EPSILON;
}

/*
 * P(a, x) = gamma(a, x) / Gamma(a) for lambda = a - x > -1, by Kummer's
 * continued fraction, the b -> Inf limit of the one in beta_cf:
 *	 P(a,x) = front / (1 + d1 / (1 + d2 / (1 + ...)))
 *	 d(2m+1) = -(a+m) x / ((a+2m)(a+2m+1)),  d(2m) = m x / ((a+2m-1)(a+2m))
 * evaluated in the same even contraction, with
 *	 1 + d(2k+1) = (a(2k+1) + k(3k+2) + (a+k)(lambda + k)) / ((a+2k)(a+2k+1)).
 * It needs O(sqrt(a)) terms near x = a, fewer than the power series.
 */
static double
gamma_p_cf(double a, double x, double lambda, double front)
{
	double		f,
				C,
				D;

	f = fmax(CF_TINY, (1.0 + lambda) / (a + 1.0));
	C = f;
	D = 0.0;
	for (int k = 1; k <= CF_MAXIT; k++)
	{
		double		a0 = a + (2 * k - 2),
					a1 = a + (2 * k - 1),
					a2 = a + 2 * k,
					a3 = a + (2 * k + 1);
		double		d_odd = -((a + (k - 1)) / a0) * (x / a1);
		double		d_even = k * (x / a1) / a2;
		double		one_d_next = ((a * (2.0 * k + 1.0) + k * (3.0 * k + 2.0)) / a2
								  + ((a + k) / a2) * (lambda + k)) / a3;
		if (lentz_step(-d_odd * d_even, one_d_next + d_even, &f, &C, &D))
			return front / f;
	}
	return NAN;					/* no convergence: a beyond ~1e16 */
}

/*
 * Q(a, x) = Gamma(a, x) / Gamma(a) for x >= a + 1 by Legendre's continued
 * fraction
 *	 Q = x^a e^-x / Gamma(a) / (x+1-a - 1(1-a) / (x+3-a - 2(2-a) / (x+5-a - ...)))
 * with x - a formed first (exact when x is near a).
 */
static double
gamma_q_cf(double a, double x, double front)
{
	double		bk = (x - a) + 1.0;
	double		C = 1.0 / CF_TINY;
	double		D = 1.0 / bk;
	double		h = D;

	for (int k = 1; k <= CF_MAXIT; k++)
	{
		bk += 2.0;
		if (lentz_step(k * (a - k), bk, &h, &C, &D))
			return a * front * h;
	}
	return NAN;					/* no convergence: a beyond ~1e16 */
}

/*
 * Regularized incomplete gamma, a > 0, x >= 0: P(a, x) (upper = 0) or
 * Q(a, x) = 1 - P(a, x) (upper = 1).  Below x = a + 1 the continued
 * fraction gives P, above it Q, so the small tail is always direct.
 */
static double
gamma_tail(double a, double x, int upper)
{
	double		front,
				w;

	if (x <= 0.0)
		return upper ? 1.0 : 0.0;
	if (isinf(x))
		return upper ? 0.0 : 1.0;

	front = gamma_front(a, x);
	if (x < a + 1.0)
	{
		w = (front == 0.0) ? 0.0 : gamma_p_cf(a, x, a - x, front);
		return upper ? 0.5 - w + 0.5 : w;
	}
	w = (front == 0.0) ? 0.0 : gamma_q_cf(a, x, front);
	return upper ? w : 0.5 - w + 0.5;
}

/*
 * The incomplete beta prefactor x^a y^b / (a B(a,b)), y = 1 - x.
 *
 * nx and ny are (a+b)x and (a+b)y as double-double pairs, so this is
 *	 b/(a+b) * Gamma(a+b+1) / (Gamma(a+1) Gamma(b+1)) x^a y^b
 *	   = b/(a+b) * exp(st(a+b) - st(a) - st(b) - bd0(a, nx) - bd0(b, ny))
 *		 / sqrt(2 pi a b / (a+b))
 * which stays accurate for any a, b (Loader 2000, as in R's dbinom_raw).
 */
static double
beta_front(double a, double b, double n, const double *nx, const double *ny)
{
	double		lc;

	lc = stirlerr(n) - stirlerr(a) - stirlerr(b)
		- bd0(a, nx[0], nx[1]) - bd0(b, ny[0], ny[1]);
	return (b / n) * exp(lc) / sqrt(TWO_PI * a * (b / n));
}

/*
 * I_x(a, b) for x at or below the mean, i.e. lambda = a - (a+b)x >= 0, by
 * the continued fraction
 *	 I_x(a,b) = front / (1 + d1 / (1 + d2 / (1 + ...)))
 *	 d(2m+1) = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1))
 *	 d(2m)	 = m(b-m) x / ((a+2m-1)(a+2m))
 * in its even contraction
 *	 1 + d1 - d1 d2 / (1 + d2 + d3 - d3 d4 / (1 + d4 + d5 - ...))
 * evaluated with the modified Lentz method.  1 + d(2k+1) is written as
 *	 (a(2k+1) + k(3k+2) + (a+k)(lambda + k y)) / ((a+2k)(a+2k+1)),
 * a sum of positive terms, since 1 - (a+b)x/(a+1) itself may cancel.
 * This is the form Didonato and Morris (ACM TOMS 708, bfrac) use.
 */
static double
beta_cf(double a, double b, double x, double y, double lambda,
		double n, const double *nx, const double *ny)
{
	double		front = beta_front(a, b, n, nx, ny);
	double		f,
				C,
				D;

	if (front == 0.0)
		return 0.0;

	f = fmax(CF_TINY, (1.0 + lambda) / (a + 1.0));
	C = f;
	D = 0.0;
	for (int k = 1; k <= CF_MAXIT; k++)
	{
		/* a + j formed directly: (a + 2k) - 2 would lose a small a */
		double		a0 = a + (2 * k - 2),
					a1 = a + (2 * k - 1),
					a2 = a + 2 * k,
					a3 = a + (2 * k + 1);
		/* grouped so that nothing overflows for a, b up to DBL_MAX / 4 */
		double		d_odd = -((a + (k - 1)) / a0) * ((n + (k - 1)) * x / a1);
		double		d_even = k * ((b - k) * x / a1) / a2;
		double		one_d_next = ((a * (2.0 * k + 1.0) + k * (3.0 * k + 2.0)) / a2
								  + ((a + k) / a2) * (lambda + k * y)) / a3;
		if (lentz_step(-d_odd * d_even, one_d_next + d_even, &f, &C, &D))
			return front / f;
	}
	return NAN;					/* no convergence: a, b beyond ~1e16 */
}

/*
 * Regularized incomplete beta: I_x(a,b) (upper = 0) or 1 - I_x(a,b)
 * (upper = 1), for a, b > 0 and 0 <= x <= 1.  y = 1 - x is formed here; the
 * smaller of x and y is the one taken as exact.  The tail on the far side of
 * the mean is computed by the symmetry I_x(a,b) = 1 - I_y(b,a), so the
 * continued fraction always returns the smaller tail directly.
 */
static double
pbeta_tail(double x, double a, double b, int upper)
{
	double		y,
				n,
				n_lo,
				lambda,
				w;
	double		nx[2],
				ny[2];

	if (isnan(x) || isnan(a) || isnan(b))
		return x + a + b;
	if (x <= 0.0)
		return upper ? 1.0 : 0.0;
	if (x >= 1.0)
		return upper ? 0.0 : 1.0;
	y = 0.5 - x + 0.5;

	/*
	 * Far beyond any real degrees of freedom the continued fraction's terms
	 * would under- and overflow; there the beta is its gamma limit, b x ->
	 * Gamma(a) as b -> Inf, to a relative O(a (a + b x) / b) < 1e-60.
	 */
	if (b > 1e100 && a < 1e20)
		return gamma_tail(a, b * x, upper);
	if (a > 1e100 && b < 1e20)
		return gamma_tail(b, a * y, !upper);

	/* n = a + b, and (a+b)x, (a+b)y, each as double-double */
	n = a + b;
	n_lo = (a >= b) ? (a - n) + b : (b - n) + a;
	if (x <= y)
	{
		nx[0] = n * x;
		nx[1] = fma(n, x, -nx[0]) + n_lo * x;
		ny[0] = n - nx[0];
		ny[1] = ((n - ny[0]) - nx[0]) - nx[1] + n_lo;
		lambda = (a - nx[0]) - nx[1];
	}
	else
	{
		ny[0] = n * y;
		ny[1] = fma(n, y, -ny[0]) + n_lo * y;
		nx[0] = n - ny[0];
		nx[1] = ((n - nx[0]) - ny[0]) - ny[1] + n_lo;
		lambda = (ny[0] - b) + ny[1];
	}

	if (lambda >= 0.0)
	{
		w = beta_cf(a, b, x, y, lambda, n, nx, ny);
		return upper ? 0.5 - w + 0.5 : w;
	}
	w = beta_cf(b, a, y, x, -lambda, n, ny, nx);
	return upper ? w : 0.5 - w + 0.5;
}

double
dist_normal_cdf(double z)
{
	if (isnan(z))
		return z;
	return 0.5 * erfc_sqrt1_2(-z);
}

double
dist_normal_sf2(double z)
{
	return erfc_sqrt1_2(fabs(z));
}

/*
 * 2 P(T > |t|), as R's pt(-|t|, df) * 2: with nx = 1 + t^2/df this is
 * I_{t^2/(df+t^2)}(1/2, df/2) upper when df > t^2, else I_{1/nx}(df/2, 1/2).
 */
double
dist_t_sf2(double t, double df)
{
	double		nx;

	if (isnan(t) || isnan(df))
		return t + df;
	if (df <= 0.0)
		return NAN;
	if (isinf(t))
		return 0.0;
	if (isinf(df))
		return dist_normal_sf2(t);

	t = fabs(t);
	nx = 1.0 + (t / df) * t;
	if (nx > 1e100)
	{
		/*
		 * z = 1/nx < 1e-100 (t^2 may overflow): I_z(a, 1/2) is
		 * z^a / (a B(a, 1/2)) to a relative O(z).
		 */
		double		lval = -0.5 * df * (2.0 * log(t) - log(df))
			- lbeta(0.5 * df, 0.5) - log(0.5 * df);

		return exp(lval);
	}
	if (df > t * t)
		return pbeta_tail(t * t / (df + t * t), 0.5, 0.5 * df, 1);
	return pbeta_tail(1.0 / nx, 0.5 * df, 0.5, 0);
}

/*
 * P(F > f): with x = df1 f / (df2 + df1 f) this is 1 - I_x(df1/2, df2/2),
 * taken as I_{1-x}(df2/2, df1/2) when x > 1/2 so that the beta argument is
 * the small one (R's pf does the same).
 */
double
dist_f_sf(double f, double df1, double df2)
{
	if (isnan(f) || isnan(df1) || isnan(df2))
		return f + df1 + df2;
	if (df1 <= 0.0 || df2 <= 0.0)
		return NAN;
	if (f <= 0.0)
		return 1.0;
	if (isinf(f))
		return 0.0;

	if (isinf(df2))
	{
		if (isinf(df1))
			return f < 1.0 ? 1.0 : (f == 1.0 ? 0.5 : 0.0);
		return dist_chisq_sf(f * df1, df1);
	}
	if (isinf(df1))
		return gamma_tail(0.5 * df2, 0.5 * (df2 / f), 0);	/* P(chisq < df2/f) */

	if (df1 * f > df2)
		return pbeta_tail(df2 / (df2 + df1 * f), 0.5 * df2, 0.5 * df1, 0);
	return pbeta_tail(df1 * f / (df2 + df1 * f), 0.5 * df1, 0.5 * df2, 1);
}

double
dist_chisq_sf(double x, double df)
{
	if (isnan(x) || isnan(df))
		return x + df;
	if (df < 0.0)
		return NAN;
	if (df == 0.0)
		return x > 0.0 ? 0.0 : 1.0;
	if (isinf(df))
		return isinf(x) ? NAN : 1.0;
	return gamma_tail(0.5 * df, 0.5 * x, 1);
}
