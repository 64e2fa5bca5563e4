#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

static const char *program = "minidc";
static enum log_level min_level = LOG_INFO;
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
    [LOG_DEBUG] = "debug",
    [LOG_INFO] = "info",
    [LOG_WARN] = "warning",
    [LOG_ERR] = "error",
};

void log_set_program(const char *name)
{
    program = name;
}
void log_set_level(enum log_level level)
{
    min_level = level;
}
enum log_level log_get_level(void)
{
    return min_level;
}

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

bool log_rl_allow(struct log_rl *rl, unsigned *suppressed)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    pthread_mutex_lock(&rl_lock);
    if (rl->window_start == 0 || now - rl->window_start >= LOG_RL_WINDOW) {
        rl->window_start = now;
        rl->printed = 0;
    }
    bool ok = rl->printed < LOG_RL_BURST;
    if (ok) {
        rl->printed++;
        *suppressed = rl->suppressed;
        rl->suppressed = 0;
    } else {
        rl->suppressed++;
    }
    pthread_mutex_unlock(&rl_lock);
    return ok;
}

void log_msg_rl(struct log_rl *rl, const char *module, enum log_level level, const char *fmt, ...)
{
    unsigned suppressed;
    if (level < min_level || !log_rl_allow(rl, &suppressed))
        return;
    if (suppressed)
        log_msg(module, level, "(%u similar lines suppressed)", suppressed);
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(module, level, fmt, ap);
    va_end(ap);
}
