/* ofbench: a cbench-style load generator for OpenFlow controllers.
 *
 * It emulates N switches that connect to a controller, answer its handshake
 * (features, port descriptions, echo, barrier) and then send packet-ins of
 * Ethernet frames between new pairs of MAC addresses, as switches do for
 * traffic they have no flow for.  Each packet-in carries a buffer id, so one
 * answer (a flow-mod or a packet-out that uses the buffer) settles it.
 *   throughput mode: each switch keeps up to WINDOW packet-ins unanswered;
 *                    the result is answers per second
 *   latency mode:    each switch sends the next packet-in when the previous
 *                    one is answered; the result is round trips per second
 *
 * usage: ofbench [--mode throughput|latency] [--of 1.0|1.3] [--switches N]
 *                [--macs M] [--duration S] [--warmup S] [--window W] HOST:PORT
 * Prints one line, and --json one object. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ofp/ofp.h"

#define MAX_SWITCHES 256
#define RX_CAP (1u << 20)

struct sw {
    int fd;
    uint64_t dpid;
    bool ready;
    uint8_t rx[RX_CAP];
    size_t rx_len;
    uint8_t *tx;
    size_t tx_len, tx_cap;
    uint64_t sent, answered;
    uint32_t seq;
};

static struct sw sws[MAX_SWITCHES];
static int n_sw = 16, n_macs = 1000, window = 256;
static uint8_t version = OFP13_VERSION;
static bool latency;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void queue_msg(struct sw *s, struct ofp_msg *m)
{
    m->version = version;
    size_t len;
    uint8_t *w = ofp_encode(m, &len);
    if (!w) {
        fprintf(stderr, "ofbench: cannot encode %s\n", ofp_type_name(m->type));
        exit(1);
    }
    if (s->tx_len + len > s->tx_cap) {
        s->tx_cap = (s->tx_len + len) * 2;
        s->tx = realloc(s->tx, s->tx_cap);
        if (!s->tx)
            abort();
    }
    memcpy(s->tx + s->tx_len, w, len);
    s->tx_len += len;
    free(w);
}

static void flush(struct sw *s)
{
    while (s->tx_len) {
        ssize_t n = send(s->fd, s->tx, s->tx_len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (errno == EAGAIN)
                return;
            fprintf(stderr, "ofbench: switch %llu: send: %s\n", (unsigned long long)s->dpid,
                    strerror(errno));
            exit(1);
        }
        memmove(s->tx, s->tx + n, s->tx_len - (size_t)n);
        s->tx_len -= (size_t)n;
    }
}

static void ports(struct ofp_port *p, size_t n, uint64_t dpid)
{
    for (size_t i = 0; i < n; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].port_no = (uint32_t)i + 1;
        p[i].hw_addr[0] = 2, p[i].hw_addr[4] = (uint8_t)dpid, p[i].hw_addr[5] = (uint8_t)(i + 1);
        snprintf(p[i].name, sizeof p[i].name, "s%llu-%zu", (unsigned long long)dpid, i + 1);
        p[i].curr_speed = p[i].max_speed = 10000000;
    }
}

static void send_packet_in(struct sw *s)
{
    /* Frames between new pairs of MAC addresses of this switch's hosts. */
    uint8_t f[60];
    memset(f, 0, sizeof f);
    uint32_t a = s->seq % (uint32_t)n_macs, b = (s->seq + 1) % (uint32_t)n_macs;
    uint8_t dst[6] = {0x02, 0, (uint8_t)s->dpid, (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    uint8_t src[6] = {0x02, 0, (uint8_t)s->dpid, (uint8_t)(b >> 16), (uint8_t)(b >> 8), (uint8_t)b};
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08, f[13] = 0x00;
    f[14] = 0x45, f[22] = 64, f[23] = 17;
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.type = OFPT_PACKET_IN;
    m.xid = 0;
    m.packet_in.buffer_id = s->seq & 0xffff;
    m.packet_in.total_len = sizeof f;
    m.packet_in.reason = 0;
    m.packet_in.table_id = 0;
    ofp_match_add_u32(&m.packet_in.match, OXM_IN_PORT, 1 + s->seq % 4);
    m.packet_in.data.data = f;
    m.packet_in.data.len = sizeof f;
    queue_msg(s, &m);
    s->seq++;
    s->sent++;
}

static void handle(struct sw *s, const uint8_t *raw, size_t len)
{
    struct ofp_msg m;
    if (ofp_decode(raw, len, &m))
        return;
    struct ofp_msg r;
    memset(&r, 0, sizeof r);
    r.xid = m.xid;
    struct ofp_port p[4]; /* a reply's ports: live until it is encoded */
    switch (m.type) {
    case OFPT_FEATURES_REQUEST:
        r.type = OFPT_FEATURES_REPLY;
        r.features.datapath_id = s->dpid;
        r.features.n_buffers = 256;
        r.features.n_tables = 254;
        if (version == OFP10_VERSION) {
            ports(p, 4, s->dpid);
            r.features.ports = p;
            r.features.n_ports = 4;
        }
        queue_msg(s, &r);
        /* Ready: a controller that wants port descriptions asks for them
         * next, and gets them before any packet-in. */
        s->ready = true;
        break;
    case OFPT_MULTIPART_REQUEST: {
        r.type = OFPT_MULTIPART_REPLY;
        r.mp.mp_type = m.mp.mp_type;
        if (m.mp.mp_type == OFPMP_PORT_DESC) {
            ports(p, 4, s->dpid);
            r.mp.ports = p;
            r.mp.n = 4;
        }
        queue_msg(s, &r);
        r.mp.ports = NULL;
        break;
    }
    case OFPT_ECHO_REQUEST:
        r.type = OFPT_ECHO_REPLY;
        queue_msg(s, &r);
        break;
    case OFPT_BARRIER_REQUEST:
        r.type = OFPT_BARRIER_REPLY;
        queue_msg(s, &r);
        break;
    case OFPT_GET_CONFIG_REQUEST:
        r.type = OFPT_GET_CONFIG_REPLY;
        r.config.miss_send_len = 128;
        queue_msg(s, &r);
        break;
    case OFPT_FLOW_MOD:
    case OFPT_PACKET_OUT:
        /* An answer to a packet-in: one that names a buffer, or a packet-out. */
        if (m.type == OFPT_PACKET_OUT || m.flow_mod.buffer_id != OFP_NO_BUFFER) {
            s->answered++;
            if (latency && s->ready)
                send_packet_in(s);
        }
        break;
    }
    ofp_msg_free(&m);
}

static void on_readable(struct sw *s)
{
    ssize_t n = recv(s->fd, s->rx + s->rx_len, RX_CAP - s->rx_len, 0);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN)
            return;
        fprintf(stderr, "ofbench: switch %llu: the controller closed the connection\n",
                (unsigned long long)s->dpid);
        exit(1);
    }
    s->rx_len += (size_t)n;
    size_t off = 0;
    while (s->rx_len - off >= 8) {
        size_t len = ofp_peek_length(s->rx + off, s->rx_len - off);
        if (len < 8) {
            fprintf(stderr, "ofbench: the controller sent a bad length\n");
            exit(1);
        }
        if (s->rx_len - off < len)
            break;
        handle(s, s->rx + off, len);
        off += len;
    }
    memmove(s->rx, s->rx + off, s->rx_len - off);
    s->rx_len -= off;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, NULL, 'm'},     {"of", required_argument, NULL, 'o'},
        {"switches", required_argument, NULL, 's'}, {"macs", required_argument, NULL, 'M'},
        {"duration", required_argument, NULL, 'd'}, {"warmup", required_argument, NULL, 'w'},
        {"window", required_argument, NULL, 'W'},   {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    double duration = 5, warmup = 1;
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, "m:o:s:M:d:w:W:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            latency = !strcmp(optarg, "latency");
            break;
        case 'o':
            version = !strcmp(optarg, "1.0") ? OFP10_VERSION : OFP13_VERSION;
            break;
        case 's':
            n_sw = atoi(optarg);
            break;
        case 'M':
            n_macs = atoi(optarg);
            break;
        case 'd':
            duration = atof(optarg);
            break;
        case 'w':
            warmup = atof(optarg);
            break;
        case 'W':
            window = atoi(optarg);
            break;
        case 'j':
            json = true;
            break;
        default:
            fprintf(stderr,
                    "usage: ofbench [--mode throughput|latency] [--of 1.0|1.3] [--switches N] "
                    "[--macs M]\n"
                    "               [--duration S] [--warmup S] [--window W] [--json] HOST:PORT\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1 || n_sw < 1 || n_sw > MAX_SWITCHES || n_macs < 2 || window < 1) {
        fprintf(stderr, "ofbench: one HOST:PORT; 1 to %d switches; at least 2 MACs\n",
                MAX_SWITCHES);
        return 2;
    }
    char host[64];
    const char *colon = strrchr(argv[optind], ':');
    if (!colon || (size_t)(colon - argv[optind]) >= sizeof host)
        return 2;
    memcpy(host, argv[optind], (size_t)(colon - argv[optind]));
    host[colon - argv[optind]] = '\0';
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
        return 2;
    struct pollfd pfd[MAX_SWITCHES];
    for (int i = 0; i < n_sw; i++) {
        struct sw *s = &sws[i];
        s->dpid = (uint64_t)i + 1;
        s->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(s->fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
            fprintf(stderr, "ofbench: cannot connect to %s: %s\n", argv[optind], strerror(errno));
            return 1;
        }
        fcntl(s->fd, F_SETFL, O_NONBLOCK);
        struct ofp_msg hello;
        memset(&hello, 0, sizeof hello);
        hello.type = OFPT_HELLO;
        hello.xid = 1;
        queue_msg(s, &hello);
        flush(s);
    }
    double t0 = now(), start = 0, end = 0;
    uint64_t base = 0;
    bool running = false, measuring = false, going = false;
    double go = 0;
    while (true) {
        double t = now();
        int ready = 0;
        for (int i = 0; i < n_sw; i++)
            ready += sws[i].ready;
        if (!running && ready == n_sw) {
            /* Let the controller finish its side of the handshake (port
             * descriptions, configuration) before the load starts. */
            running = true;
            go = t + 0.3;
            start = go + warmup;
            end = start + duration;
        }
        if (running && !going && t >= go) {
            going = true;
            for (int i = 0; i < n_sw; i++)
                if (latency)
                    send_packet_in(&sws[i]);
        }
        if (!running && t - t0 > 10) {
            fprintf(stderr, "ofbench: only %d of %d switches finished the handshake in 10 s\n",
                    ready, n_sw);
            return 1;
        }
        if (running && !measuring && t >= start) {
            measuring = true; /* answers during the warm-up do not count */
            for (int i = 0; i < n_sw; i++)
                base += sws[i].answered;
        }
        if (running && t >= end)
            break;
        for (int i = 0; i < n_sw; i++) {
            struct sw *s = &sws[i];
            if (going && !latency)
                while (s->sent - s->answered < (uint64_t)window && s->tx_len < 65536)
                    send_packet_in(s);
            flush(s);
            pfd[i] = (struct pollfd){.fd = s->fd, .events = POLLIN | (s->tx_len ? POLLOUT : 0)};
        }
        if (poll(pfd, (nfds_t)n_sw, 10) < 0 && errno != EINTR)
            return 1;
        for (int i = 0; i < n_sw; i++)
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                on_readable(&sws[i]);
    }
    uint64_t total = 0;
    for (int i = 0; i < n_sw; i++)
        total += sws[i].answered;
    double rate = (double)(total - base) / duration;
    if (json)
        printf("{\"mode\": \"%s\", \"openflow\": \"%s\", \"switches\": %d, \"macs\": %d, "
               "\"duration\": %.1f, "
               "\"per_second\": %.0f}\n",
               latency ? "latency" : "throughput", version == OFP10_VERSION ? "1.0" : "1.3", n_sw,
               n_macs, duration, rate);
    else
        printf("ofbench: %s, OpenFlow %s, %d switches, %d MACs each, %.0f s: %.0f %s/s\n",
               latency ? "latency" : "throughput", version == OFP10_VERSION ? "1.0" : "1.3", n_sw,
               n_macs, duration, rate, latency ? "round trips" : "responses");
    return 0;
}
