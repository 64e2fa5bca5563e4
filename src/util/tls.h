/* tls: OpenSSL contexts as minidc uses them (TLS 1.2 at least, PEM files),
 * with what went wrong said in words: which file, and OpenSSL's reason.
 *
 * A server context shows 'cert' (a chain: the certificate first) with 'key';
 * given 'client_ca', it also wants every client to show a certificate signed
 * by it (OpenFlow switches do).  A client context trusts only the
 * certificates signed by 'ca'. */
#ifndef MINIDC_UTIL_TLS_H
#define MINIDC_UTIL_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

/* NULL when a file cannot be used, with why in 'err' ('n' bytes). */
SSL_CTX *tls_server_ctx(const char *key, const char *cert, const char *client_ca, char *err,
                        size_t n);
SSL_CTX *tls_client_ctx(const char *ca, char *err, size_t n);

/* OpenSSL's reason for the last error of this thread (and clears the
 * queue), into 'buf' ('n' bytes); returns 'buf'. */
char *tls_last_error(char *buf, size_t n);

#endif
