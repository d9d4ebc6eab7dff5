/* SPDX-License-Identifier: BSD-2-Clause */
/* Version-label ordering (see version.h). */
#include <ctype.h>
#include <string.h>

#include "version.h"

static int isdig(char c)
{
	return isdigit((unsigned char)c);
}

/* Compare the digit runs at *a and *b as numbers and step past them. */
static int num_cmp(const char **a, const char **b)
{
	const char *x = *a, *y = *b;
	size_t nx, ny;

	while (*x == '0' && isdig(x[1]))
		x++;
	while (*y == '0' && isdig(y[1]))
		y++;
	for (nx = 0; isdig(x[nx]); nx++)
		;
	for (ny = 0; isdig(y[ny]); ny++)
		;
	*a = x + nx;
	*b = y + ny;
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return memcmp(x, y, nx);
}

int bpfgauge_version_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	if (isdig(*a) != isdig(*b))
		return isdig(*a) ? -1 : 1;
	while (*a && *b) {
		if (isdig(*a) && isdig(*b)) {
			int c = num_cmp(&a, &b);

			if (c)
				return c < 0 ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (*a != '\0') - (*b != '\0');
}
