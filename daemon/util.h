/* Small helpers every file may use. */
#pragma once

#define _cleanup_(f) __attribute__((cleanup(f)))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#include <stdbool.h>
#include <stdlib.h>

/* Makes room for one more element in *array, which holds n of *allocated, doubling
 * as it goes. Returns false when out of memory, leaving the array as it was. */
static inline bool limber_grow(void **array, size_t *allocated, size_t n, size_t size) {
        if (n < *allocated)
                return true;
        size_t na = *allocated ? *allocated * 2 : 32;
        void *p = realloc(*array, na * size);
        if (!p)
                return false;
        *array = p;
        *allocated = na;
        return true;
}
