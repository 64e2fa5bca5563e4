#include "gui/gui.h"

#include <string.h>

/* The table cmake/embed_gui.cmake writes from gui/ (sorted by path). */
extern const struct gui_asset gui_asset_table[];
extern const size_t gui_asset_table_len;

const char *gui_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".json", "application/json"},
        {".ico", "image/x-icon"},
    };
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (!strcmp(dot, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}

const struct gui_asset *gui_asset_find(const char *path)
{
    if (!strcmp(path, "/"))
        path = "/index.html";
    size_t lo = 0, hi = gui_asset_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, gui_asset_table[mid].path);
        if (!c)
            return &gui_asset_table[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct gui_asset *gui_assets(size_t *n)
{
    *n = gui_asset_table_len;
    return gui_asset_table;
}
