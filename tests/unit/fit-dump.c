/* fit-dump FILE: what limber_parse_fit makes of a FIT file, on one line for the
 * gpsbabel cross-check: "KIND START_USEC DURATION_USEC DISTANCE_M". Exits 1 with the
 * refusal on stderr when the decoder refuses the file, 2 when it cannot be read. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: %s FILE.fit\n", argv[0]);
                return 2;
        }

        FILE *f = fopen(argv[1], "rbe");
        if (!f) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
                return 2;
        }
        /* One byte past the decoder's limit, so it sees and names an oversized file. */
        size_t cap = 64u * 1024 * 1024 + 1;
        uint8_t *buf = malloc(cap);
        if (!buf) {
                fclose(f);
                fprintf(stderr, "out of memory\n");
                return 2;
        }
        size_t n = fread(buf, 1, cap, f);
        int failed = ferror(f);
        fclose(f);
        if (failed) {
                fprintf(stderr, "%s: read error\n", argv[1]);
                free(buf);
                return 2;
        }

        struct limber_import imp;
        char why[256];
        int r = limber_parse_fit(buf, n, &imp, why, sizeof why);
        free(buf);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], why);
                return 1;
        }
        printf("%s %" PRIu64 " %" PRIu64 " %.3f\n", imp.kind, imp.start_usec, imp.duration_usec, imp.distance_m);
        return 0;
}
