/* Benchmark: limber's activity import over a folder of GPX, TCX and FIT files: each
 * file read and parsed as the files plugin does, its kind, start, duration and
 * distance worked out. Prints the time and the totals, so that the run can be compared
 * with gpsbabel reading the same files (bench/run-import.sh does both).
 *
 * Usage: bench-import DIR */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "import.h"

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        char *buf = malloc((size_t) st.st_size + 1);
        ssize_t k = buf ? read(fd, buf, (size_t) st.st_size) : -1;
        close(fd);
        if (k != st.st_size) {
                free(buf);
                return NULL;
        }
        buf[k] = '\0';
        *size = (size_t) k;
        return buf;
}

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: bench-import DIR\n");
                return 2;
        }
        struct dirent **names;
        int n = scandir(argv[1], &names, NULL, alphasort);
        if (n < 0) {
                perror(argv[1]);
                return 1;
        }

        double t0 = now_s(), km = 0, hours = 0;
        unsigned ok = 0, refused = 0;
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                size_t len = strlen(name), size;
                char path[4096], why[256];
                struct limber_import imp;
                int r = -EINVAL;

                if (name[0] == '.' || len < 5) {
                        free(names[i]);
                        continue;
                }
                snprintf(path, sizeof path, "%s/%s", argv[1], name);
                char *data = slurp(path, &size);
                if (data && strcmp(name + len - 4, ".gpx") == 0)
                        r = limber_parse_gpx(data, size, &imp, why, sizeof why);
                else if (data && strcmp(name + len - 4, ".tcx") == 0)
                        r = limber_parse_tcx(data, size, &imp, why, sizeof why);
                else if (data && strcmp(name + len - 4, ".fit") == 0)
                        r = limber_parse_fit((const uint8_t *) data, size, &imp, why, sizeof why);
                if (r >= 0) {
                        ok++;
                        km += imp.distance_m / 1000;
                        hours += (double) imp.duration_usec / 3.6e9;
                } else
                        refused++;
                free(data);
                free(names[i]);
        }
        free(names);
        double elapsed = now_s() - t0;
        printf("limber: %u files read, %u refused, %.0f km, %.0f h, in %.2f s\n", ok, refused, km, hours, elapsed);
        return 0;
}
