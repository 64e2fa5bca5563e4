/* The lab's record of itself: RUN/labs/NAME/state.json (what was made, in
 * the order it was made) and RUN/labs/NAME/topology.yaml (the topology as it
 * was when the lab came up). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/lab_priv.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("lab");

const char *lab_run_root(void)
{
    const char *r = getenv("MINIDC_RUN_DIR");
    return r && *r ? r : "/run/minidc";
}

int lab_ctx_open(struct lab_ctx *ctx, const char *name)
{
    memset(ctx, 0, sizeof *ctx);
    if (!topo_valid_lab_name(name)) {
        LOG_ERR_(
            "'%s' is not a lab name (a letter, then letters, digits or '_', at most %d characters)",
            name ? name : "", TOPO_LAB_NAME_MAX);
        return -1;
    }
    ctx->name = xstrdup(name);
    ctx->dir = xasprintf("%s/labs/%s", lab_run_root(), name);
    ctx->ovs_dir = xasprintf("%s/ovs", ctx->dir);
    char *path = xasprintf("%s/state.json", ctx->dir);
    json_error_t jerr;
    ctx->state = json_load_file(path, 0, &jerr);
    if (!ctx->state && access(path, F_OK) == 0)
        LOG_WRN("%s: unreadable state (%s); cleaning up by name only", path, jerr.text);
    free(path);
    if (!ctx->state)
        ctx->state = json_object();
    path = xasprintf("%s/topology.yaml", ctx->dir);
    if (access(path, R_OK) == 0) {
        struct diag_list dl;
        diag_list_init(&dl, path);
        ctx->t = topo_load(path, &dl);
        if (!ctx->t)
            diag_print(&dl, stderr);
        diag_list_free(&dl);
    }
    free(path);
    return 0;
}

void lab_ctx_close(struct lab_ctx *ctx)
{
    topo_free(ctx->t);
    json_decref(ctx->state);
    free(ctx->name);
    free(ctx->dir);
    free(ctx->ovs_dir);
    memset(ctx, 0, sizeof *ctx);
}

bool lab_exists(const struct lab_ctx *ctx)
{
    struct stat st;
    return stat(ctx->dir, &st) == 0;
}

static int mkdir_p(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            free(p);
            return -errno;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
    free(p);
    return rc;
}

int lab_state_save(struct lab_ctx *ctx)
{
    int rc = mkdir_p(ctx->dir);
    if (rc < 0) {
        LOG_ERR_("cannot create %s: %s", ctx->dir, strerror(-rc));
        return -1;
    }
    char *path = xasprintf("%s/state.json", ctx->dir);
    char *tmp = xasprintf("%s.tmp", path);
    rc = json_dump_file(ctx->state, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -1;
    if (rc)
        LOG_ERR_("cannot write %s: %s", path, strerror(errno));
    free(path);
    free(tmp);
    return rc;
}

int lab_state_record(struct lab_ctx *ctx, const char *key, const char *value)
{
    json_t *arr = json_object_get(ctx->state, key);
    if (!json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(ctx->state, key, arr);
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (!strcmp(json_string_value(v), value))
            return 0;
    json_array_append_new(arr, json_string(value));
    return lab_state_save(ctx);
}

const char *lab_state_str(const struct lab_ctx *ctx, const char *key)
{
    return json_string_value(json_object_get(ctx->state, key));
}

int lab_state_set(struct lab_ctx *ctx, const char *key, const char *value)
{
    json_object_set_new(ctx->state, key, json_string(value));
    return lab_state_save(ctx);
}

char *lab_node_ns(const struct lab_ctx *ctx, const struct topo_node *n)
{
    if (n->kind == TOPO_SWITCH)
        return xstrdup(ctx->name);
    return xasprintf("%s-%s", ctx->name, n->name);
}

char *lab_port_name(const struct topo_node *sw, unsigned port)
{
    return xasprintf("%s-%u", sw->name, port);
}

void lab_ovs_env(const struct lab_ctx *ctx)
{
    setenv("OVS_RUNDIR", ctx->ovs_dir, 1);
    setenv("OVS_LOGDIR", ctx->ovs_dir, 1);
    setenv("OVS_DBDIR", ctx->ovs_dir, 1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **lab_list(size_t *n)
{
    *n = 0;
    char *path = xasprintf("%s/labs", lab_run_root());
    DIR *d = opendir(path);
    free(path);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !topo_valid_lab_name(e->d_name))
            continue;
        xgrow(&names, &cap, *n + 1, sizeof *names);
        names[(*n)++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}
