/* OpenFlow connections: accept, frame, negotiate, keep alive, bound.
 *
 * Framing checks the header length before anything (a length below 8 or a
 * message the codec rejects drops the peer, with a rate-limited log line and
 * a printable sample of its bytes).  A connection is never freed inside its
 * own callback chain: it is marked and freed from the tick. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl/ofconn.h"
#include "ctl/listen_guard.h"
#include "ctl/ofstream.h"
#include "ofp/ofp_print.h"
#include "util/proc.h"
#include "util/log.h"
#include "util/tls.h"
#include "util/xalloc.h"

LOG_MODULE("ofconn");

enum ofconn_state { OFC_HELLO, OFC_FEATURES, OFC_PORTS, OFC_READY };

struct ofconns {
    struct event_base *base;
    struct ofconn_io io;
    struct evconnlistener *listener;
    struct listen_guard *guard; /* the listener's pauses and accept errors */
    SSL_CTX *tls; /* switches connect over TLS (both sides show certificates) when set */
    struct ofconn **conns;
    size_t n_conns, conns_cap;
    size_t max;            /* connections at once */
    unsigned long evicted; /* dropped to make room */
    unsigned long rx_msgs; /* messages from every switch, ever */
};

struct ofconn {
    struct ofconns *owner;
    void *sw; /* the io's, for a switch that is up */
    struct ofstream *st;
    char peer[64];
    enum ofconn_state state;
    uint8_t version;
    uint64_t dpid;
    uint32_t next_xid;
    uint32_t ports_xid;
    struct ofp_port *ports;
    size_t n_ports;
    double last_rx, last_echo;
    double accepted;
    bool dead;     /* to be freed at the next tick */
    bool unsynced; /* flow changes sent since the last barrier */
    uint32_t barrier_xid;
    bool synced;
    uint64_t rx_msgs, tx_msgs;
};

static const char *switch_name(const struct ofconn *oc)
{
    const struct ofconn_io *io = &oc->owner->io;
    return oc->dpid && io->name ? io->name(io->ctx, oc->dpid) : "";
}

/* The connection is over: it is freed at the next tick. */
static void ofconn_end(struct ofconn *oc)
{
    oc->dead = true;
    ofstream_stop(oc->st);
    if (oc->state == OFC_READY) {
        const struct ofconn_io *io = &oc->owner->io;
        io->switch_down(io->ctx, oc->sw, oc->dpid);
        oc->sw = NULL;
    }
}

static void ofconn_kill(struct ofconn *oc, const char *why)
{
    if (oc->dead)
        return;
    const char *name = switch_name(oc);
    LOG_WRN_RL("%s%s%s: %s; dropping it", oc->peer, *name ? " " : "", name, why);
    ofconn_end(oc);
}

static uint32_t ofconn_send(struct ofconn *oc, const struct ofp_msg *m)
{
    if (oc->dead)
        return 0;
    struct ofp_msg copy = *m;
    copy.version = oc->version ? oc->version : OFP13_VERSION;
    if (!copy.xid) {
        copy.xid = oc->next_xid++;
        if (!oc->next_xid)
            oc->next_xid = 1; /* xid 0 means "assign one" */
    }
    size_t len;
    uint8_t *wire = ofp_encode(&copy, &len);
    if (!wire) {
        LOG_ERR_("cannot encode %s for OpenFlow version %u", ofp_type_name(m->type), copy.version);
        return 0;
    }
    struct evbuffer *out = ofstream_output(oc->st);
    if (evbuffer_get_length(out) + len > OFCONN_MAX_OUTPUT) {
        free(wire);
        ofconn_kill(oc, "too slow: its output queue is full");
        return 0;
    }
    evbuffer_add(out, wire, len);
    free(wire);
    oc->tx_msgs++;
    if (m->type == OFPT_FLOW_MOD || m->type == OFPT_GROUP_MOD)
        oc->unsynced = true;
    return copy.xid;
}

static struct ofconn *find_conn(struct ofconns *s, uint64_t dpid)
{
    for (size_t i = 0; i < s->n_conns; i++)
        if (!s->conns[i]->dead && s->conns[i]->state == OFC_READY && s->conns[i]->dpid == dpid)
            return s->conns[i];
    return NULL;
}

