/*-------------------------------------------------------------------------
 * radix.h
 *	  Sorting many doubles by their bits (radix.c).
 *-------------------------------------------------------------------------
 */
#ifndef LEARN_RADIX_H
#define LEARN_RADIX_H

/*
 * Below this many elements a comparison sort is as fast, and needs no
 * second buffer.
 */
#define RADIX_SORT_MIN 4096

/*
 * Sort n elements of size bytes (8 or 16) in ascending order of the
 * double each begins with, none of them NaN.  tmp: room for n elements.
 * Elements with equal keys may change their order.
 */
extern void radix_sort_doubles(void *base, size_t n, size_t size, void *tmp);

#endif							/* LEARN_RADIX_H */
