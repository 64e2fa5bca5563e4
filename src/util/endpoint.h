/* endpoint: "HOST:PORT" strings, split. */
#ifndef MINIDC_UTIL_ENDPOINT_H
#define MINIDC_UTIL_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Splits 's' at its last ':' into 'host' (NUL-terminated, at most size-1
 * characters) and a port 1..65535; false when 's' is not HOST:PORT. */
bool endpoint_split(const char *s, char *host, size_t size, uint16_t *port);

#endif
