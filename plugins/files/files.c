/* The files plugin: imports workouts from GPX, TCX and FIT files (also gzipped) dropped
 * into watched folders.
 *
 * [plugin.files] paths names the folders (default $XDG_DATA_HOME/limber/inbox, made if
 * missing). Files there at start are read, then each file written (IN_CLOSE_WRITE) or
 * moved in (IN_MOVED_TO), through inotify on the event loop. A file is keyed by a hash
 * of its content: the same bytes are imported once, whatever their name or how often
 * they are written, and a file refused (malformed, truncated, over 64 MiB, hostile) is
 * listed in limberd's Rejected property and not read again until its content changes.
 * The activity's duration is the elapsed time the file records (see import.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <zlib.h>

#include "import.h"
#include "limber-plugin.h"

#define MAX_FILE_SIZE (64u << 20)

struct seen {
        char *path;
        uint64_t hash;                  /* of the content last read from path */
};

struct folder {
        struct files *files;
        char *path;
        sd_event_source *watch;
};

struct files {
        const struct limber_host *host;
        struct folder *folders;
        size_t n_folders;
        struct seen *seen;
        size_t n_seen;
};

static uint64_t fnv1a(const void *data, size_t size) {
        const unsigned char *p = data;
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        for (size_t i = 0; i < size; i++) {
                h ^= p[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

enum format { FORMAT_NONE, FORMAT_GPX, FORMAT_TCX, FORMAT_FIT };

static enum format format_of(const char *name, bool *gz) {
        char base[512];
        snprintf(base, sizeof base, "%s", name);
        *gz = ends_with(base, ".gz");
        if (*gz)
                base[strlen(base) - 3] = '\0';
        if (ends_with(base, ".gpx"))
                return FORMAT_GPX;
        if (ends_with(base, ".tcx"))
                return FORMAT_TCX;
        if (ends_with(base, ".fit"))
                return FORMAT_FIT;
        return FORMAT_NONE;
}

/* Reads path whole, gunzipping with gz, refusing more than MAX_FILE_SIZE either way. */
static int read_file(const char *path, bool gz, char **ret, size_t *ret_size, char *why, size_t why_size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                snprintf(why, why_size, "cannot open: %s", strerror(errno));
                return -errno;
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                snprintf(why, why_size, "not a regular file");
                return -EINVAL;
        }
        if (!gz && (uint64_t) st.st_size > MAX_FILE_SIZE) {
                close(fd);
                snprintf(why, why_size, "larger than %u MiB", MAX_FILE_SIZE >> 20);
                return -EFBIG;
        }

        gzFile g = NULL;
        if (gz) {
                g = gzdopen(fd, "rb");
                if (!g) {
                        close(fd);
                        snprintf(why, why_size, "cannot read as gzip");
                        return -EINVAL;
                }
        }

        size_t size = 0, allocated = 0;
        char *buf = NULL;
        int r = 0;
        for (;;) {
                if (size == allocated) {
                        size_t na = allocated ? allocated * 2 : 65536;
                        if (na > MAX_FILE_SIZE + 1)
                                na = MAX_FILE_SIZE + 1;
                        if (na == allocated) {
                                snprintf(why, why_size, "%s larger than %u MiB", gz ? "decompressed," : "",
                                         MAX_FILE_SIZE >> 20);
                                r = -EFBIG;
                                break;
                        }
                        char *nb = realloc(buf, na + 1);
                        if (!nb) {
                                r = -ENOMEM;
                                snprintf(why, why_size, "out of memory");
                                break;
                        }
                        buf = nb;
                        allocated = na;
                }
                ssize_t k = gz ? gzread(g, buf + size, (unsigned) (allocated - size))
                               : read(fd, buf + size, allocated - size);
                if (k < 0) {
                        snprintf(why, why_size, gz ? "corrupt gzip data" : "read error");
                        r = -EIO;
                        break;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        if (gz) {
                /* A truncated gzip stream reads as a short file; zlib says so. */
                int err;
                const char *msg = gzerror(g, &err);
                if (r == 0 && err != Z_OK && err != Z_STREAM_END) {
                        snprintf(why, why_size, "corrupt gzip data: %s", msg);
                        r = -EIO;
                }
                gzclose(g);
        } else
                close(fd);

        if (r < 0) {
                free(buf);
                return r;
        }
        if (buf)
                buf[size] = '\0';
        *ret = buf;
        *ret_size = size;
        return 0;
}

static struct seen *find_seen(struct files *f, const char *path) {
        for (size_t i = 0; i < f->n_seen; i++)
                if (strcmp(f->seen[i].path, path) == 0)
                        return &f->seen[i];
        return NULL;
}

static void remember(struct files *f, const char *path, uint64_t hash) {
        struct seen *s = find_seen(f, path);
        if (!s) {
                struct seen *n = realloc(f->seen, (f->n_seen + 1) * sizeof *n);
                if (!n)
                        return;
                f->seen = n;
                s = &n[f->n_seen];
                if (!(s->path = strdup(path)))
                        return;
                f->n_seen++;
        }
        s->hash = hash;
}

static void import_file(struct files *f, const char *path) {
        const struct limber_host *host = f->host;
        const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        char why[512] = "";
        bool gz;
        enum format format = format_of(name, &gz);
        if (format == FORMAT_NONE || name[0] == '.')
                return;

        char *data = NULL;
        size_t size = 0;
        int r = read_file(path, gz, &data, &size, why, sizeof why);
        if (r == -ENOENT)
                return;         /* gone again before it could be read */

        uint64_t hash = r < 0 ? 0 : fnv1a(data, size) ^ size;
        struct seen *s = find_seen(f, path);
        if (r >= 0 && s && s->hash == hash) {
                free(data);
                return;         /* these bytes were read from here before */
        }

        struct limber_import imp = { 0 };
        if (r >= 0) {
                if (format == FORMAT_GPX)
                        r = limber_parse_gpx(data, size, &imp, why, sizeof why);
                else if (format == FORMAT_TCX)
                        r = limber_parse_tcx(data, size, &imp, why, sizeof why);
                else
                        r = limber_parse_fit((const uint8_t *) data, size, &imp, why, sizeof why);
        }
        free(data);
        remember(f, path, hash);

        if (r < 0) {
                host->log(host, LOG_WARNING, "%s: %s; not imported", path, why);
                host->report_rejected(host, path, why);
                return;
        }

        char external_id[64];
        snprintf(external_id, sizeof external_id, "content-%016llx-%zu", (unsigned long long) hash, size);
        struct limber_activity_report a = {
                .kind = imp.kind,
                .start_usec = imp.start_usec,
                .duration_usec = imp.duration_usec,
                .distance_m = imp.distance_m,
                .external_id = external_id,
                .title = name,
        };
        r = host->report_activity(host, &a);
        if (r < 0) {
                snprintf(why, sizeof why, "limberd refused the activity (%s, %.1f km)", imp.kind, imp.distance_m / 1000);
                host->report_rejected(host, path, why);
                return;
        }
        host->report_rejected(host, path, NULL);
        if (r > 0)
                host->log(host, LOG_INFO, "%s: %s (%s), %.1f km, %llu min", path, imp.kind, imp.sport,
                          imp.distance_m / 1000, (unsigned long long) (imp.duration_usec / 60000000));
}

static void scan(struct files *f, struct folder *folder) {
        DIR *dir = opendir(folder->path);
        if (!dir)
                return;
        struct dirent *de;
        while ((de = readdir(dir))) {
                char *path;
                if (de->d_name[0] == '.' || asprintf(&path, "%s/%s", folder->path, de->d_name) < 0)
                        continue;
                import_file(f, path);
                free(path);
        }
        closedir(dir);
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        struct folder *folder = userdata;
        char *path;

        if (ev->len == 0 || asprintf(&path, "%s/%s", folder->path, ev->name) < 0)
                return 0;
        if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                /* A refused file that is removed leaves the Rejected list. */
                folder->files->host->report_rejected(folder->files->host, path, NULL);
                struct seen *seen = find_seen(folder->files, path);
                if (seen)
                        seen->hash = 0;
        } else
                import_file(folder->files, path);
        free(path);
        return 0;
}

static char *expand(const char *home, const char *p, size_t len) {
        char *r;
        if (len >= 2 && p[0] == '~' && p[1] == '/')
                return home && asprintf(&r, "%s%.*s", home, (int) len - 1, p + 1) >= 0 ? r : NULL;
        return p[0] == '/' ? strndup(p, len) : NULL;
}

static int mkdir_p(const char *dir) {
        char *p = strdup(dir);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(p, 0700);
                        *s = '/';
                }
        int r = mkdir(p, 0700) < 0 && errno != EEXIST ? -errno : 0;
        free(p);
        return r;
}

static void files_stop(void *state);

static int add_folder(struct files *f, char *path) {
        struct folder *n = realloc(f->folders, (f->n_folders + 1) * sizeof *n);
        if (!n) {
                free(path);
                return -ENOMEM;
        }
        f->folders = n;
        n[f->n_folders++] = (struct folder) { .files = f, .path = path };
        return 0;
}

static int files_start(const struct limber_host *host, void **ret_state) {
        struct files *f = calloc(1, sizeof *f);
        const char *home = getenv("HOME");
        const char *paths = host->config_get(host, "paths");
        int r = 0;

        if (!f)
                return -ENOMEM;
        f->host = host;

        if (paths) {
                for (const char *p = paths; *p && r >= 0;) {
                        p += strspn(p, " \t");
                        size_t len = strcspn(p, " \t");
                        if (len == 0)
                                break;
                        char *e = expand(home, p, len);
                        if (!e) {
                                host->log(host, LOG_ERR, "%s:%u: invalid path '%.*s' for 'paths' in [plugin.files]: "
                                          "expected an absolute path or one starting with ~/",
                                          host->config_path, host->config_line(host, "paths"), (int) len, p);
                                r = -EINVAL;
                                break;
                        }
                        r = add_folder(f, e);
                        p += len;
                }
        } else {
                const char *data = getenv("XDG_DATA_HOME");
                char *inbox;
                if (data && data[0] == '/')
                        r = asprintf(&inbox, "%s/limber/inbox", data);
                else
                        r = home ? asprintf(&inbox, "%s/.local/share/limber/inbox", home) : -1;
                r = r < 0 ? -ENOMEM : add_folder(f, inbox);
        }
        if (r < 0) {
                files_stop(f);
                return r;
        }

        for (size_t i = 0; i < f->n_folders; i++) {
                struct folder *folder = &f->folders[i];
                if (!paths)
                        (void) mkdir_p(folder->path);
                r = sd_event_add_inotify(host->event, &folder->watch, folder->path,
                                         IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR,
                                         on_inotify, folder);
                if (r < 0) {
                        host->log(host, LOG_WARNING, "cannot watch %s: %s", folder->path, strerror(-r));
                        continue;
                }
                host->log(host, LOG_INFO, "watching %s", folder->path);
                scan(f, folder);
        }
        *ret_state = f;
        return 0;
}

static void files_stop(void *state) {
        struct files *f = state;
        if (!f)
                return;
        for (size_t i = 0; i < f->n_folders; i++) {
                sd_event_source_unref(f->folders[i].watch);
                free(f->folders[i].path);
        }
        free(f->folders);
        for (size_t i = 0; i < f->n_seen; i++)
                free(f->seen[i].path);
        free(f->seen);
        free(f);
}

LIMBER_PLUGIN_DEFINE(
        .name = "files",
        .description = "workouts from GPX, TCX and FIT files in watched folders",
        .start = files_start,
        .stop = files_stop,
);
