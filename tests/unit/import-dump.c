/* Prints what limber's GPX or TCX parser makes of a file, for comparing with other
 * readers (tests/integration/test-import-gpsbabel.py):
 *
 *   import-dump FILE.gpx|FILE.tcx
 *   kind=run start_usec=1715495400000000 duration_usec=2735000000 distance_m=8378.383 sport=running
 *
 * sport comes last as it may hold spaces.
 *
 * Exit status: 0 parsed, 1 refused (the reason on stderr), 2 usage or I/O error. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

static int read_file(const char *path, char **ret, size_t *ret_size) {
        FILE *f = fopen(path, "rbe");
        char *buf = NULL;
        size_t size = 0, allocated = 0;

        if (!f)
                return -errno;
        for (;;) {
                if (size == allocated) {
                        size_t na = allocated ? allocated * 2 : 65536;
                        char *p = realloc(buf, na);
                        if (!p) {
                                free(buf);
                                fclose(f);
                                return -ENOMEM;
                        }
                        buf = p;
                        allocated = na;
                }
                size_t n = fread(buf + size, 1, allocated - size, f);
                size += n;
                if (n == 0)
                        break;
        }
        if (ferror(f)) {
                free(buf);
                fclose(f);
                return -EIO;
        }
        fclose(f);
        *ret = buf;
        *ret_size = size;
        return 0;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int main(int argc, char *argv[]) {
        struct limber_import imp;
        char why[512], *data = NULL;
        size_t size = 0;
        int r;

        if (argc != 2 || (!ends_with(argv[1], ".gpx") && !ends_with(argv[1], ".tcx"))) {
                fprintf(stderr, "usage: %s FILE.gpx|FILE.tcx\n", argv[0]);
                return 2;
        }
        r = read_file(argv[1], &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
                return 2;
        }
        if (ends_with(argv[1], ".gpx"))
                r = limber_parse_gpx(data, size, &imp, why, sizeof why);
        else
                r = limber_parse_tcx(data, size, &imp, why, sizeof why);
        free(data);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], why);
                return 1;
        }
        printf("kind=%s start_usec=%" PRIu64 " duration_usec=%" PRIu64 " distance_m=%.3f sport=%s\n",
               imp.kind, imp.start_usec, imp.duration_usec, imp.distance_m, imp.sport);
        return 0;
}
