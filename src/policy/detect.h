/* detect: is a server overloaded?  The five detectors of Beloglazov &
 * Buyya, "Optimal online deterministic algorithms and adaptive heuristics
 * for energy and performance efficient dynamic consolidation of virtual
 * machines in cloud data centers" (CCPE 2012), as CloudSim implements them:
 *
 *   THR  utilisation now > threshold
 *   IQR  utilisation now > 1 - safety x IQR(history)
 *   MAD  utilisation now > 1 - safety x MAD(history)
 *   LR   safety x the utilisation local regression predicts for when a
 *        migration off the server would end >= 1
 *   LRR  the same with a robust local regression (a bisquare step)
 *
 * IQR and MAD look at the last DET_WINDOW values of the history and need
 * DET_MIN_SPREAD of them; LR and LRR fit the last DET_LR_POINTS; with fewer
 * each falls back to THR (CloudSim's fallback policy), as does LR when its
 * line is not determined.
 *
 * Where CloudSim and the paper part, the paper is followed and the code
 * says so: LR's tricube weights are the paper's (newest value 1, oldest
 * 0; CloudSim computes their reciprocals and, since none is <= 0, then fits
 * unweighted), and the window is the newest values (CloudSim 7's history
 * is oldest first but its LR reverses the first 10 as if newest first).
 *
 * Pure: no I/O, no allocation. */
#ifndef MINIDC_POLICY_DETECT_H
#define MINIDC_POLICY_DETECT_H

#include <stdbool.h>
#include <stddef.h>

/* Values of history a detector looks at: CloudSim's HISTORY_LENGTH. */
#define DET_WINDOW 30
/* IQR and MAD with fewer values fall back to THR ("12 has been suggested
 * as a safe value", CloudSim). */
#define DET_MIN_SPREAD 12
/* LR and LRR fit this many values, and with fewer fall back to THR. */
#define DET_LR_POINTS 10
/* The link a server with an unlimited one (link_mbit 0) is taken to have,
 * for LR's migration time: 1 Gbit/s, the emulated data network's speed. */
#define DET_DEFAULT_LINK_MBIT 1000.0

enum det_kind { DET_THR, DET_IQR, DET_MAD, DET_LR, DET_LRR };

struct detector {
    enum det_kind kind;
    double threshold; /* THR, and every detector's fallback */
    double safety;    /* IQR, MAD, LR, LRR */
};

/* What a detector looks at: a server as the plan leaves it. */
struct det_input {
    double u;           /* utilisation now: cpu used / cpu capacity */
    const double *hist; /* the utilisation history, oldest first (values < 0 count as 0) */
    size_t n;
    double migration_s; /* LR: the longest migration of a VM off the server */
    double interval_s;  /* LR: seconds between two values of the history */
};

struct det_result {
    bool overloaded;
    enum det_kind used; /* the detector that decided: THR after a fallback */
    double value;       /* the utilisation compared (THR, IQR, MAD), the prediction (LR) */
    double limit;       /* the threshold it was compared with (LR: 1 / safety) */
    double spread;      /* IQR: the IQR; MAD: the MAD */
    double rounds;      /* LR: how many rounds ahead it predicted */
    size_t n;           /* values of history it had (at most DET_WINDOW) */
};

/* Runs detector 'd' on 'in'; fills 'r' (may be NULL) and says whether the
 * server is overloaded. */
bool det_check(const struct detector *d, const struct det_input *in, struct det_result *r);

/* A line saying what 'r' found: "utilisation 0.93 > threshold 0.80 (thr)". */
void det_describe(const struct detector *d, const struct det_result *r, char *buf, size_t len);

/* "thr", "iqr", "mad", "lr", "lrr". */
const char *det_name(enum det_kind k);

/* Seconds a migration of 'memory_mib' takes over a link of 'link_mbit'
 * (0: not limited, DET_DEFAULT_LINK_MBIT) when, as CloudSim assumes, half
 * of the link carries it. */
double det_migration_s(double memory_mib, double link_mbit);

#endif
