/* Where limber keeps its files: the XDG base directories, with their standard fallbacks. */
#pragma once

/* $XDG_CONFIG_HOME/limber/limber.conf and the like. A relative or empty XDG variable is
 * ignored, as the spec says, and $HOME/<fallback> is used. Returns NULL without a home. */
char *limber_xdg_path(const char *xdg_var, const char *fallback, const char *tail);

/* The user's home: $HOME, else the password database. */
const char *limber_home(void);

/* Creates dir and its missing parents, new ones mode 0700. */
int limber_mkdir_p(const char *dir);
