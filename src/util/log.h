/* log: module-tagged messages on standard error.
 *
 * Each .c file names its module once with LOG_MODULE("lab"); messages read
 * "minidc: lab: error: text".  Severity below the global level is dropped.
 * Anything a peer can trigger must use the _RL variants (rate-limited): each
 * call site prints at most LOG_RL_BURST lines per LOG_RL_WINDOW seconds, and
 * the first line after a quiet window says how many were suppressed. */
#ifndef MINIDC_UTIL_LOG_H
#define MINIDC_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#define LOG_RL_BURST 20
#define LOG_RL_WINDOW 10.0

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERR };

/* Sets the program name printed first (default "minidc"). */
void log_set_program(const char *name);
/* Sets the lowest level printed (default LOG_INFO). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_msg(const char *module, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(const char *module, enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* One call site's rate limit (a static in the _RL macros; zero-initialized). */
struct log_rl {
    double window_start;
    unsigned printed, suppressed;
};
/* Whether a line may be printed now under 'rl' (counts it either way);
 * '*suppressed' gets how many were dropped since the last printed one.
 * Thread-safe. */
bool log_rl_allow(struct log_rl *rl, unsigned *suppressed);
void log_msg_rl(struct log_rl *rl, const char *module, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* LOG_ERR_ has a trailing underscore because <syslog.h> owns LOG_ERR. */
#define LOG_MODULE(name) static const char log_module_[] __attribute__((unused)) = name
#define LOG_DBG(...) log_msg(log_module_, LOG_DEBUG, __VA_ARGS__)
#define LOG_INF(...) log_msg(log_module_, LOG_INFO, __VA_ARGS__)
#define LOG_WRN(...) log_msg(log_module_, LOG_WARN, __VA_ARGS__)
#define LOG_ERR_(...) log_msg(log_module_, LOG_ERR, __VA_ARGS__)
#define LOG_RL_(level, ...)                                                                        \
    do {                                                                                           \
        static struct log_rl log_rl_;                                                              \
        log_msg_rl(&log_rl_, log_module_, level, __VA_ARGS__);                                     \
    } while (0)
#define LOG_INF_RL(...) LOG_RL_(LOG_INFO, __VA_ARGS__)
#define LOG_WRN_RL(...) LOG_RL_(LOG_WARN, __VA_ARGS__)
#define LOG_ERR_RL(...) LOG_RL_(LOG_ERR, __VA_ARGS__)

#endif