uint32_t ofconns_send(struct ofconns *s, uint64_t dpid, const struct ofp_msg *m)
{
    struct ofconn *oc = find_conn(s, dpid);
    return oc ? ofconn_send(oc, m) : 0;
}

static void send_simple(struct ofconn *oc, uint8_t type, uint32_t xid)
{
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.xid = xid;
    ofconn_send(oc, &m);
}

static void send_error(struct ofconn *oc, enum ofp_err e, const uint8_t *data, size_t len,
                       uint32_t xid)
{
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.type = OFPT_ERROR;
    m.xid = xid;
    m.error.type = ofp_err_type(e);
    m.error.code = ofp_err_code(e);
    m.error.data.data = (uint8_t *)data;
    m.error.data.len = len < 64 ? len : 64;
    ofconn_send(oc, &m);
}

static void sample_hex(const uint8_t *d, size_t len, char *buf, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len && i < 16 && o + 3 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%02x", d[i]);
    buf[o] = '\0';
}

static void handle_hello(struct ofconn *oc, const struct ofp_msg *m, const uint8_t *raw)
{
    uint32_t theirs = m->hello.bitmap ? m->hello.bitmap : (1u << m->version);
    if (theirs & (1u << OFP13_VERSION) && m->version >= OFP13_VERSION)
        oc->version = OFP13_VERSION;
    else if (theirs & (1u << OFP10_VERSION) || m->version == OFP10_VERSION)
        oc->version = OFP10_VERSION;
    else {
        oc->version = OFP13_VERSION;
        send_error(oc, OFPERR_HELLO_INCOMPATIBLE, raw, 8, m->xid);
        ofconn_kill(oc, "no common OpenFlow version (minidcd speaks 1.3 and 1.0)");
        return;
    }
    oc->state = OFC_FEATURES;
    send_simple(oc, OFPT_FEATURES_REQUEST, 0);
}

static void ports_done(struct ofconn *oc)
{
    struct ofconns *s = oc->owner;
    /* A datapath that reconnects replaces its old connection. */
    for (size_t i = 0; i < s->n_conns; i++) {
        struct ofconn *o = s->conns[i];
        if (o != oc && !o->dead && o->state == OFC_READY && o->dpid == oc->dpid)
            ofconn_kill(o, "replaced by a new connection of the same datapath");
    }
    oc->state = OFC_READY;
    LOG_INF("%s: datapath %016" PRIx64 " connected (OpenFlow %s)", oc->peer, oc->dpid,
            oc->version == OFP13_VERSION ? "1.3" : "1.0");
    oc->sw = s->io.switch_up(s->io.ctx, oc->dpid, oc->version, oc->ports, oc->n_ports);
}

static void handle_features(struct ofconn *oc, const struct ofp_msg *m)
{
    oc->dpid = m->features.datapath_id;
    struct ofp_msg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.type = OFPT_SET_CONFIG;
    cfg.config.miss_send_len = OFPCML_NO_BUFFER;
    ofconn_send(oc, &cfg);
    if (oc->version == OFP10_VERSION) {
        /* 1.0 lists its ports in the features reply. */
        oc->n_ports = m->features.n_ports;
        oc->ports = xcalloc(oc->n_ports + 1, sizeof *oc->ports);
        memcpy(oc->ports, m->features.ports, oc->n_ports * sizeof *oc->ports);
        ports_done(oc);
        return;
    }
    struct ofp_msg req;
    memset(&req, 0, sizeof req);
    req.type = OFPT_MULTIPART_REQUEST;
    req.mp.mp_type = OFPMP_PORT_DESC;
    oc->ports_xid = ofconn_send(oc, &req);
    oc->state = OFC_PORTS;
}

