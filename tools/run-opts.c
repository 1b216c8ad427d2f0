// SPDX-License-Identifier: MIT
/* xrs run's options: parsed, and checked before any KVM. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tools/options.h"
#include "tools/run-opts.h"
#include "util/stats-name.h"
#include "vmm/pc/layout.h"
#include "vmm/pc/mptable.h"
#include "vmm/pc/pc.h"
#include "vmm/vmm.h"

static int usage(FILE *f, int status)
{
	fprintf(f,
		"usage: xrs run [OPTIONS]\n\n"
		"Run a KVM VM whose Xen guests register and read their own runstate areas,\n"
		"with libxrs accounting running/runnable/blocked/offline as KVM would.\n\n"
		"  --vcpus N            vCPUs, 1-1024, one host thread each (4)\n"
		"  --guest 64|32        64-bit long mode or 32-bit protected mode guests (64)\n"
		"  --workload NAME      mixed, spin, exits or idle (mixed)\n"
		"  --seconds S          how long to run (5)\n"
		"  --mem MiB            guest RAM (just enough for the vCPUs; --kernel: 256)\n"
		"  --update-flag on|off grant the guests XEN_RUNSTATE_UPDATE, so they also\n"
		"                       read other vCPUs' areas (on)\n"
		"  --pin CPULIST        host CPUs for the vCPU threads, e.g. 0 or 0-1,3;\n"
		"                       vCPU i runs on the (i mod n)-th\n"
		"  --interval S         print the table every S seconds too (0: at the end only)\n"
		"  --json               JSON lines instead of tables (docs/json.md)\n"
		"  --name NAME          the VM's name in the output (xrs)\n"
		"  --backend user|kernel|auto  libxrs's accounting, KVM's own, or KVM's where\n"
		"                       it has it (user)\n"
		"  --no-runstate        no accounting at all (a baseline for measurements)\n"
		"  --no-run-hooks       accounting set up, but libxrs not called around\n"
		"                       KVM_RUN: a baseline for what libxrs alone costs\n"
		"                       (its figures stop at the first update)\n"
		"  --witness            guests also enable KVM's steal-time MSR; its steal is\n"
		"                       shown beside runnable\n"
		"  --refresh-ms N       kick a vCPU that stayed in KVM_RUN N ms (0: never)\n"
		"                       (10; --kernel: 100)\n"
		"  --running N          only the first N vCPUs run the workload; the others\n"
		"                       register their areas and stay offline (all)\n"
		"  --save-restore-at S  at S seconds, pause the VM, save it with its runstate\n"
		"                       and KVM clock, and go on in a new VM restored from it\n"
		"  --restore-clock behind|ahead  the new VM's own clock before the restore:\n"
		"                       fresh, so behind the saved one, or an hour ahead\n"
		"                       (behind)\n"
		"  --publish            publish the accounting as --name for xrs list, stat,\n"
		"                       top, export and timeline (in $XRS_RUN_DIR, /run/xrs)\n"
		"  --publish-linger S   keep it published S seconds after the final table (0)\n"
		"  --kernel BZIMAGE     boot this Linux kernel instead of the test guests, as a\n"
		"                       Xen HVM guest whose steal is --backend's runstate\n"
		"                       (--no-runstate: a plain PC); its ttyS0 is this\n"
		"                       output; it ends when the guest reboots\n"
		"                       (exit 0), panics or triple-faults (1), or at --seconds\n"
		"                       (given: 1); up to 254 vCPUs and 3072 MiB\n"
		"  --initrd FILE        the initramfs for --kernel\n"
		"  --cmdline STR        its command line (" PC_CMDLINE_DEFAULT ")\n\n"
		"Exit status: 0, 1 if a guest or host check failed, 2 for bad options.\n");
	return status;
}

/* A bad option or combination: one line, status 2 (options.h). */
#define bad(opt, ...)	opts_fail("run", opt, __VA_ARGS__)

