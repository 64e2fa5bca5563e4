/* sim_preset: the simulator's named server and VM types, the PlanetLab
 * preset, the initial placement and generated traces.
 *
 * The types are those of CloudSim's PlanetLab experiments (Beloglazov and
 * Buyya, CCPE 2012; org/cloudbus/cloudsim/examples/power/Constants.java),
 * with CPU in host CPUs of 1000 MIPS (CloudSim counts MIPS):
 *
 *   hp-ml110-g4   2 cores of 1860 MIPS: 3.72, 4096 MiB, 1 Gbit/s, its
 *                 SPECpower table (86 ... 117 W)
 *   hp-ml110-g5   2 cores of 2660 MIPS: 5.32, 4096 MiB, 1 Gbit/s (93.7 ...
 *                 135 W)
 *
 * and three larger servers, with the SPECpower tables of CloudSim's power
 * models (org/cloudbus/cloudsim/power/models/PowerModelSpecPowerIbm*.java,
 * from SPECpower_ssj2008 results 20091104-00213, 20100315-00239 and
 * 20110406-00368), for data centers of 10 VMs a server:
 *
 *   ibm-x3250-x3470  1 x Xeon X3470, 4 cores of 2933 MIPS: 11.732, 8 GiB
 *                    (41.6 ... 113 W)
 *   ibm-x3550-x5670  2 x Xeon X5670, 12 cores of 2933 MIPS: 35.196, 12 GiB
 *                    (66 ... 247 W)
 *   ibm-x3550-x5675  2 x Xeon X5675, 12 cores of 3067 MIPS: 36.804, 16 GiB
 *                    (58.4 ... 222 W)
 *
 * each with a 1 Gbit/s link (CloudSim's HOST_BW);
 *   high-cpu      2500 MIPS: 2.5, 1 core, 870 MiB (EC2's High-CPU Medium)
 *   extra-large   2.0, 1 core, 1740 MiB (EC2's Extra Large, as CloudSim
 *                 sizes it)
 *   small         1.0, 1 core, 1740 MiB
 *   micro         0.5, 1 core, 613 MiB
 *
 * Pure: no I/O. */
#ifndef MINIDC_SIM_SIM_PRESET_H
#define MINIDC_SIM_SIM_PRESET_H

#include <stddef.h>

#include "sim/sim.h"

/* The named types, or NULL. */
const struct sim_host_type *sim_host_type_find(const char *name);
const struct sim_vm_type *sim_vm_type_find(const char *name);
/* Their names, ", "-separated (for messages and --help). */
const char *sim_host_type_names(void);
const char *sim_vm_type_names(void);

/* The PlanetLab preset's servers: 800, hp-ml110-g4 and hp-ml110-g5 in
 * turn (CloudSim's host i is of type i % 2). */
#define SIM_PLANETLAB_HOSTS 800
#define SIM_PLANETLAB_INTERVAL_S 300.0
#define SIM_PLANETLAB_DURATION_S 86400.0
/* The type of VM 'i' of 'n': CloudSim's four types in four blocks (i /
 * ceil(n / 4)): high-cpu, extra-large, small, micro. */
const struct sim_vm_type *sim_planetlab_vm_type(size_t i, size_t n);

/* CloudSim's placement at time 0: each VM in turn (no sorting) to the
 * server whose power rises least when it gets the VM's whole allocation
 * (P((allocated + the VM's) / capacity) - P(0) of its table; ties to the
 * first), among those with the memory, the CPU (allocations together
 * within capacity) and a core fast enough for each of its vCPUs, and, for a
 * server that holds a VM already, the allocations within 'threshold' of
 * its capacity (CloudSim's overload check at placement; the static 0.8 of
 * THR).  Writes each VM's 'host'.  0; or -1 with the first VM that fits
 * nowhere in 'err'. */
int sim_place_initial(const struct sim_host *hosts, size_t n_hosts, struct sim_vm *vms,
                      size_t n_vms, double threshold, char *err, size_t errlen);

/* A generated trace of 'n' samples (0..1) for VM 'vm' of a workload drawn
 * from 'seed': a level of 5 to 60% drawn per VM and a random walk of +-10
 * points a sample around it, within 0..100%; the same for the same seed
 * and VM. */
void sim_synthetic_trace(unsigned long seed, size_t vm, double *out, size_t n);

#endif