static void handle_msg(struct ofconn *oc, const struct ofp_msg *m, const uint8_t *raw, size_t len)
{
    const struct ofconn_io *io = &oc->owner->io;
    switch (m->type) {
    case OFPT_HELLO:
        if (oc->state == OFC_HELLO)
            handle_hello(oc, m, raw);
        return;
    case OFPT_ECHO_REQUEST: {
        struct ofp_msg r = *m;
        r.type = OFPT_ECHO_REPLY;
        ofconn_send(oc, &r);
        return;
    }
    case OFPT_ECHO_REPLY:
        return;
    case OFPT_ERROR: {
        char *t = ofp_to_text(m);
        LOG_WRN_RL("%s %s: %s", oc->peer, switch_name(oc), t);
        free(t);
        return;
    }
    case OFPT_FEATURES_REPLY:
        if (oc->state == OFC_FEATURES)
            handle_features(oc, m);
        return;
    case OFPT_MULTIPART_REPLY:
        if (oc->state == OFC_PORTS && m->xid == oc->ports_xid && m->mp.mp_type == OFPMP_PORT_DESC) {
            oc->ports = xrealloc(oc->ports, (oc->n_ports + m->mp.n + 1) * sizeof *oc->ports);
            memcpy(oc->ports + oc->n_ports, m->mp.ports, m->mp.n * sizeof *oc->ports);
            oc->n_ports += m->mp.n;
            if (!(m->mp.flags & OFPMPF_MORE))
                ports_done(oc);
            return;
        }
        if (oc->state == OFC_READY)
            io->message(io->ctx, oc->sw, oc->dpid, m);
        return;
    case OFPT_BARRIER_REPLY:
        if (m->xid == oc->barrier_xid)
            oc->synced = true;
        return;
    case OFPT_PACKET_IN:
    case OFPT_PORT_STATUS:
    case OFPT_FLOW_REMOVED:
    case OFPT_GET_CONFIG_REPLY:
    case OFPT_ROLE_REPLY:
        if (oc->state == OFC_READY)
            io->message(io->ctx, oc->sw, oc->dpid, m);
        return;
    default:
        /* Legal OpenFlow, but not for a switch to send. */
        send_error(oc, OFPERR_BAD_REQUEST_BAD_TYPE, raw, len, m->xid);
    }
}

static void on_read(void *arg)
{
    struct ofconn *oc = arg;
    struct evbuffer *in = ofstream_input(oc->st);
    while (!oc->dead) {
        size_t avail = evbuffer_get_length(in);
        uint8_t hdr[8];
        if (avail < 8 || evbuffer_copyout(in, hdr, 8) != 8)
            return;
        size_t len = ofp_peek_length(hdr, 8);
        if (len < OFP_HEADER_LEN) {
            char s[40];
            sample_hex(hdr, 8, s, sizeof s);
            ofconn_kill(oc, len < 8 ? "message length below 8 (not OpenFlow?)" : "bad length");
            LOG_WRN_RL("%s: first bytes %s", oc->peer, s);
            return;
        }
        if (avail < len)
            return;
        uint8_t *raw = evbuffer_pullup(in, (ssize_t)len);
        struct ofp_msg m;
        enum ofp_err e = ofp_decode(raw, len, &m);
        oc->last_rx = proc_now();
        oc->rx_msgs++;
        oc->owner->rx_msgs++;
        if (e) {
            char s[40];
            sample_hex(raw, len, s, sizeof s);
            LOG_WRN_RL("%s: malformed message (%s), first bytes %s", oc->peer, ofp_err_name(e), s);
            send_error(oc, e, raw, len,
                       (uint32_t)(raw[4] << 24 | raw[5] << 16 | raw[6] << 8 | raw[7]));
            evbuffer_drain(in, len);
            /* An unknown type or statistic is answered and tolerated; a broken one is not. */
            if (e != OFPERR_BAD_REQUEST_BAD_TYPE && e != OFPERR_BAD_REQUEST_BAD_MULTIPART)
                ofconn_kill(oc, "sent a malformed message");
            continue;
        }
        if (oc->state == OFC_HELLO && m.type != OFPT_HELLO) {
            ofp_msg_free(&m);
            evbuffer_drain(in, len);
            ofconn_kill(oc, "did not start with HELLO");
            return;
        }
        handle_msg(oc, &m, raw, len);
        ofp_msg_free(&m);
        evbuffer_drain(in, len);
        if (!oc->dead)
            ofstream_push(oc->st);
    }
}

