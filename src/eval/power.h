/* eval/power: a server's power at a CPU load, from a SPECpower table.
 *
 * The table is 11 points, watts at 0%, 10%, ..., 100% load (the topology's
 * servers[].power, topo_node.power_w); between two points the power is linear,
 * as CloudSim's PowerModelSpecPower.getPower() computes it.  Pure: no I/O. */
#ifndef MINIDC_EVAL_POWER_H
#define MINIDC_EVAL_POWER_H

#define EVAL_POWER_POINTS 11

/* Watts at load 'u' (CPU used over capacity): with i = floor(10 u),
 *   P(u) = points[i] + (points[i + 1] - points[i]) * (10 u - i),
 * and points[i] itself at a table point.  'u' is clamped to 0..1 first (a
 * measured load may pass 1; CloudSim refuses what is out of range), and a NaN
 * counts as 0. */
double eval_power(const double points[EVAL_POWER_POINTS], double u);

#endif
