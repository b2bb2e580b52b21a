/* Tests for the FIT decoder (limber_parse_fit): the fixtures of tests/data/import, made
 * by make-fit.py (which prints the values expected here) and by gpsbabel, each with the
 * activity it holds or the reason it is refused; then what no file may do to the
 * decoder: a cut anywhere, a changed byte anywhere, a size past the limit. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "import.h"

#define SEC UINT64_C(1000000)

static char data_dir[PATH_MAX];

/* The whole file, or NULL (a failed check) when it cannot be read. */
static uint8_t *read_fixture(const char *name, size_t *ret_size) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", data_dir, name);

        FILE *f = fopen(path, "rbe");
        if (!CHECK(f != NULL)) {
                fprintf(stderr, "    cannot open %s\n", path);
                return NULL;
        }
        uint8_t *buf = malloc(1 << 16);
        size_t n = buf ? fread(buf, 1, 1 << 16, f) : 0;
        fclose(f);
        if (!CHECK(buf && n > 0 && n < 1 << 16)) {
                free(buf);
                return NULL;
        }
        *ret_size = n;
        return buf;
}

static void test_good(void) {
        static const struct {
                const char *file;
                const char *kind;
                const char *sport;
                uint64_t start;                 /* Unix seconds */
                uint64_t duration_usec;
                double distance_m;
        } tests[] = {
                /* 2024-05-04T07:30:00Z; the session's elapsed time (264.450 s, a pause
                 * included) and distance; the same activity written four ways */
                { "fit-run.fit",             "run",   "running", 1714807800, 264450 * UINT64_C(1000), 678.13 },
                { "fit-run-compressed.fit",  "run",   "running", 1714807800, 264450 * UINT64_C(1000), 678.13 },
                { "fit-developer.fit",       "run",   "running", 1714807800, 264450 * UINT64_C(1000), 678.13 },
                { "fit-bigendian.fit",       "run",   "running", 1714807800, 264450 * UINT64_C(1000), 678.13 },
                /* no session: the records' first and last times, the last record's
                 * distance; the sport from a sport message */
                { "fit-records.fit",         "walk",  "walking", 1717265100, 197 * SEC, 275.49 },
                /* a 12-byte header; no total_elapsed_time: session end - start */
                { "fit-ride.fit",            "ride",  "cycling", 1714921200, 278 * SEC, 2221.51 },
                /* two sessions: the first's sport and start, the sums of both */
                { "fit-multisport.fit",      "ride",  "cycling", 1720947600, 268999 * UINT64_C(1000), 1606.2 },
                /* gpsbabel writes records with distances, and no sport */
                { "run-gpsbabel.fit",        "other", "",        1714807800, 264 * SEC, 678.89 },
                { "ride-gpsbabel.fit",       "other", "",        1714921200, 278 * SEC, 2221.51 },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                CHECK_CONTEXT("%s", tests[i].file);
                size_t size;
                uint8_t *data = read_fixture(tests[i].file, &size);
                if (!data)
                        continue;

                struct limber_import imp;
                char why[256] = "";
                if (CHECK_INT(limber_parse_fit(data, size, &imp, why, sizeof why), 0)) {
                        CHECK_STR(imp.kind, tests[i].kind);
                        CHECK_STR(imp.sport, tests[i].sport);
                        CHECK_U64(imp.start_usec, tests[i].start * SEC);
                        CHECK_U64(imp.duration_usec, tests[i].duration_usec);
                        CHECK_DOUBLE(imp.distance_m, tests[i].distance_m);
                } else
                        fprintf(stderr, "    refused: %s\n", why);
                free(data);
        }
        CHECK_CONTEXT_CLEAR();
}

/* Records only, no distance field: the great-circle length of the positions, which
 * make-fit.py computes the same way; timestamps rebuilt from compressed headers,
 * rolling over every 32 s, and a full one after a 90 s pause. */
static void test_track_length(void) {
        size_t size;
        uint8_t *data = read_fixture("fit-records-compressed.fit", &size);
        struct limber_import imp;
        char why[256] = "";

        if (!data)
                return;
        if (CHECK_INT(limber_parse_fit(data, size, &imp, why, sizeof why), 0)) {
                CHECK_STR(imp.kind, "other");
                CHECK_STR(imp.sport, "");
                CHECK_U64(imp.start_usec, 1717310710 * SEC);
                CHECK_U64(imp.duration_usec, 651 * SEC);
                if (!CHECK(fabs(imp.distance_m - 616.405631) < 1e-6))
                        fprintf(stderr, "    distance: %.9f\n", imp.distance_m);
        }
        free(data);
}

static void test_refused(void) {
        static const struct {
                const char *file;
                const char *why;                /* a part of the reason */
        } tests[] = {
                { "fit-no-timestamps.fit",    "no timestamps: no session start_time and no record with a time" },
                { "fit-truncated.fit",        "data size 1236 beyond the file's 751 bytes" },
                { "fit-lying-size.fit",       "data size 4294967280 beyond the file's 1252 bytes" },
                { "fit-bad-crc.fit",          "CRC mismatch (the file says 0x5c46, its bytes give 0x0eba)" },
                { "fit-bad-header-crc.fit",   "header CRC mismatch (the file says 0xbef1, its bytes give 0xbef0)" },
                { "fit-lying-field.fit",      "data message at byte 61 needs 201 bytes, the data ends at byte 261" },
                { "fit-undefined-local.fit",  "data message of undefined local type 3 at byte 88" },
                { "fit-compressed-first.fit", "compressed timestamp at byte 37 before any full timestamp" },
                { "fit-relative-time.fit",    "seconds since the device was switched on (1000), not dates" },
                { "fit-bad-architecture.fit", "definition at byte 49 has unknown architecture 2" },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                CHECK_CONTEXT("%s", tests[i].file);
                size_t size;
                uint8_t *data = read_fixture(tests[i].file, &size);
                if (!data)
                        continue;

                struct limber_import imp = { .kind = "untouched" };
                char why[256] = "";
                CHECK_INT(limber_parse_fit(data, size, &imp, why, sizeof why), -EINVAL);
                if (!CHECK(strstr(why, tests[i].why) != NULL))
                        fprintf(stderr, "    expected: ...%s...\n    actual:   %s\n", tests[i].why, why);
                CHECK_STR(imp.kind, "untouched");
                free(data);
        }
        CHECK_CONTEXT_CLEAR();
}

