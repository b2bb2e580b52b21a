/* What --version prints for limberd and limberctl: the program, its package and
 * version, then the copyright and licence, as the GNU coding standards lay it out. */
#pragma once

#include "limber-build.h"

#define LIMBER_VERSION_TEXT(program)                                                      \
        program " (limber) " LIMBER_VERSION "\n"                                          \
        "Copyright (C) 2026 the limber authors.\n"                                        \
        "License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n" \
        "This is free software: you are free to change and redistribute it.\n"           \
        "There is NO WARRANTY, to the extent permitted by law.\n"