/* "0", "0-3", "0,2,4-5": host CPUs that exist. */
static int parse_cpulist(const char *s, struct vmm_config *cfg, const char **why)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	const char *p = s;

	cfg->nr_pin = 0;
	while (*p) {
		char *end;
		long a, b;

		if (*p < '0' || *p > '9')
			return *why = "expected a CPU number", -1;
		a = strtol(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return *why = "expected a CPU number after '-'", -1;
			b = strtol(end + 1, &end, 10);
		}
		if (b < a)
			return *why = "a range runs backwards", -1;
		if (b >= ncpu)
			return *why = "no such CPU on this host", -1;
		for (; a <= b; a++) {
			if (cfg->nr_pin >= (int)(sizeof(cfg->pin) / sizeof(cfg->pin[0])))
				return *why = "more than 64 CPUs", -1;
			cfg->pin[cfg->nr_pin++] = (int)a;
		}
		if (*end == ',')
			end++;
		else if (*end)
			return *why = "expected ',' or '-'", -1;
		p = end;
	}
	if (!cfg->nr_pin)
		return *why = "empty", -1;
	return 0;
}

static int parse_publish(struct run_opts *o)
{
	if (o->publish && !o->cfg.runstate)
		return bad("--publish", "needs the runstate (not --no-runstate)");
	if (o->publish && !stats_name_valid(o->name))
		return bad("--publish", "the --name '%s' is not one to publish (%s)", o->name,
			   STATS_NAME_RULE);
	if (o->linger && !o->publish)
		return bad("--publish-linger", "needs --publish");
	/* libxrs would refuse it only once the VM exists: said here, before any KVM */
	if (o->publish && opts_run_dir("run"))
		return OPTS_STATUS;
	if (o->publish)
		o->cfg.publish = o->name;
	return 0;
}

/*
 * --kernel: a PC board for an unmodified Linux, its files and sizes
 * checked here, before anything asks KVM.
 */
static int parse_kernel(struct run_opts *o)
{
	char why[256];
	int r;

	if (o->cfg.nr_vcpus > MPTABLE_MAX_VCPUS)
		return bad("--vcpus", "%u: a PC has 1 to %u", o->cfg.nr_vcpus, MPTABLE_MAX_VCPUS);
	if (o->cfg.nr_running || o->cfg.bits != GUEST_64 || o->cfg.witness ||
	    o->cfg.workload != VMM_WL_MIXED)
		return bad("--kernel", "runs Linux: --running, --guest, --witness and "
			   "--workload are for the test guests");
	o->cfg.board = VMM_BOARD_PC;
	o->cfg.ram_mib = o->mem_mib ? o->mem_mib : PC_RAM_MIB_DEFAULT;
	o->cfg.hooks = NULL;		/* the checks read the test guests' reports */
	o->cfg.console = stdout;
	if (!o->refresh_given)
		o->cfg.refresh_ms = PC_REFRESH_MS_DEFAULT;
	if (!o->seconds_given)
		o->seconds = INFINITY;	/* until the guest ends it */
	if (!o->cmdline)
		o->cmdline = PC_CMDLINE_DEFAULT;
	r = linux_image_load(&o->image, o->kernel, o->initrd, o->cmdline, o->cfg.ram_mib << 20,
			     why, sizeof(why));
	if (r) {
		fprintf(stderr, "xrs run: %s\n", why);	/* it names the file or option */
		return 2;
	}
	o->cfg.image = &o->image;
	return parse_publish(o);
}

