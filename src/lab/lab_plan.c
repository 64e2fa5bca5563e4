/* Running the lab's steps with progress lines, and fault injection for tests.
 *
 * MINIDC_FAULT=lab-up:ID makes step ID fail as if its command had failed, so
 * tests can check that a failure half-way leaves nothing behind;
 * MINIDC_FAULT=lab-crash:ID ends the process at once before step ID, as a
 * crash or a kill -9 would, so tests can check that `lab down` still cleans
 * up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab_priv.h"
#include "util/log.h"
#include "util/proc.h"

LOG_MODULE("lab");

static bool fault_at(const char *kind, const char *id)
{
    const char *f = getenv("MINIDC_FAULT");
    size_t n = strlen(kind);
    return f && !strncmp(f, kind, n) && f[n] == ':' && !strcmp(f + n + 1, id);
}

int lab_run_steps(struct lab_ctx *ctx, const struct lab_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct lab_step *s = &steps[i];
        double t0 = proc_now();
        char *detail = NULL;
        int rc;
        if (fault_at("lab-crash", s->id))
            _exit(99);
        if (fault_at("lab-up", s->id)) {
            LOG_ERR_("step '%s' failed: fault injected by MINIDC_FAULT", s->id);
            rc = -1;
        } else {
            rc = s->run(ctx, &detail);
        }
        /* One line per step, written when it ends, so that a step's own
         * error messages never break a progress line in two. */
        if (!ctx->quiet)
            fprintf(stderr, "[%zu/%zu] %-34s %-24s %6.2f s\n", i + 1, n, s->what,
                    rc       ? "FAILED"
                    : detail ? detail
                             : "done",
                    proc_now() - t0);
        free(detail);
        if (rc != 0)
            return -1;
    }
    return 0;
}