static void on_closed(void *arg, const char *error)
{
    struct ofconn *oc = arg;
    if (oc->dead)
        return;
    if (error && oc->owner->tls)
        LOG_WRN_RL("%s: %s", oc->peer, error);
    if (oc->state == OFC_READY)
        LOG_INF("%s: datapath %016" PRIx64 " disconnected%s%s", oc->peer, oc->dpid,
                error ? ": " : "", error ? error : "");
    ofconn_end(oc);
}

/* The oldest live connection still in its handshake, or NULL. */
static struct ofconn *oldest_unready(struct ofconns *c)
{
    struct ofconn *o = NULL;
    for (size_t i = 0; i < c->n_conns; i++) {
        struct ofconn *oc = c->conns[i];
        if (!oc->dead && oc->state != OFC_READY && (!o || oc->accepted < o->accepted))
            o = oc;
    }
    return o;
}

static size_t live_conns(struct ofconns *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_conns; i++)
        n += !c->conns[i]->dead;
    return n;
}

/* Makes room for one more connection: the oldest in its handshake goes.
 * False when every one is a switch that is up, or too many dropped ones
 * still hold their descriptors (they go at the next tick). */
static bool make_room(struct ofconns *c)
{
    if (c->n_conns >= c->max + c->max / 4)
        return false;
    if (live_conns(c) < c->max)
        return true;
    struct ofconn *v = oldest_unready(c);
    if (!v)
        return false;
    ofconn_kill(v, "too many connections: the oldest still in its handshake makes way");
    c->evicted++;
    return true;
}

/* accept() ran out of descriptors: a quarter of those in their handshake go
 * (their descriptors at the next tick).  Returns how many. */
static size_t shed(void *arg)
{
    struct ofconns *c = arg;
    size_t n = 0, k = 0;
    for (size_t i = 0; i < c->n_conns; i++)
        n += !c->conns[i]->dead && c->conns[i]->state != OFC_READY;
    for (size_t want = n / 4 ? n / 4 : n; k < want; k++) {
        struct ofconn *v = oldest_unready(c);
        if (!v)
            break;
        ofconn_kill(v, "out of file descriptors: the oldest still in its handshake goes");
        c->evicted++;
    }
    return k;
}

unsigned long ofconns_received(const struct ofconns *c)
{
    return c->rx_msgs;
}

json_t *ofconns_stats_json(struct ofconns *c)
{
    json_t *o = c->guard ? listen_guard_json(c->guard) : json_object();
    json_object_set_new(o, "open", json_integer((json_int_t)live_conns(c)));
    json_object_set_new(o, "max", json_integer((json_int_t)c->max));
    json_object_set_new(o, "evicted", json_integer((json_int_t)c->evicted));
    return o;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    struct ofconns *c = arg;
    (void)l, (void)salen;
    if (!make_room(c)) {
        LOG_WRN_RL("%zu connections (%zu of them dropped, going), as many as minidcd takes: a new "
                   "one is refused",
                   c->n_conns, c->n_conns - live_conns(c));
        evutil_closesocket(fd);
        return;
    }
    struct ofconn *oc = xcalloc(1, sizeof *oc);
    oc->owner = c;
    oc->next_xid = 1;
    oc->last_rx = oc->last_echo = oc->accepted = proc_now();
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)sa;
        char a[16];
        inet_ntop(AF_INET, &sin->sin_addr, a, sizeof a);
        snprintf(oc->peer, sizeof oc->peer, "%s:%u", a, ntohs(sin->sin_port));
    } else {
        snprintf(oc->peer, sizeof oc->peer, "peer");
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct ofstream_cbs cbs = {.read = on_read, .closed = on_closed, .arg = oc};
    if (c->tls) {
        SSL *ssl = SSL_new(c->tls);
        oc->st = ssl ? ofstream_tls(c->base, fd, ssl, &cbs) : NULL;
        if (!oc->st) {
            LOG_ERR_("%s: cannot start TLS", oc->peer);
            if (!ssl)
                evutil_closesocket(fd);
            free(oc);
            return;
        }
    } else {
        oc->st = ofstream_plain(c->base, fd, &cbs);
    }
    xgrow(&c->conns, &c->conns_cap, c->n_conns + 1, sizeof *c->conns);
    c->conns[c->n_conns++] = oc;
    struct ofp_msg hello;
    memset(&hello, 0, sizeof hello);
    hello.type = OFPT_HELLO;
    hello.hello.bitmap = 1u << OFP10_VERSION | 1u << OFP13_VERSION;
    oc->version = OFP13_VERSION;
    ofconn_send(oc, &hello);
    oc->version = 0;
}