/* The header, refused before anything else is read. */
static void test_header(void) {
        static const struct {
                const char *name;
                uint8_t bytes[14];
                size_t size;
                const char *why;
        } tests[] = {
                { "empty",         { 0 }, 0, "too short for a FIT header (0 bytes)" },
                { "11 bytes",      { 12, 0x20, 0, 0, 0, 0, 0, 0, '.', 'F', 'I' }, 11, "too short for a FIT header (11 bytes)" },
                { "no signature",  { 12, 0x20, 0, 0, 0, 0, 0, 0, '.', 'F', 'I', 'X' }, 12, "not a FIT file (no \".FIT\" signature)" },
                { "header size",   { 13, 0x20, 0, 0, 0, 0, 0, 0, '.', 'F', 'I', 'T', 0 }, 13, "header size 13 (expected 12 or 14)" },
                { "short header",  { 14, 0x20, 0, 0, 0, 0, 0, 0, '.', 'F', 'I', 'T', 0 }, 13, "too short for its 14-byte header (13 bytes)" },
                { "protocol 3",    { 12, 0x30, 0, 0, 0, 0, 0, 0, '.', 'F', 'I', 'T' }, 12, "unsupported protocol version 3.0" },
                { "no CRC",        { 12, 0x20, 0, 0, 0, 0, 0, 0, '.', 'F', 'I', 'T' }, 12, "data size 0 beyond the file's 12 bytes" },
                /* an empty file with its CRC (the CRC of the header) is well formed, and
                 * holds no activity */
                { "empty data",    { 12, 0x20, 0, 0, 0, 0, 0, 0, '.', 'F', 'I', 'T', 0x65, 0x42 }, 14, "no timestamps" },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                CHECK_CONTEXT("%s", tests[i].name);
                struct limber_import imp;
                char why[256] = "";
                CHECK_INT(limber_parse_fit(tests[i].bytes, tests[i].size, &imp, why, sizeof why), -EINVAL);
                if (!CHECK(strstr(why, tests[i].why) != NULL))
                        fprintf(stderr, "    expected: ...%s...\n    actual:   %s\n", tests[i].why, why);
        }
        CHECK_CONTEXT_CLEAR();

        /* past the limit: refused by its size alone */
        size_t big = (size_t) 64 * 1024 * 1024 + 1;
        uint8_t *zeros = calloc(big, 1);
        if (CHECK(zeros != NULL)) {
                struct limber_import imp;
                char why[256] = "";
                CHECK_INT(limber_parse_fit(zeros, big, &imp, why, sizeof why), -EINVAL);
                CHECK_STR(why, "file too large (67108865 bytes, the limit is 64 MiB)");
        }
        free(zeros);

        /* the reason is cut to fit, or left out */
        const uint8_t *b = tests[0].bytes;
        struct limber_import imp;
        char why[8];
        CHECK_INT(limber_parse_fit(b, 0, &imp, why, sizeof why), -EINVAL);
        CHECK_STR(why, "too sho");
        CHECK_INT(limber_parse_fit(b, 0, &imp, NULL, 0), -EINVAL);
}

/* Every prefix of a good file is refused, and so is the file with any one byte changed:
 * the sizes and the CRC see to it, and under the sanitizers no read goes past the end.
 * Each prefix is copied to a buffer of its own size so that ASan sees an overread. */
static void test_damage(void) {
        size_t size;
        uint8_t *data = read_fixture("fit-developer.fit", &size);
        unsigned accepted_prefixes = 0, accepted_changes = 0;

        if (!data)
                return;
        for (size_t n = 0; n < size; n++) {
                uint8_t *copy = malloc(n ? n : 1);
                struct limber_import imp;
                char why[256];

                if (!copy)
                        break;
                memcpy(copy, data, n);
                if (limber_parse_fit(copy, n, &imp, why, sizeof why) != -EINVAL)
                        accepted_prefixes++;
                free(copy);
        }
        for (size_t i = 0; i < size; i++) {
                struct limber_import imp;
                char why[256];

                data[i] ^= 0x5A;
                if (limber_parse_fit(data, size, &imp, why, sizeof why) != -EINVAL)
                        accepted_changes++;
                data[i] ^= 0x5A;
        }
        CHECK_INT(accepted_prefixes, 0);
        CHECK_INT(accepted_changes, 0);
        free(data);
}

int main(void) {
        const char *root = getenv("LIMBER_SOURCE_ROOT");

        if (!root) {
                fprintf(stderr, "LIMBER_SOURCE_ROOT is not set\n");
                return 1;
        }
        snprintf(data_dir, sizeof data_dir, "%s/tests/data/import", root);

        test_good();
        test_track_length();
        test_refused();
        test_header();
        test_damage();
        return check_summary("test-fit");
}
