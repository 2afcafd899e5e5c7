// SPDX-License-Identifier: GPL-2.0
/*
 * irq_sim as a loadable module, for gpio-sim on kernels built without
 * CONFIG_IRQ_SIM (Debian's). irq_sim_kernel.c is the kernel's own
 * kernel/irq/irq_sim.c from the matching linux-source package, with one call
 * changed by prepare.sh: irq_to_desc() is not exported to modules, so
 * handle_simple_irq(irq_to_desc(n)) becomes generic_handle_irq(n), which
 * reaches the same handler through the descriptor irq_sim itself set up.
 */
#include "irq_sim_kernel.c"
#include <linux/module.h>

MODULE_DESCRIPTION("interrupt simulator (out-of-tree build for picam HIL tests)");
MODULE_LICENSE("GPL");