int run_parse(int argc, char **argv, struct run_opts *o)
{
	enum { O_VCPUS = 256, O_GUEST, O_WORKLOAD, O_SECONDS, O_MEM, O_FLAG, O_PIN,
	       O_INTERVAL, O_JSON, O_NAME, O_BACKEND, O_NORS, O_NOHOOKS, O_WITNESS, O_REFRESH, O_RUNNING,
	       O_SAVE_AT, O_RESTORE_CLOCK, O_PUBLISH, O_LINGER, O_KERNEL, O_INITRD, O_CMDLINE,
	       O_HELP };
	static const struct option opts[] = {
		{ "vcpus", required_argument, 0, O_VCPUS },
		{ "guest", required_argument, 0, O_GUEST },
		{ "workload", required_argument, 0, O_WORKLOAD },
		{ "seconds", required_argument, 0, O_SECONDS },
		{ "mem", required_argument, 0, O_MEM },
		{ "update-flag", required_argument, 0, O_FLAG },
		{ "pin", required_argument, 0, O_PIN },
		{ "interval", required_argument, 0, O_INTERVAL },
		{ "json", no_argument, 0, O_JSON },
		{ "name", required_argument, 0, O_NAME },
		{ "backend", required_argument, 0, O_BACKEND },
		{ "no-runstate", no_argument, 0, O_NORS },
		{ "no-run-hooks", no_argument, 0, O_NOHOOKS },
		{ "witness", no_argument, 0, O_WITNESS },
		{ "refresh-ms", required_argument, 0, O_REFRESH },
		{ "running", required_argument, 0, O_RUNNING },
		{ "save-restore-at", required_argument, 0, O_SAVE_AT },
		{ "restore-clock", required_argument, 0, O_RESTORE_CLOCK },
		{ "publish", no_argument, 0, O_PUBLISH },
		{ "publish-linger", required_argument, 0, O_LINGER },
		{ "kernel", required_argument, 0, O_KERNEL },
		{ "initrd", required_argument, 0, O_INITRD },
		{ "cmdline", required_argument, 0, O_CMDLINE },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	static const char *const guests[] = { "64", "32" };
	static const char *const workloads[] = { "mixed", "spin", "exits", "idle" };
	static const enum vmm_workload workload_of[] = {
		VMM_WL_MIXED, VMM_WL_SPIN, VMM_WL_EXITS, VMM_WL_IDLE,
	};
	static const char *const on_off[] = { "on", "off" };
	static const char *const backends[] = { "user", "kernel", "auto" };
	static const enum xrs_backend backend_of[] = {
		XRS_BACKEND_USER, XRS_BACKEND_KERNEL, XRS_BACKEND_AUTO,
	};
	static const char *const clocks[] = { "behind", "ahead" };
	struct opts op;
	uint64_t n;
	const char *why;
	int c, k;

#define CHOICE(names)	((k = opts_choice(&op, names, sizeof(names) / sizeof(names[0]))) < 0)
	opts_init(&op, "run", argc, argv, "", opts);
	while ((c = opts_next(&op)) != -1) {
		const char *arg = op.arg;

		switch (c) {
		case O_VCPUS:
			if (opts_count(&op, 1, VMM_MAX_VCPUS, &n))
				return OPTS_STATUS;
			o->cfg.nr_vcpus = (uint32_t)n;
			break;
		case O_GUEST:
			if (CHOICE(guests))
				return OPTS_STATUS;
			o->cfg.bits = k == 0 ? GUEST_64 : GUEST_32;
			break;
		case O_WORKLOAD:
			if (CHOICE(workloads))
				return OPTS_STATUS;
			o->cfg.workload = workload_of[k];
			break;
		case O_SECONDS:
			if (opts_seconds(&op, 0.01, 86400, &o->seconds))
				return OPTS_STATUS;
			o->seconds_given = true;
			break;
		case O_MEM:
			if (opts_count(&op, 1, KB_RAM_MAX >> 20, &o->mem_mib))
				return OPTS_STATUS;
			break;
		case O_FLAG:
			if (CHOICE(on_off))
				return OPTS_STATUS;
			o->cfg.update_flag = k == 0;
			break;
		case O_PIN:
			if (parse_cpulist(arg, &o->cfg, &why))
				return opts_bad_value(&op, why, NULL);
			break;
		case O_INTERVAL:
			if (opts_seconds(&op, 0, 86400, &o->interval))
				return OPTS_STATUS;
			if (o->interval > 0 && o->interval < 0.01)
				return opts_bad_value(&op, "out of range", "0, or 0.01 to 86400 s");
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_NAME:
			if (!*arg || strlen(arg) > 64)
				return opts_bad_value(&op, "not a name", "1 to 64 characters");
			o->name = arg;
			break;
		case O_BACKEND:
			if (CHOICE(backends))
				return OPTS_STATUS;
			o->cfg.backend = backend_of[k];
			break;
		case O_NORS:
			o->cfg.runstate = false;
			break;
		case O_NOHOOKS:
			o->cfg.no_run_hooks = true;
			break;
		case O_RUNNING:
			if (opts_count(&op, 1, VMM_MAX_VCPUS, &n))
				return OPTS_STATUS;
			o->cfg.nr_running = (uint32_t)n;
			break;
		case O_WITNESS:
			o->cfg.witness = true;
			break;
		case O_PUBLISH:
			o->publish = true;
			break;
		case O_KERNEL:
			o->kernel = arg;
			break;
		case O_INITRD:
			o->initrd = arg;
			break;
		case O_CMDLINE:
			o->cmdline = arg;
			break;
		case O_LINGER:
			if (opts_seconds(&op, 0, 3600, &o->linger))
				return OPTS_STATUS;
			break;
		case O_SAVE_AT:
			if (opts_seconds(&op, 0.01, 86400, &o->save_at))
				return OPTS_STATUS;
			break;
		case O_RESTORE_CLOCK:
			if (CHOICE(clocks))
				return OPTS_STATUS;
			o->restore_ahead = k == 1;
			break;
		case O_REFRESH:
			if (opts_count(&op, 0, 60000, &n))
				return OPTS_STATUS;
			o->cfg.refresh_ms = (uint32_t)n;
			o->refresh_given = true;
			break;
		case O_HELP:
			exit(usage(stdout, 0));
		default:
			return OPTS_STATUS;
		}
	}
#undef CHOICE
	if (opts_operands(&op, 0, 0, NULL))
		return OPTS_STATUS;
	if (o->cfg.no_run_hooks && !o->cfg.runstate)
		return bad("--no-run-hooks", "needs the runstate (not --no-runstate)");
	if ((o->initrd || o->cmdline) && !o->kernel)
		return bad(o->initrd ? "--initrd" : "--cmdline", "goes with --kernel");
	if (o->kernel)
		return parse_kernel(o);
	if (o->mem_mib > VMM_TESTBOX_RAM_MAX >> 20)
		return bad("--mem", "%llu MiB: the test guests map at most %llu",
			   (unsigned long long)o->mem_mib, VMM_TESTBOX_RAM_MAX >> 20);
	if (o->mem_mib) {
		uint64_t min = vmm_ram_min(o->cfg.nr_vcpus);

		if (o->mem_mib << 20 < min)
			return bad("--mem", "%llu MiB is too little for %u vCPUs (at least %llu)",
				   (unsigned long long)o->mem_mib, o->cfg.nr_vcpus,
				   (unsigned long long)((min + (1u << 20) - 1) >> 20));
		o->cfg.ram_mib = o->mem_mib;
	}
	if (o->cfg.nr_running > o->cfg.nr_vcpus)
		return bad("--running", "%u is more than the %u vCPUs", o->cfg.nr_running,
			   o->cfg.nr_vcpus);
	if (o->save_at && o->save_at >= o->seconds)
		return bad("--save-restore-at", "%g s is not before the end of the run (%g s)",
			   o->save_at, o->seconds);
	if (o->save_at && !o->cfg.runstate)
		return bad("--save-restore-at", "needs the runstate (not --no-runstate)");
	return parse_publish(o);
}
