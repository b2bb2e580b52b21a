/* Tests for the GPX and TCX parsers (import.h) and the sport-name table: the files in
 * tests/data/import, which make-fixtures.py wrote and whose values it printed, give
 * exact starts, durations, kinds and distances; the refused ones give the reason a
 * user reads; the hostile ones are refused, quickly, without reading a local file or
 * touching the network (a listening socket of the test's own sees no connection). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "import-xml.h"

#define SEC UINT64_C(1000000)

static char data_dir[PATH_MAX];

typedef int (*parser_t)(const char *data, size_t size, struct limber_import *ret, char *why, size_t why_size);

static char *read_fixture(const char *name, size_t *ret_size) {
        char path[PATH_MAX + 64];
        FILE *f;
        char *buf = NULL;
        long n;

        snprintf(path, sizeof path, "%s/%s", data_dir, name);
        f = fopen(path, "rbe");
        if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
            !(buf = malloc((size_t) n ? (size_t) n : 1)) || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                fprintf(stderr, "cannot read %s\n", path);
                exit(1);
        }
        fclose(f);
        *ret_size = (size_t) n;
        return buf;
}

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Runs a parser on exactly size bytes, copied so that ASan sees any read past them
 * (the data need not be NUL-terminated), and reports how long it took. */
static int parse(parser_t parser, const char *data, size_t size, struct limber_import *imp, char *why,
                 size_t why_size, double *seconds) {
        char *copy = malloc(size ? size : 1);
        double t0 = now_sec();
        int r;

        memcpy(copy, data, size);
        memset(imp, 0x5a, sizeof *imp);
        if (why_size)
                why[0] = '\0';
        r = parser(copy, size, imp, why, why_size);
        if (seconds)
                *seconds = now_sec() - t0;
        free(copy);
        return r;
}

static int parse_str(parser_t parser, const char *xml, struct limber_import *imp, char *why, size_t why_size) {
        return parse(parser, xml, strlen(xml), imp, why, why_size, NULL);
}

static bool check_why(const char *file, int line, const char *why, const char *needle) {
        if (check_true(file, line, "reason contains the expected words", strstr(why, needle)))
                return true;
        fprintf(stderr, "    expected: ...%s...\n    actual:   %s\n", needle, why);
        return false;
}

#define CHECK_WHY(why, needle) check_why(__FILE__, __LINE__, (why), (needle))

