/* Tests of src/util/http.c over src/util/conn.c: HTTP and HTTPS requests to a
 * server on loopback (a thread of this test), with a PKI made here: the
 * server's certificate must be signed by the CA given and issued for the
 * address dialled, and each way it is not says so; an answer cut short is
 * an error, not a shorter body. */
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/conn.h"
#include "util/http.h"
#include "util/strbuf.h"
#include "util/tls.h"

static char dir[] = "/tmp/test_http_tls.XXXXXX";

/* DIR/NAME, in one of a few static buffers. */
static const char *path_of(const char *name)
{
    static char bufs[8][256];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(e);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

/* A certificate for 'key' named 'cn', signed by 'issuer' (NULL: itself, a
 * CA), for IP address 'ip' when not NULL; written to NAME.pem and its key
 * to NAME.key. */
static X509 *make_cert(const char *name, EVP_PKEY *key, const char *cn, X509 *issuer,
                       EVP_PKEY *issuer_key, const char *ip)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
    if (!issuer)
        add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
    if (ip) {
        char san[64];
        snprintf(san, sizeof san, "IP:%s", ip);
        add_ext(x, issuer ? issuer : x, NID_subject_alt_name, san);
    }
    assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    char file[64];
    snprintf(file, sizeof file, "%s.pem", name);
    FILE *f = fopen(path_of(file), "w");
    PEM_write_X509(f, x);
    fclose(f);
    snprintf(file, sizeof file, "%s.key", name);
    f = fopen(path_of(file), "w");
    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    return x;
}

/* The PKI: ca (and other-ca, which signed nothing used here), server.pem
 * for 127.0.0.1 signed by ca, elsewhere.pem for 10.9.9.9 signed by ca. */
static int make_pki(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *other_key = EVP_EC_gen("P-256"),
             *key = EVP_EC_gen("P-256");
    X509 *ca = make_cert("ca", ca_key, "test CA", NULL, NULL, NULL);
    X509 *other = make_cert("other-ca", other_key, "another CA", NULL, NULL, NULL);
    X509 *server = make_cert("server", key, "server", ca, ca_key, "127.0.0.1");
    X509 *elsewhere = make_cert("elsewhere", key, "elsewhere", ca, ca_key, "10.9.9.9");
    X509_free(ca), X509_free(other), X509_free(server), X509_free(elsewhere);
    EVP_PKEY_free(ca_key), EVP_PKEY_free(other_key), EVP_PKEY_free(key);
    return 0;
}

static int remove_pki(void **state)
{
    (void)state;
    static const char *const names[] = {"ca", "other-ca", "server", "elsewhere"};
    for (size_t i = 0; i < 4; i++) {
        char f[64];
        snprintf(f, sizeof f, "%s.pem", names[i]);
        unlink(path_of(f));
        snprintf(f, sizeof f, "%s.key", names[i]);
        unlink(path_of(f));
    }
    return rmdir(dir);
}

/* A server for one connection: TLS with certificate 'cert' (NULL: plain),
 * reads the request head, answers 'answer' and closes. */
struct server {
    const char *cert;
    const char *answer;
    size_t answer_len;
    bool at_once; /* answers after the first bytes, whatever they are */
    int lfd;
    uint16_t port;
    pthread_t thread;
    char request[4096]; /* what it read */
};

