#include "util/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

char *tls_last_error(char *buf, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (!e)
        snprintf(buf, n, "%s", errno ? strerror(errno) : "no reason given");
    else {
        const char *r = ERR_reason_error_string(e);
        if (r)
            snprintf(buf, n, "%s", r);
        else
            ERR_error_string_n(e, buf, n);
    }
    ERR_clear_error();
    return buf;
}

/* Says that 'path' (the 'what') cannot be used, and why. */
static SSL_CTX *fail(SSL_CTX *ctx, const char *what, const char *path, char *err, size_t n)
{
    char why[160];
    tls_last_error(why, sizeof why);
    snprintf(err, n, "%s %s: %s", what, path, why);
    SSL_CTX_free(ctx);
    return NULL;
}

static SSL_CTX *new_ctx(const SSL_METHOD *m, char *err, size_t n)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(m);
    if (!ctx) {
        char why[160];
        snprintf(err, n, "cannot make a TLS context: %s", tls_last_error(why, sizeof why));
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    return ctx;
}

SSL_CTX *tls_server_ctx(const char *key, const char *cert, const char *client_ca, char *err,
                        size_t n)
{
    SSL_CTX *ctx = new_ctx(TLS_server_method(), err, n);
    if (!ctx)
        return NULL;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        return fail(ctx, "certificate", cert, err, n);
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        return fail(ctx, "key", key, err, n);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return fail(ctx, "key", key, err, n);
    if (client_ca) {
        if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1)
            return fail(ctx, "CA", client_ca, err, n);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return ctx;
}

SSL_CTX *tls_client_ctx(const char *ca, char *err, size_t n)
{
    SSL_CTX *ctx = new_ctx(TLS_client_method(), err, n);
    if (!ctx)
        return NULL;
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        return fail(ctx, "CA", ca, err, n);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}
