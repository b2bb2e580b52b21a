/* Where limber keeps its files: the XDG base directories, with their standard fallbacks. */
#include "paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *limber_home(void) {
        const char *h = getenv("HOME");
        if (h && h[0] == '/')
                return h;
        struct passwd *pw = getpwuid(getuid());
        return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

char *limber_xdg_path(const char *xdg_var, const char *fallback, const char *tail) {
        const char *base = getenv(xdg_var);
        char *r;
        int n;

        if (base && base[0] == '/')
                n = asprintf(&r, "%s/%s", base, tail);
        else {
                const char *home = limber_home();
                if (!home)
                        return NULL;
                n = asprintf(&r, "%s/%s/%s", home, fallback, tail);
        }
        return n < 0 ? NULL : r;
}

int limber_mkdir_p(const char *dir) {
        char *p = strdup(dir);
        if (!p)
                return -ENOMEM;

        int r = 0;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdir(p, 0700) < 0 && errno != EEXIST) {
                        r = -errno;
                        break;
                }
                *s = c;
                if (c == '\0')
                        break;
        }
        free(p);
        return r;
}