int ofconns_listen(struct ofconns *c, const char *addr, uint16_t port)
{
    c->listener = listen_tcp(c->base, addr, port, on_accept, c);
    if (!c->listener)
        return -1;
    c->guard = listen_guard_create(c->base, c->listener, "OpenFlow", shed, c);
    return 0;
}

static void ofconn_free(struct ofconn *oc)
{
    ofstream_free(oc->st);
    free(oc->ports);
    free(oc);
}

void ofconns_tick(struct ofconns *c, double now)
{
    size_t j = 0;
    for (size_t i = 0; i < c->n_conns; i++) {
        struct ofconn *oc = c->conns[i];
        if (!oc->dead) {
            if (oc->state != OFC_READY && now - oc->accepted > OFCONN_HANDSHAKE_S)
                ofconn_kill(oc, "no handshake in time");
            else if (now - oc->last_rx > OFCONN_ECHO_TIMEOUT)
                ofconn_kill(oc, "silent for too long (no echo reply)");
            else if (now - oc->last_rx > OFCONN_ECHO_INTERVAL &&
                     now - oc->last_echo > OFCONN_ECHO_INTERVAL) {
                oc->last_echo = now;
                send_simple(oc, OFPT_ECHO_REQUEST, 0);
            }
            /* Flow changes since the last barrier: ask when they are in. */
            if (!oc->dead && oc->unsynced && oc->state == OFC_READY) {
                oc->unsynced = false;
                oc->synced = false;
                oc->barrier_xid = 0;
                struct ofp_msg b;
                memset(&b, 0, sizeof b);
                b.type = OFPT_BARRIER_REQUEST;
                oc->barrier_xid = ofconn_send(oc, &b);
            }
        }
        if (oc->dead)
            ofconn_free(oc);
        else
            c->conns[j++] = oc;
    }
    c->n_conns = j;
}

json_t *ofconns_switch_json(struct ofconns *c, uint64_t dpid)
{
    struct ofconn *oc = find_conn(c, dpid);
    if (!oc)
        return json_null();
    return json_pack("{s:s, s:s, s:b, s:b, s:I, s:I}", "peer", oc->peer, "openflow",
                     oc->version == OFP13_VERSION ? "1.3" : "1.0", "tls", c->tls != NULL, "synced",
                     oc->synced, "rx_messages", (json_int_t)oc->rx_msgs, "tx_messages",
                     (json_int_t)oc->tx_msgs);
}

int ofconns_tls(struct ofconns *c, const char *key, const char *cert, const char *ca)
{
    /* Switches must show a certificate signed by the CA, as Open vSwitch's
     * ssl: connections do. */
    char err[512];
    if (!(c->tls = tls_server_ctx(key, cert, ca, err, sizeof err))) {
        LOG_ERR_("OpenFlow TLS: %s", err);
        return -1;
    }
    return 0;
}

bool ofconns_use_tls(const struct ofconns *c)
{
    return c->tls != NULL;
}

struct ofconns *ofconns_create(struct event_base *base, const struct ofconn_io *io, size_t max)
{
    struct ofconns *c = xcalloc(1, sizeof *c);
    c->base = base;
    c->io = *io;
    c->max = max ? max : OFCONN_MAX;
    return c;
}

void ofconns_destroy(struct ofconns *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_conns; i++)
        ofconn_free(c->conns[i]);
    free(c->conns);
    listen_guard_destroy(c->guard);
    if (c->listener)
        evconnlistener_free(c->listener);
    if (c->tls)
        SSL_CTX_free(c->tls);
    free(c);
}