static void *serve(void *arg)
{
    struct server *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    if (s->cert) {
        char err[256], key[256];
        snprintf(key, sizeof key, "%.*s.key", (int)(strlen(s->cert) - 4), s->cert);
        ctx = tls_server_ctx(key, s->cert, NULL, err, sizeof err);
        ssl = ctx ? SSL_new(ctx) : NULL;
        if (ssl)
            SSL_set_fd(ssl, fd);
        if (!ssl || SSL_accept(ssl) != 1)
            goto out;
    }
    size_t n = 0;
    while (n < sizeof s->request - 1 && !strstr(s->request, "\r\n\r\n") && !(s->at_once && n)) {
        int r = ssl ? SSL_read(ssl, s->request + n, (int)(sizeof s->request - 1 - n))
                    : (int)read(fd, s->request + n, sizeof s->request - 1 - n);
        if (r <= 0)
            goto out;
        n += (size_t)r;
        s->request[n] = '\0';
    }
    for (size_t off = 0; off < s->answer_len;) {
        int w = ssl ? SSL_write(ssl, s->answer + off, (int)(s->answer_len - off))
                    : (int)write(fd, s->answer + off, s->answer_len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (ssl)
        SSL_shutdown(ssl);
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return NULL;
}

/* The next server answers at once (see 'struct server'). */
static bool next_at_once;

static void server_start(struct server *s, const char *cert, const char *answer, size_t len)
{
    memset(s, 0, sizeof *s);
    s->at_once = next_at_once;
    next_at_once = false;
    s->cert = cert;
    s->answer = answer;
    s->answer_len = len ? len : strlen(answer);
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(s->lfd, 1), 0);
    socklen_t sl = sizeof sin;
    getsockname(s->lfd, (struct sockaddr *)&sin, &sl);
    s->port = ntohs(sin.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
    shutdown(s->lfd, SHUT_RDWR); /* a server never dialled stops accepting */
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

static const char ok_answer[] = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";

/* GET / from server 's' trusting 'ca' (NULL: plain HTTP). */
static int get(struct server *s, const char *ca, struct strbuf *body)
{
    struct http_req r = {.addr = "127.0.0.1",
                         .port = s->port,
                         .method = "GET",
                         .path = "/api/v1/status",
                         .token = "t0ken",
                         .tls_ca = ca};
    return http_request(&r, body, 5000);
}

static void test_https_answers(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, path_of("server.pem"), ok_answer, 0);
    struct strbuf body;
    strbuf_init(&body);
    assert_int_equal(get(&s, path_of("ca.pem"), &body), 200);
    server_stop(&s);
    assert_string_equal(body.s, "hello");
    assert_non_null(strstr(s.request, "GET /api/v1/status HTTP/1.0\r\n"));
    assert_non_null(strstr(s.request, "Authorization: Bearer t0ken\r\n"));
    strbuf_free(&body);
}

static void test_https_big_answer(void **state)
{
    (void)state;
    size_t n = 3u << 20;
    struct strbuf a;
    strbuf_init(&a);
    strbuf_printf(&a, "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
    size_t head = a.len;
    for (size_t i = 0; i < n; i++)
        strbuf_add(&a, &"0123456789abcdef"[i % 16], 1);
    struct server s;
    server_start(&s, path_of("server.pem"), a.s, a.len);
    struct strbuf body;
    strbuf_init(&body);
    assert_int_equal(get(&s, path_of("ca.pem"), &body), 200);
    server_stop(&s);
    assert_int_equal(body.len, n);
    assert_memory_equal(body.s, a.s + head, n);
    strbuf_free(&body), strbuf_free(&a);
}

/* Each certificate that must not be trusted, and what is said. */
static void test_untrusted_certificates(void **state)
{
    (void)state;
    static const struct {
        const char *cert, *ca, *says;
    } bad[] = {
        {"server.pem", "other-ca.pem", "unable to get local issuer certificate"},
        {"elsewhere.pem", "ca.pem", "IP address mismatch"},
        {"ca.pem", "other-ca.pem", "self-signed certificate"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct server s;
        server_start(&s, path_of(bad[i].cert), ok_answer, 0);
        int rc = get(&s, path_of(bad[i].ca), NULL);
        server_stop(&s);
        assert_int_equal(rc, -CONN_ETLS);
        if (!strstr(conn_strerror(rc), bad[i].says))
            fail_msg("%s against %s: said \"%s\", not \"%s\"", bad[i].cert, bad[i].ca,
                     conn_strerror(rc), bad[i].says);
        assert_string_equal(s.request, ""); /* the request never left */
    }
}

static void test_ca_file_unusable(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, path_of("server.pem"), ok_answer, 0);
    int rc = get(&s, path_of("server.key"), NULL);
    server_stop(&s);
    assert_int_equal(rc, -CONN_ETLS);
    assert_non_null(strstr(conn_strerror(rc), "server.key"));
}

/* HTTPS to a plain server, and plain HTTP to an HTTPS one: errors, never an
 * answer. */
static void test_mismatched_protocols(void **state)
{
    (void)state;
    struct server s;
    next_at_once = true; /* as a plain server answers a request line it cannot read */
    server_start(&s, NULL, ok_answer, 0);
    int rc = get(&s, path_of("ca.pem"), NULL);
    server_stop(&s);
    assert_int_equal(rc, -CONN_ETLS);
    assert_non_null(strstr(conn_strerror(rc), "wrong version number"));
    server_start(&s, path_of("server.pem"), ok_answer, 0);
    rc = get(&s, NULL, NULL);
    server_stop(&s);
    /* Not HTTP, or reset when the server closed on the rest of the request. */
    if (rc != -EPROTO && rc != -ECONNRESET)
        fail_msg("plain HTTP to an HTTPS server: %d (%s)", rc, conn_strerror(rc));
}

/* An answer shorter than its Content-Length was cut short. */
static void test_cut_short(void **state)
{
    (void)state;
    static const char shortened[] = "HTTP/1.0 200 OK\r\nContent-length: 50\r\n\r\nhello";
    struct server s;
    server_start(&s, NULL, shortened, 0);
    assert_int_equal(get(&s, NULL, NULL), -EPROTO);
    server_stop(&s);
    server_start(&s, path_of("server.pem"), shortened, 0);
    assert_int_equal(get(&s, path_of("ca.pem"), NULL), -EPROTO);
    server_stop(&s);
    struct strbuf body;
    strbuf_init(&body);
    server_start(&s, NULL, ok_answer, 0);
    assert_int_equal(get(&s, NULL, &body), 200);
    server_stop(&s);
    assert_string_equal(body.s, "hello");
    strbuf_free(&body);
}

static int collect(void *ctx, const char *data, size_t n)
{
    strbuf_add(ctx, data, n);
    return 0;
}

static void test_https_stream(void **state)
{
    (void)state;
    static const char events[] = "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                                 "id: 1\ndata: {}\n\nid: 2\ndata: {}\n\n";
    struct server s;
    server_start(&s, path_of("server.pem"), events, 0);
    struct strbuf got;
    strbuf_init(&got);
    struct http_req r = {.addr = "127.0.0.1",
                         .port = s.port,
                         .method = "GET",
                         .path = "/api/v1/events",
                         .tls_ca = path_of("ca.pem")};
    assert_int_equal(http_stream(&r, collect, &got, 5000), 200);
    server_stop(&s);
    assert_string_equal(got.s, "id: 1\ndata: {}\n\nid: 2\ndata: {}\n\n");
    assert_non_null(strstr(s.request, "Accept: text/event-stream\r\n"));
    strbuf_free(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https_answers),          cmocka_unit_test(test_https_big_answer),
        cmocka_unit_test(test_untrusted_certificates), cmocka_unit_test(test_ca_file_unusable),
        cmocka_unit_test(test_mismatched_protocols),   cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_https_stream),
    };
    return cmocka_run_group_tests(tests, make_pki, remove_pki);
}
