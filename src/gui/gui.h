/* gui: the web GUI's files (gui/ in the source tree), built into minidcd so
 * that it serves them at / of its API address with nothing to install or
 * download.  This module only finds them; ctl/api.c answers with them.
 * Pure: no I/O. */
#ifndef MINIDC_GUI_GUI_H
#define MINIDC_GUI_GUI_H

#include <stddef.h>

struct gui_asset {
    const char *path;          /* its URL path: "/index.html", "/js/main.js" */
    const unsigned char *data; /* its bytes */
    size_t len;
    const char *etag; /* a quoted hash of its bytes, for If-None-Match */
};

/* The file served at URL path 'path' ("/" is "/index.html"), NULL when
 * there is none.  Only the paths of the files match: no "..", no
 * directories, no query. */
const struct gui_asset *gui_asset_find(const char *path);

/* All of them, in path order. */
const struct gui_asset *gui_assets(size_t *n);

/* The Content-Type for a file named 'path', by its extension (minidcd's
 * answer gives it, and the browser then takes the file only as that). */
const char *gui_content_type(const char *path);

#endif
