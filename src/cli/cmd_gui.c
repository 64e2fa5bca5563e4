/* minidc gui: minidcd's web GUI in this machine's browser.
 *   minidc gui [--lab NAME | --api ADDR:PORT] [--token-file FILE] [--api-ca FILE]
 *              [--port P] [--listen ADDR] [--no-token-in-url]
 * A lab's API listens only inside its fabric namespace: this forwards
 * ADDR:P of the machine (127.0.0.1:8400 by default) to it (gui_forward.h),
 * prints the page's URL and serves until interrupted. */
#include <arpa/inet.h>
#include <event2/event.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/api_client.h"
#include "cli/cmd.h"
#include "cli/gui_forward.h"

#define GUI_PORT_DEFAULT 8400

static void gui_usage(FILE *f)
{
    fprintf(f,
            "usage: minidc gui " API_TARGET_USAGE "\n"
            "                  [--port P] [--listen ADDR] [--no-token-in-url]\n\n"
            "Serves minidcd's web GUI to this machine's browser: the topology as a tree with\n"
            "each link's load, every server's CPU, memory and VMs, balancers and rewrites on\n"
            "their switches, the events as they come, and boot, migrate (drag a VM onto a\n"
            "server), clone and stop.  minidcd serves the page at / of its API address; a\n"
            "lab's API listens only inside the lab, so this forwards ADDR:P (default\n"
            "127.0.0.1:%d; --port 0: any free port) to it, prints the URL and serves\n"
            "until interrupted (Ctrl-C).\n\n"
            "The URL carries minidcd's API token after '#' (never sent to a server or kept\n"
            "in its logs); the page keeps it for the tab.  --no-token-in-url prints the bare\n"
            "URL: the page then asks for the token.  Anyone who can reach ADDR:P reaches\n"
            "the API as far as the token lets them: keep ADDR on loopback unless you mean\n"
            "it.\n",
            GUI_PORT_DEFAULT);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    event_base_loopbreak(arg);
}

static int parse_port(const char *s, uint16_t *port)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

/* minidcd answers, and takes the token: 0, else non-zero after saying why. */
static int check_api(const struct api_target *t)
{
    json_t *o = api_get(t, "/api/v1/status");
    if (!o)
        return 1;
    json_decref(o);
    return 0;
}

int cmd_gui(int argc, char **argv)
{
    enum { OPT_NO_TOKEN = 0x200 };
    static const struct option opts[] = {
        API_WHERE_OPTIONS,
        {"port", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'L'},
        {"no-token-in-url", no_argument, NULL, OPT_NO_TOKEN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct api_where where = {0};
    uint16_t port = GUI_PORT_DEFAULT;
    const char *listen = "127.0.0.1";
    bool token_in_url = true;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "l:a:p:h", opts, NULL)) != -1) {
        if (api_where_option(&where, c, optarg))
            continue;
        switch (c) {
        case 'p':
            if (parse_port(optarg, &port)) {
                fprintf(stderr, "minidc gui: --port takes 0 to 65535, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'L': {
            struct in_addr a;
            if (inet_pton(AF_INET, optarg, &a) != 1) {
                fprintf(stderr, "minidc gui: --listen takes an IPv4 address, not '%s'\n", optarg);
                return 2;
            }
            listen = optarg;
            break;
        }
        case OPT_NO_TOKEN:
            token_in_url = false;
            break;
        case 'h':
            gui_usage(stdout);
            return 0;
        default:
            gui_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "minidc gui: unexpected '%s'\n", argv[optind]);
        gui_usage(stderr);
        return 2;
    }
    struct api_target t;
    int rc = api_target_find(&t, &where);
    if (rc)
        return rc;
    if (check_api(&t)) {
        api_target_free(&t);
        return 1;
    }
    struct event_base *base = event_base_new();
    char err[256];
    struct fwd_to to = {.netns = t.netns, .addr = t.addr, .port = t.port};
    struct fwd *f = base ? fwd_create(base, listen, port, &to, err, sizeof err) : NULL;
    if (!f) {
        fprintf(stderr, "minidc gui: %s%s\n", base ? err : "no event loop",
                port ? " (another `minidc gui`? give another --port, or 0 for any)" : "");
        if (base)
            event_base_free(base);
        api_target_free(&t);
        return 1;
    }
    struct event *sigs[2] = {evsignal_new(base, SIGINT, on_signal, base),
                             evsignal_new(base, SIGTERM, on_signal, base)};
    for (int i = 0; i < 2; i++)
        event_add(sigs[i], NULL);
    signal(SIGPIPE, SIG_IGN);
    const char *scheme = t.tls_ca ? "https" : "http";
    printf("minidc gui: minidcd at %s:%u%s%s, for this machine's browser at\n", t.addr, t.port,
           t.netns ? " in namespace " : "", t.netns ? t.netns : "");
    if (token_in_url && t.token[0])
        printf("  %s://%s:%u/#token=%s\n", scheme, listen, fwd_port(f), t.token);
    else
        printf("  %s://%s:%u/\n", scheme, listen, fwd_port(f));
    if (t.tls_ca)
        printf("minidcd speaks HTTPS: its certificate is for %s, so the browser will warn "
               "about %s (trust its CA, %s, to go on)\n",
               t.addr, listen, t.tls_ca);
    if (strncmp(listen, "127.", 4))
        printf("listening on %s, not loopback: whoever reaches it reaches the API (with the "
               "token)\n",
               listen);
    printf("Ctrl-C stops.\n");
    fflush(stdout);
    event_base_dispatch(base);
    struct fwd_stats s = fwd_stats(f);
    printf("minidc gui: stopped; %lu connections forwarded (%lu could not reach minidcd), "
           "%llu bytes to minidcd, %llu back\n",
           s.accepted, s.failed, s.up, s.down);
    for (int i = 0; i < 2; i++)
        event_free(sigs[i]);
    fwd_destroy(f);
    event_base_free(base);
    api_target_free(&t);
    return 0;
}