#define CHECK_NEAR(actual, expected, tolerance) \
        check_true(__FILE__, __LINE__, #actual " ≈ " #expected, fabs((actual) - (expected)) <= (tolerance)) \
        ? (void) 0 : (void) fprintf(stderr, "    expected: %.6f\n    actual:   %.6f\n", (double) (expected), (double) (actual))

/* 2024-05-12T06:30:00Z, the start of make-fixtures.py's run. */
#define RUN_START UINT64_C(1715495400000000)

static void test_good_files(void) {
        static const struct {
                const char *file;
                bool tcx;
                const char *kind, *sport;
                uint64_t start, duration;
                double distance;
        } tests[] = {
                /* two segments around a 95 s stop: elapsed time counts it; distance does not
                 * bridge the segments */
                { "run.gpx", false, "run", "running", RUN_START, 2735 * SEC, 8378.382695 },
                { "run-gpx10.gpx", false, "other", "", RUN_START, 2735 * SEC, 8378.382695 },
                /* 2024-06-01T09:15:00.250+02:00 */
                { "ride.gpx", false, "ride", "cycling", UINT64_C(1717226100250000), 3465 * SEC, 25568.756889 },
                /* the sport from <gb:activity> in the track's extensions */
                { "gadgetbridge-walk.gpx", false, "walk", "walking", UINT64_C(1715706131000000), 1925 * SEC,
                  2928.590123 },
                /* 2105 s elapsed, where the laps' TotalTimeSeconds add up to 2045 s */
                { "run-laps.tcx", true, "run", "Running", UINT64_C(1715882700000000), 2105 * SEC,
                  2005.14 + 2007.29 + 2032.60 },
                { "ride.tcx", true, "ride", "Biking", UINT64_C(1716223200000000), 2130 * SEC, 13716.70 },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                struct limber_import imp;
                char why[512];
                size_t size;
                char *data = read_fixture(tests[i].file, &size);

                CHECK_CONTEXT("%s", tests[i].file);
                int r = parse(tests[i].tcx ? limber_parse_tcx : limber_parse_gpx, data, size, &imp, why, sizeof why,
                              NULL);
                free(data);
                if (!CHECK_INT(r, 0)) {
                        fprintf(stderr, "    reason: %s\n", why);
                        continue;
                }
                CHECK_STR(imp.kind, tests[i].kind);
                CHECK_STR(imp.sport, tests[i].sport);
                CHECK_U64(imp.start_usec, tests[i].start);
                CHECK_U64(imp.duration_usec, tests[i].duration);
                CHECK_NEAR(imp.distance_m, tests[i].distance, 1e-5);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_refused_files(void) {
        static const struct {
                const char *file;
                bool tcx;
                const char *why;
        } tests[] = {
                { "no-time.gpx", false, "no track points with a time" },
                { "empty-track.gpx", false, "no track points with a time" },
                { "wrong-namespace.gpx", false, "not a GPX 1.0 or 1.1 file: <gpx> is in namespace "
                  "http://www.topografix.com/GPX/1/2 (expected http://www.topografix.com/GPX/1/1 or "
                  "http://www.topografix.com/GPX/1/0)" },
                { "not-gpx.kml", false, "not a GPX file: the root element is <kml> in namespace "
                  "http://www.opengis.net/kml/2.2" },
                { "run-laps.tcx", false, "not a GPX file: the root element is <TrainingCenterDatabase>" },
                { "empty-activity.tcx", true, "no laps or track points with a time" },
                { "run.gpx", true, "not a TCX file: the root element is <gpx> in namespace "
                  "http://www.topografix.com/GPX/1/1 (expected <TrainingCenterDatabase> in namespace "
                  "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2)" },
                /* compressed: the files plugin inflates .gz before calling the parser */
                { "run.gpx.gz", false, "XML error at line 1: " },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                struct limber_import imp;
                char why[512];
                size_t size;
                char *data = read_fixture(tests[i].file, &size);

                CHECK_CONTEXT("%s", tests[i].file);
                CHECK_INT(parse(tests[i].tcx ? limber_parse_tcx : limber_parse_gpx, data, size, &imp, why,
                                sizeof why, NULL), -EINVAL);
                if (!CHECK(strncmp(why, tests[i].why, strlen(tests[i].why)) == 0))
                        fprintf(stderr, "    expected: %s\n    actual:   %s\n", tests[i].why, why);
                /* a refusal leaves the result alone */
                CHECK_INT(imp.kind[0], 0x5a);
                free(data);
        }
        CHECK_CONTEXT_CLEAR();
}

/* A socket on 127.0.0.1 that nothing should connect to; *port gets its port. */
static int listen_local(unsigned *port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(fd, 8) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                perror("listen on 127.0.0.1");
                exit(1);
        }
        *port = ntohs(sa.sin_port);
        return fd;
}

static bool nobody_connected(int fd) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

        if (c >= 0) {
                close(c);
                return false;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK;
}

#define GPX_OPEN "<gpx version=\"1.1\" creator=\"t\" xmlns=\"http://www.topografix.com/GPX/1/1\">"
#define ONE_HOUR_TRACK \
        "<trk><trkseg>" \
        "<trkpt lat=\"48.1\" lon=\"11.5\"><time>2024-05-12T06:30:00Z</time></trkpt>" \
        "<trkpt lat=\"48.2\" lon=\"11.5\"><time>2024-05-12T07:30:00Z</time></trkpt>" \
        "</trkseg></trk>"

static void test_hostile(void) {
        static const struct {
                const char *file;
                const char *why;
        } refused[] = {
                /* 100 000 levels: libxml2's limit without XML_PARSE_HUGE */
                { "hostile-deep-nesting.gpx", "Excessive depth in document: 256" },
                { "hostile-billion-laughs.gpx", "line 3: the file declares the XML entity 'lol0'; " },
                { "hostile-xxe.gpx", "line 3: the file declares the XML entity 'xxe'; " },
        };
        struct limber_import imp;
        char why[512], secret[] = "/tmp/limber-test-import-XXXXXX", xml[2048];
        double seconds;
        size_t size;
        char *data;
        unsigned port;
        int fd, r;

        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
                for (int tcx = 0; tcx <= 1; tcx++) {
                        CHECK_CONTEXT("%s, %s parser", refused[i].file, tcx ? "TCX" : "GPX");
                        data = read_fixture(refused[i].file, &size);
                        CHECK_INT(parse(tcx ? limber_parse_tcx : limber_parse_gpx, data, size, &imp, why, sizeof why,
                                        &seconds), -EINVAL);
                        free(data);
                        CHECK_WHY(why, refused[i].why);
                        CHECK(!strstr(why, "root:"));
                        /* generous for a sanitized build on a loaded machine; billion laughs
                         * expanded would take minutes and gigabytes */
                        CHECK(seconds < 2.0);
                }
        CHECK_CONTEXT_CLEAR();

        /* An external DTD is never fetched: the file parses as if it had none. */
        data = read_fixture("hostile-external-dtd.gpx", &size);
        r = parse(limber_parse_gpx, data, size, &imp, why, sizeof why, &seconds);
        free(data);
        CHECK_INT(r, 0);
        CHECK_STR(imp.sport, "External DTD");
        CHECK_U64(imp.duration_usec, 3600 * SEC);
        CHECK(seconds < 2.0);

        /* Nothing reaches a socket of our own: not an external DTD, not an external
         * general or parameter entity. */
        fd = listen_local(&port);
        snprintf(xml, sizeof xml, "<!DOCTYPE gpx SYSTEM \"http://127.0.0.1:%u/gpx.dtd\">\n" GPX_OPEN
                 "<trk><type>&undeclared;</type><trkseg>"
                 "<trkpt lat=\"48.1\" lon=\"11.5\"><time>2024-05-12T06:30:00Z</time></trkpt>"
                 "</trkseg></trk></gpx>", port);
        r = parse_str(limber_parse_gpx, xml, &imp, why, sizeof why);
        CHECK_INT(r, 0);
        /* the reference to an entity the (unread) DTD might declare is left out */
        CHECK_STR(imp.sport, "");
        CHECK_STR(imp.kind, "other");
        CHECK(nobody_connected(fd));

        snprintf(xml, sizeof xml, "<!DOCTYPE gpx [\n<!ENTITY %% remote SYSTEM \"http://127.0.0.1:%u/x.dtd\">\n"
                 "%%remote;\n]>\n" GPX_OPEN ONE_HOUR_TRACK "</gpx>", port);
        CHECK_INT(parse_str(limber_parse_gpx, xml, &imp, why, sizeof why), -EINVAL);
        CHECK_WHY(why, "line 2: the file declares the XML entity 'remote'");
        CHECK(nobody_connected(fd));

        snprintf(xml, sizeof xml, "<!DOCTYPE TrainingCenterDatabase [<!ENTITY e SYSTEM \"http://127.0.0.1:%u/e\">]>"
                 "<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\">"
                 "<Activities><Activity Sport=\"&e;\"><Lap StartTime=\"2024-05-12T06:30:00Z\"/></Activity>"
                 "</Activities></TrainingCenterDatabase>", port);
        CHECK_INT(parse_str(limber_parse_tcx, xml, &imp, why, sizeof why), -EINVAL);
        CHECK_WHY(why, "line 1: the file declares the XML entity 'e'; TCX files need none");
        CHECK(nobody_connected(fd));
        close(fd);

        /* A local file named by an entity is not read: its content shows up nowhere. */
        fd = mkstemp(secret);
        if (fd < 0 || write(fd, "limber-secret-marker", 20) != 20) {
                perror("mkstemp");
                exit(1);
        }
        close(fd);
        snprintf(xml, sizeof xml, "<!DOCTYPE gpx [<!ENTITY s SYSTEM \"file://%s\">]>\n" GPX_OPEN
                 "<trk><type>&s;</type><trkseg>"
                 "<trkpt lat=\"48.1\" lon=\"11.5\"><time>2024-05-12T06:30:00Z</time></trkpt>"
                 "</trkseg></trk></gpx>", secret);
        CHECK_INT(parse_str(limber_parse_gpx, xml, &imp, why, sizeof why), -EINVAL);
        CHECK(!strstr(why, "marker"));
        unlink(secret);

        /* Size: refused before parsing, however well-formed. */
        size = LIMBER_IMPORT_MAX_SIZE + 1;
        data = malloc(size);
        memset(data, ' ', size);
        memcpy(data, GPX_OPEN ONE_HOUR_TRACK "</gpx>", strlen(GPX_OPEN ONE_HOUR_TRACK "</gpx>"));
        r = limber_parse_gpx(data, size, &imp, why, sizeof why);
        CHECK_INT(r, -EINVAL);
        CHECK_STR(why, "the file is larger than 64 MiB");
        r = limber_parse_tcx(data, size, &imp, why, sizeof why);
        CHECK_INT(r, -EINVAL);
        CHECK_STR(why, "the file is larger than 64 MiB");
        free(data);
}

static void test_malformed(void) {
        struct limber_import imp;
        char why[512], small[16];

        CHECK_INT(parse(limber_parse_gpx, "", 0, &imp, why, sizeof why, NULL), -EINVAL);
        CHECK_STR(why, "the file is empty");

        CHECK_INT(parse_str(limber_parse_gpx, "<?xml version=\"1.0\"?>\n" GPX_OPEN "\n<trk>\n</gpx>\n", &imp, why,
                            sizeof why), -EINVAL);
        CHECK_WHY(why, "XML error at line 4: Opening and ending tag mismatch: trk");

        CHECK_INT(parse_str(limber_parse_tcx, "Activity,Start\nrun,2024-05-12\n", &imp, why, sizeof why), -EINVAL);
        CHECK_WHY(why, "XML error at line 1: ");

        /* a cut-off file */
        CHECK_INT(parse_str(limber_parse_gpx, GPX_OPEN "<trk><trkseg><trkpt lat=\"48.1\" lon=", &imp, why,
                            sizeof why), -EINVAL);
        CHECK_WHY(why, "XML error at line 1: ");

        /* the reason is cut to fit; no buffer at all is fine too */
        CHECK_INT(parse_str(limber_parse_gpx, GPX_OPEN "</gpx>", &imp, small, sizeof small), -EINVAL);
        CHECK_STR(small, "no track points");
        CHECK_INT(parse_str(limber_parse_gpx, GPX_OPEN "</gpx>", &imp, NULL, 0), -EINVAL);
}

static void test_gpx(void) {
        static const struct {
                const char *body;       /* inside <gpx> (1.1) */
                int r;
                const char *kind, *sport;
                uint64_t start, duration;
                double distance;        /* metres, to 1 mm; < 0 to skip */
                const char *why;
        } tests[] = {
                /* offsets, fractions and 'z' read as the same instants */
                { "<trk><trkseg><trkpt><time>2024-05-12T08:30:00+02:00</time></trkpt>"
                  "<trkpt><time>2024-05-12T06:30:05.5z</time></trkpt>"
                  "<trkpt><time>2024-05-12T01:30:10.123456789-05:00</time></trkpt></trkseg></trk>",
                  0, "other", "", RUN_START, 10123456, 0, NULL },
                /* no zone: UTC, as GPX prescribes */
                { "<trk><trkseg><trkpt><time> 2024-05-12T06:30:00 </time></trkpt></trkseg></trk>",
                  0, "other", "", RUN_START, 0, 0, NULL },
                /* several tracks: the earliest to the latest point, whatever the order;
                 * nothing measured between tracks or segments (0.001° of latitude is
                 * 111.195 m) */
                { "<trk><type>Trail_Running</type><trkseg>"
                  "<trkpt lat=\"48.000\" lon=\"11\"><time>2024-05-12T07:00:00Z</time></trkpt>"
                  "<trkpt lat=\"48.001\" lon=\"11\"><time>2024-05-12T07:10:00Z</time></trkpt></trkseg>"
                  "<trkseg><trkpt lat=\"49.000\" lon=\"11\"/><trkpt lat=\"49.001\" lon=\"11\"/></trkseg></trk>"
                  "<trk><type>cycling</type><trkseg>"
                  "<trkpt lat=\"50.000\" lon=\"11\"><time>2024-05-12T06:30:00Z</time></trkpt>"
                  "<trkpt lat=\"50.001\" lon=\"11\"><time>2024-05-12T06:35:00Z</time></trkpt></trkseg></trk>",
                  0, "run", "Trail_Running", RUN_START, 40 * 60 * SEC, 3 * 111.19508, NULL },
                /* a point without a time still counts for the distance, one without a
                 * position for the time */
                { "<trk><trkseg>"
                  "<trkpt lat=\"48.000\" lon=\"11\"><time>2024-05-12T06:30:00Z</time></trkpt>"
                  "<trkpt lat=\"48.001\" lon=\"11\"/>"
                  "<trkpt><time>2024-05-12T06:40:00Z</time></trkpt>"
                  "<trkpt lat=\"48.002\" lon=\"11\"/></trkseg></trk>",
                  0, "other", "", RUN_START, 600 * SEC, 2 * 111.19508, NULL },
                /* the sport: trk/type first, then extensions in any namespace and case */
                { "<metadata><extensions><x:Sport xmlns:x=\"urn:x\">Swimming</x:Sport></extensions></metadata>"
                  "<trk><extensions><y:ACTIVITY xmlns:y=\"urn:y\">hike</y:ACTIVITY></extensions>"
                  "<trkseg><trkpt><time>2024-05-12T06:30:00Z</time></trkpt></trkseg></trk>",
                  0, "hike", "hike", RUN_START, 0, 0, NULL },
                { "<metadata><extensions><x:Sport xmlns:x=\"urn:x\">Swimming</x:Sport></extensions></metadata>"
                  "<trk><extensions><type>  </type></extensions>"
                  "<trkseg><trkpt><time>2024-05-12T06:30:00Z</time></trkpt></trkseg></trk>",
                  0, "swim", "Swimming", RUN_START, 0, 0, NULL },
                { "<trk><type>Walking</type><extensions><activity>cycling</activity></extensions>"
                  "<trkseg><trkpt><time>2024-05-12T06:30:00Z</time></trkpt></trkseg></trk>",
                  0, "walk", "Walking", RUN_START, 0, 0, NULL },
                { "<trk><type><![CDATA[ e-biking ]]></type>"
                  "<trkseg><trkpt><time>2024-05-12T06:30:00Z</time></trkpt></trkseg></trk>",
                  0, "ride", "e-biking", RUN_START, 0, 0, NULL },
                /* a time elsewhere is not a track point's */
                { "<metadata><time>2024-05-12T06:30:00Z</time></metadata>"
                  "<wpt lat=\"48\" lon=\"11\"><time>2024-05-12T06:30:00Z</time></wpt>"
                  "<rte><rtept lat=\"48\" lon=\"11\"><time>2024-05-12T06:30:00Z</time></rtept></rte>",
                  -EINVAL, NULL, NULL, 0, 0, 0, "no track points with a time" },
                /* elements of another namespace are not GPX's */
                { "<trk xmlns=\"urn:other\"><trkseg><trkpt><time>2024-05-12T06:30:00Z</time></trkpt></trkseg></trk>",
                  -EINVAL, NULL, NULL, 0, 0, 0, "no track points with a time" },
                { "<trk><trkseg>\n<trkpt><time>yesterday</time></trkpt></trkseg></trk>",
                  -EINVAL, NULL, NULL, 0, 0, 0,
                  "line 2: invalid time 'yesterday' (expected RFC 3339, such as 2024-05-12T06:30:00Z)" },
                { "<trk><trkseg>\n\n<trkpt lat=\"91\" lon=\"11\"><time>2024-05-12T06:30:00Z</time></trkpt>"
                  "</trkseg></trk>", -EINVAL, NULL, NULL, 0, 0, 0, "line 3: invalid latitude '91'" },
                { "<trk><trkseg><trkpt lat=\"48\" lon=\"0x10\"><time>2024-05-12T06:30:00Z</time></trkpt>"
                  "</trkseg></trk>", -EINVAL, NULL, NULL, 0, 0, 0, "line 1: invalid longitude '0x10'" },
                { "<trk><trkseg><trkpt lat=\"nan\" lon=\"11\"><time>2024-05-12T06:30:00Z</time></trkpt>"
                  "</trkseg></trk>", -EINVAL, NULL, NULL, 0, 0, 0, "line 1: invalid latitude 'nan'" },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                struct limber_import imp;
                char why[512], *xml;

                CHECK_CONTEXT("GPX row %zu", i);
                if (asprintf(&xml, GPX_OPEN "%s</gpx>", tests[i].body) < 0)
                        exit(1);
                int r = parse_str(limber_parse_gpx, xml, &imp, why, sizeof why);
                free(xml);
                if (!CHECK_INT(r, tests[i].r)) {
                        fprintf(stderr, "    reason: %s\n", why);
                        continue;
                }
                if (r < 0) {
                        CHECK_STR(why, tests[i].why);
                        continue;
                }
                CHECK_STR(imp.kind, tests[i].kind);
                CHECK_STR(imp.sport, tests[i].sport);
                CHECK_U64(imp.start_usec, tests[i].start);
                CHECK_U64(imp.duration_usec, tests[i].duration);
                CHECK_NEAR(imp.distance_m, tests[i].distance, 1e-3);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_gpx_misc(void) {
        struct limber_import imp;
        char why[512], xml[1024];

        /* GPX 1.0 reads the same; no namespace or another version does not */
        CHECK_INT(parse_str(limber_parse_gpx, "<gpx version=\"1.0\" xmlns=\"http://www.topografix.com/GPX/1/0\">"
                            ONE_HOUR_TRACK "</gpx>", &imp, why, sizeof why), 0);
        CHECK_U64(imp.start_usec, RUN_START);
        CHECK_U64(imp.duration_usec, 3600 * SEC);
        CHECK_NEAR(imp.distance_m, 11119.508, 1e-3);
        CHECK_INT(parse_str(limber_parse_gpx, "<gpx version=\"1.0\">" ONE_HOUR_TRACK "</gpx>", &imp, why, sizeof why),
                  -EINVAL);
        CHECK_STR(why, "not a GPX 1.0 or 1.1 file: <gpx> has no namespace (expected "
                  "http://www.topografix.com/GPX/1/1 or http://www.topografix.com/GPX/1/0)");

        /* a long sport name is cut, at a character boundary, and maps to other */
        snprintf(xml, sizeof xml, GPX_OPEN "<trk><type>%s</type><trkseg><trkpt><time>2024-05-12T06:30:00Z</time>"
                 "</trkpt></trkseg></trk></gpx>",
                 "running running running running running running running runninä too long");
        CHECK_INT(parse_str(limber_parse_gpx, xml, &imp, why, sizeof why), 0);
        CHECK_STR(imp.sport, "running running running running running running running runnin");
        CHECK_STR(imp.kind, "other");

        /* control characters are not passed on to messages */
        CHECK_INT(parse_str(limber_parse_gpx, GPX_OPEN "<trk><type>run&#9;ning</type><trkseg><trkpt>"
                            "<time>2024-05-12T06:30:00Z</time></trkpt></trkseg></trk></gpx>", &imp, why, sizeof why),
                  0);
        CHECK_STR(imp.sport, "run ning");
}

#define TCX_OPEN "<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\">"
#define TCX_CLOSE "</TrainingCenterDatabase>"

static void test_tcx(void) {
        static const struct {
                const char *body;       /* inside <TrainingCenterDatabase> */
                int r;
                const char *kind, *sport;
                uint64_t start, duration;
                double distance;
                const char *why;
        } tests[] = {
                /* the first activity only */
                { "<Activities><Activity Sport=\"Running\"><Lap StartTime=\"2024-05-12T06:30:00Z\">"
                  "<TotalTimeSeconds>600</TotalTimeSeconds><DistanceMeters>2000</DistanceMeters></Lap></Activity>"
                  "<Activity Sport=\"Biking\"><Lap StartTime=\"2024-05-12T05:00:00Z\">"
                  "<TotalTimeSeconds>9000</TotalTimeSeconds><DistanceMeters>50000</DistanceMeters></Lap></Activity>"
                  "</Activities>", 0, "run", "Running", RUN_START, 600 * SEC, 2000, NULL },
                /* laps without track points: from the first start to the last lap's end;
                 * a gap between laps counts, fractions of seconds too */
                { "<Activities><Activity Sport=\"Other\">"
                  "<Lap StartTime=\"2024-05-12T06:30:00Z\"><TotalTimeSeconds>300.25</TotalTimeSeconds>"
                  "<DistanceMeters>0</DistanceMeters></Lap>"
                  "<Lap StartTime=\"2024-05-12T06:40:00Z\"><TotalTimeSeconds>60</TotalTimeSeconds>"
                  "<DistanceMeters>10.5</DistanceMeters></Lap></Activity></Activities>",
                  0, "other", "Other", RUN_START, 660 * SEC, 10.5, NULL },
                /* a lap without DistanceMeters: the track points' running total */
                { "<Activities><Activity Sport=\"Biking\">"
                  "<Lap StartTime=\"2024-05-12T06:30:00Z\"><TotalTimeSeconds>60</TotalTimeSeconds>"
                  "<DistanceMeters>400</DistanceMeters><Track>"
                  "<Trackpoint><Time>2024-05-12T06:30:00Z</Time><DistanceMeters>0</DistanceMeters></Trackpoint>"
                  "<Trackpoint><Time>2024-05-12T06:31:00Z</Time><DistanceMeters>410.5</DistanceMeters></Trackpoint>"
                  "</Track></Lap><Lap StartTime=\"2024-05-12T06:31:00Z\"><TotalTimeSeconds>30</TotalTimeSeconds>"
                  "<Track><Trackpoint><Time>2024-05-12T06:31:45Z</Time><DistanceMeters>600.25</DistanceMeters>"
                  "</Trackpoint></Track></Lap></Activity></Activities>",
                  0, "ride", "Biking", RUN_START, 105 * SEC, 600.25, NULL },
                /* no DistanceMeters at all: the positions, per track */
                { "<Activities><Activity Sport=\"running\"><Lap StartTime=\"2024-05-12T06:30:00Z\"><Track>"
                  "<Trackpoint><Time>2024-05-12T06:30:00Z</Time><Position><LatitudeDegrees>48.000</LatitudeDegrees>"
                  "<LongitudeDegrees>11</LongitudeDegrees></Position></Trackpoint>"
                  "<Trackpoint><Time>2024-05-12T06:30:30Z</Time><Position><LatitudeDegrees>48.001</LatitudeDegrees>"
                  "<LongitudeDegrees>11</LongitudeDegrees></Position></Trackpoint></Track><Track>"
                  "<Trackpoint><Time>2024-05-12T06:31:00Z</Time><Position><LatitudeDegrees>49.000</LatitudeDegrees>"
                  "<LongitudeDegrees>11</LongitudeDegrees></Position></Trackpoint>"
                  "<Trackpoint><Time>2024-05-12T06:32:00Z</Time><Position><LatitudeDegrees>49.001</LatitudeDegrees>"
                  "<LongitudeDegrees>11</LongitudeDegrees></Position></Trackpoint></Track></Lap></Activity>"
                  "</Activities>", 0, "run", "running", RUN_START, 120 * SEC, 2 * 111.19508, NULL },
                /* no Sport */
                { "<Activities><Activity><Lap StartTime=\"2024-05-12T06:30:00Z\"/></Activity></Activities>",
                  0, "other", "", RUN_START, 0, 0, NULL },
                { "<Courses><Course><Name>Loop</Name></Course></Courses>",
                  -EINVAL, NULL, NULL, 0, 0, 0, "no <Activity> in the file" },
                { "<Activities><Activity Sport=\"Running\">\n<Lap><TotalTimeSeconds>60</TotalTimeSeconds></Lap>"
                  "</Activity></Activities>", -EINVAL, NULL, NULL, 0, 0, 0, "line 2: <Lap> without StartTime" },
                { "<Activities><Activity Sport=\"Running\"><Lap StartTime=\"12/05/2024 06:30\"/></Activity>"
                  "</Activities>", -EINVAL, NULL, NULL, 0, 0, 0,
                  "line 1: invalid Lap StartTime '12/05/2024 06:30' (expected RFC 3339, such as 2024-05-12T06:30:00Z)" },
                { "<Activities><Activity Sport=\"Running\"><Lap StartTime=\"2024-05-12T06:30:00Z\">\n"
                  "<TotalTimeSeconds>-60</TotalTimeSeconds></Lap></Activity></Activities>",
                  -EINVAL, NULL, NULL, 0, 0, 0, "line 2: invalid <TotalTimeSeconds> '-60'" },
                { "<Activities><Activity Sport=\"Running\"><Lap StartTime=\"2024-05-12T06:30:00Z\">"
                  "<DistanceMeters>1e300</DistanceMeters></Lap></Activity></Activities>",
                  -EINVAL, NULL, NULL, 0, 0, 0, "line 1: invalid <DistanceMeters> '1e300'" },
                { "<Activities><Activity Sport=\"Running\"><Lap StartTime=\"2024-05-12T06:30:00Z\"><Track>"
                  "<Trackpoint><Time>2024-13-12T06:30:00Z</Time></Trackpoint></Track></Lap></Activity></Activities>",
                  -EINVAL, NULL, NULL, 0, 0, 0,
                  "line 1: invalid <Time> '2024-13-12T06:30:00Z' (expected RFC 3339, such as 2024-05-12T06:30:00Z)" },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                struct limber_import imp;
                char why[512], *xml;

                CHECK_CONTEXT("TCX row %zu", i);
                if (asprintf(&xml, TCX_OPEN "%s" TCX_CLOSE, tests[i].body) < 0)
                        exit(1);
                int r = parse_str(limber_parse_tcx, xml, &imp, why, sizeof why);
                free(xml);
                if (!CHECK_INT(r, tests[i].r)) {
                        fprintf(stderr, "    reason: %s\n", why);
                        continue;
                }
                if (r < 0) {
                        CHECK_STR(why, tests[i].why);
                        continue;
                }
                CHECK_STR(imp.kind, tests[i].kind);
                CHECK_STR(imp.sport, tests[i].sport);
                CHECK_U64(imp.start_usec, tests[i].start);
                CHECK_U64(imp.duration_usec, tests[i].duration);
                CHECK_NEAR(imp.distance_m, tests[i].distance, 1e-3);
        }
        CHECK_CONTEXT_CLEAR();

        struct limber_import imp;
        char why[512];
        CHECK_INT(parse_str(limber_parse_tcx, "<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/"
                            "TrainingCenterDatabase/v1\"/>", &imp, why, sizeof why), -EINVAL);
        CHECK_STR(why, "not a TCX file: the root element is <TrainingCenterDatabase> in namespace "
                  "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v1 (expected <TrainingCenterDatabase> "
                  "in namespace http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2)");
}

static void test_time(void) {
        static const struct {
                const char *s;
                int r;
                uint64_t usec;
        } tests[] = {
                { "2024-05-12T06:30:00Z",              0, RUN_START },
                { "2024-05-12t06:30:00z",              0, RUN_START },
                { "2024-05-12 06:30:00Z",              0, RUN_START },
                { "2024-05-12T06:30:00",               0, RUN_START },
                { "2024-05-12T06:30:00.000Z",          0, RUN_START },
                { "2024-05-12T06:30:00.5Z",            0, RUN_START + 500000 },
                { "2024-05-12T06:30:00.0000019Z",      0, RUN_START + 1 },
                { "2024-05-12T08:30:00+02:00",         0, RUN_START },
                { "2024-05-11T23:30:00-07:00",         0, RUN_START },
                { "2024-05-12T06:30:00+00:00",         0, RUN_START },
                { "1970-01-01T00:00:00Z",              0, 0 },
                { "2024-02-29T00:00:00Z",              0, UINT64_C(1709164800) * SEC },
                { "2000-02-29T00:00:00Z",              0, UINT64_C(951782400) * SEC },
                { "2016-12-31T23:59:60Z",              0, UINT64_C(1483228800) * SEC },
                { "2023-02-29T00:00:00Z",              -EINVAL, 0 },
                { "1900-02-29T00:00:00Z",              -EINVAL, 0 },
                { "2024-04-31T00:00:00Z",              -EINVAL, 0 },
                { "2024-00-12T06:30:00Z",              -EINVAL, 0 },
                { "2024-05-12T24:00:00Z",              -EINVAL, 0 },
                { "2024-05-12T06:60:00Z",              -EINVAL, 0 },
                { "2024-05-12T06:30:00+24:00",         -EINVAL, 0 },
                { "2024-05-12T06:30:00+0200",          -EINVAL, 0 },
                { "2024-05-12T06:30:00.Z",             -EINVAL, 0 },
                { "2024-05-12T06:30Z",                 -EINVAL, 0 },
                { "2024-05-12",                        -EINVAL, 0 },
                { "2024-5-12T06:30:00Z",               -EINVAL, 0 },
                { "2024-05-12T06:30:00Z ",             -EINVAL, 0 },
                { "1969-12-31T23:59:59Z",              -EINVAL, 0 },
                { "1970-01-01T00:30:00+01:00",         -EINVAL, 0 },
                { "",                                  -EINVAL, 0 },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                uint64_t t = 42;

                CHECK_CONTEXT("'%s'", tests[i].s);
                CHECK_INT(limber_parse_time(tests[i].s, &t), tests[i].r);
                CHECK_U64(t, tests[i].r == 0 ? tests[i].usec : 42);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_kinds(void) {
        static const struct {
                const char *sport, *kind;
        } tests[] = {
                { "running", "run" },           { "Running", "run" },           { "RUN", "run" },
                { "trail running", "run" },     { "TRAIL_RUNNING", "run" },     { "trail-running", "run" },
                { "  trail   running ", "run" }, { "treadmill", "run" },         { "Treadmill_Running", "run" },
                { "walking", "walk" },          { "Walk", "walk" },
                { "Biking", "ride" },           { "cycling", "ride" },          { "ride", "ride" },
                { "road_biking", "ride" },      { "Mountain Biking", "ride" },  { "e-biking", "ride" },
                { "E_BIKING", "ride" },         { "indoor_cycling", "ride" },
                { "swimming", "swim" },         { "swim", "swim" },             { "pool swimming", "swim" },
                { "lap_swimming", "swim" },     { "open water", "swim" },       { "open_water_swimming", "swim" },
                { "hiking", "hike" },           { "Hike", "hike" },
                { "Other", "other" },           { "yoga", "other" },            { "", "other" },
                { "   ", "other" },             { "runn", "other" },            { "runningg", "other" },
                { "running shoes", "other" },   { "ebiking", "other" },         { "9", "other" },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                CHECK_CONTEXT("'%s'", tests[i].sport);
                CHECK_STR(limber_import_kind(tests[i].sport), tests[i].kind);
        }
        CHECK_CONTEXT_CLEAR();
        CHECK_STR(limber_import_kind(NULL), "other");
}

int main(void) {
        const char *root = getenv("LIMBER_SOURCE_ROOT");

        if (!root) {
                fprintf(stderr, "LIMBER_SOURCE_ROOT is not set\n");
                return 1;
        }
        snprintf(data_dir, sizeof data_dir, "%s/tests/data/import", root);

        test_good_files();
        test_refused_files();
        test_hostile();
        test_malformed();
        test_gpx();
        test_gpx_misc();
        test_tcx();
        test_time();
        test_kinds();
        return check_summary("test-import-xml");
}
