/* log: module-tagged messages on standard error.
 *
 * Each .c file names its module once with LOG_MODULE("lab"); messages read
 * "minidc: lab: error: text".  Severity below the global level is dropped.
 * Anything a peer can trigger must use the _RL variants (rate-limited). */
#ifndef MINIDC_UTIL_LOG_H
#define MINIDC_UTIL_LOG_H

#include <stdarg.h>

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

/* LOG_ERR_ has a trailing underscore because <syslog.h> owns LOG_ERR. */
#define LOG_MODULE(name) static const char log_module_[] __attribute__((unused)) = name
#define LOG_DBG(...) log_msg(log_module_, LOG_DEBUG, __VA_ARGS__)
#define LOG_INF(...) log_msg(log_module_, LOG_INFO, __VA_ARGS__)
#define LOG_WRN(...) log_msg(log_module_, LOG_WARN, __VA_ARGS__)
#define LOG_ERR_(...) log_msg(log_module_, LOG_ERR, __VA_ARGS__)

#endif
