#include "util/log.h"

#include <stdio.h>

static const char *program = "minidc";
static enum log_level min_level = LOG_INFO;

static const char *const level_names[] = {
    [LOG_DEBUG] = "debug", [LOG_INFO] = "info", [LOG_WARN] = "warning", [LOG_ERR] = "error",
};

void log_set_program(const char *name) { program = name; }
void log_set_level(enum log_level level) { min_level = level; }
enum log_level log_get_level(void) { return min_level; }

void log_vmsg(const char *module, enum log_level level, const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    fprintf(stderr, "%s: %s: %s: ", program, module, level_names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void log_msg(const char *module, enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(module, level, fmt, ap);
    va_end(ap);
}
