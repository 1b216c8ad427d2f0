// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xrs/abi.h>
#include "vmm/xen/hcall.h"
#include "vmm/xen/runstate.h"
#include "vmm/xen/xen-vm.h"

#define WINDOW_SIZE	(2 * MEM_PAGE)

static uint64_t window_gpa(const struct xen_vcpu *v)
{
	return v->vm->windows_gpa + (uint64_t)v->id * WINDOW_SIZE;
}

/*
 * libxrs's mover (xrs_vm_set_area_mover): the guest pages under an area
 * onto the preemption source's map, so that its program flips the area at
 * the vCPU thread's preemption. libxrs calls it after a SET RUNSTATE_ADDR,
 * on that call's thread, no lock of its own held: here a vCPU's between
 * two KVM_RUNs (a task, its lock held), or the main thread's (a restore).
 * RAM only: a window's pages alias RAM pages, which are what the guest
 * reads, so mapping over the window would hide the area from it (the area
 * then stays there, unflipped, as libxrs does on any error).
 */
static int move_area_pages(void *opaque, struct xrs_vm *vm, const struct xrs_area_pages *p)
{
	struct xen_vm *x = opaque;
	uint32_t i;
	int r;

	if (!p->npages || !mem_ram(x->mem, p->gpa, (uint64_t)p->npages * MEM_PAGE))
		return -EOPNOTSUPP;
	/* A guest write between the copy and the map would be lost. */
	x->ops->hold(x, true);
	r = xrs_vm_move_area_pages(vm, p);
	/*
	 * Windows set from now on show the pages moved (one mover at a time:
	 * held). Room for libxrs's 256 moves, so never -ENOSPC.
	 */
	for (i = 0; !r && i < p->npages; i++)
		mem_note_moved(x->mem, p->gpa + i * MEM_PAGE, p->fd, p->offset + i * MEM_PAGE);
	x->ops->hold(x, false);
	return r;
}

static const struct xrs_area_mover area_mover = { .move = move_area_pages };

/*
 * Areas move only where the preemption source is loaded (on the user
 * backend): elsewhere there is no program to flip them.
 */
static int set_mover(struct xen_vm *x, struct vmm_err *e)
{
	const char *on = getenv("XRS_MOVE_AREAS");
	char src[96];
	int r;

	/*
	 * Off unless asked for (XRS_MOVE_AREAS=1): the hold keeps the vCPUs
	 * out of guest code, but not KVM's own writes of the pages it caches
	 * (vcpu_info, shared_info: event delivery, the Xen timer), and Linux
	 * may keep a CPU's vcpu_info in its area's page. A write between the
	 * copy and the map is lost; with the mover on, the sandbox's Linux
	 * boots stalled more often (docs/preempt-source.md).
	 */
	if (!on || strcmp(on, "1"))
		return 0;
	if (x->kernel_xen || xrs_vm_get_preempt_source(x->xrs, src, sizeof(src)) ||
	    strcmp(src, "bpf"))
		return 0;
	r = xrs_vm_set_area_mover(x->xrs, &area_mover, x);
	if (r)
		return err_set(e, r, "libxrs: the area mover: %s", xrs_strerror(r));
	x->moves_areas = true;
	return 0;
}

int runstate_vm_init(struct xen_vm *x, struct vmm_err *e)
{
	struct xrs_vm_params p = { .vm_fd = x->kvm->fd, .backend = x->backend };
	const struct mem_region *ram = mem_ram_region(x->mem), *win;
	struct xrs_vm_info info;
	int r;

	r = xrs_vm_create(&p, &x->xrs);
	if (r == -EOPNOTSUPP && x->backend == XRS_BACKEND_KERNEL)
		return err_set(e, r, "--backend kernel: this KVM has no "
			       "KVM_XEN_HVM_CONFIG_RUNSTATE (a kernel without CONFIG_KVM_XEN)");
	if (r)
		return err_set(e, r, "libxrs: %s", xrs_strerror(r));
	r = x->publish ? xrs_vm_publish(x->xrs, x->publish) : 0;
	if (r == -EEXIST)
		return err_set(e, r, "--publish: a running VM publishes '%s' already "
			       "(give this one another --name)", x->publish);
	if (r == -EOPNOTSUPP)
		return err_set(e, r, "--publish: the kernel backend keeps the accounting "
			       "in KVM; only the user backend publishes it");
	if (r)
		return err_set(e, r, "--publish: %s", xrs_strerror(r));
	if (xrs_check_extension(x->xrs, KVM_CAP_XEN_HVM) <= 0)
		return err_set(e, -EOPNOTSUPP,
			       "libxrs: no runstate support here (no schedstat run_delay?)");
	r = xrs_vm_get_info(x->xrs, &info);
	if (r)
		return err_set(e, r, "libxrs: %s", xrs_strerror(r));
	x->backend = info.backend;		/* what AUTO chose */
	x->kernel_xen = info.backend == XRS_BACKEND_KERNEL;

	r = mem_add_private(x->mem, "runstate windows", x->windows_gpa,
			    (uint64_t)x->nr_vcpus * WINDOW_SIZE, x->kernel_xen, e);
	if (r)
		return r;
	win = mem_region_at(x->mem, x->windows_gpa);
	x->windows = win->hva;
	if (!x->kernel_xen) {
		r = xrs_vm_map_memory(x->xrs, ram->gpa, ram->size, ram->hva);
		if (!r)
			r = xrs_vm_map_memory(x->xrs, win->gpa, win->size, win->hva);
		if (r)
			return err_set(e, r, "libxrs: map guest memory: %s", xrs_strerror(r));
	}
	return set_mover(x, e);
}

void runstate_vm_fini(struct xen_vm *x)
{
	xrs_vm_destroy(x->xrs);
	x->xrs = NULL;
}

int runstate_vcpu_init(struct xen_vcpu *v, struct vmm_err *e)
{
	struct xen_vm *x = v->vm;
	int r;

	v->rs.area_gpa = KVM_XEN_INVALID_GPA;
	if (!x->xrs)
		return 0;
	v->rs.window = x->windows + (uint64_t)v->id * WINDOW_SIZE;
	r = xrs_vcpu_create(x->xrs, v->id, v->cpu->fd, &v->rs.xrs);
	return r ? err_set(e, r, "libxrs vCPU %u: %s", v->id, xrs_strerror(r)) : 0;
}

void runstate_vcpu_fini(struct xen_vcpu *v)
{
	xrs_vcpu_destroy(v->rs.xrs);
	v->rs.xrs = NULL;
}

int runstate_bind(struct xen_vcpu *v)
{
	return v->rs.xrs ? xrs_vcpu_bind_thread(v->rs.xrs) : 0;
}

void runstate_enter(struct xen_vcpu *v)
{
	if (v->rs.xrs)
		xrs_vcpu_enter(v->rs.xrs);
}

void runstate_exit(struct xen_vcpu *v)
{
	if (v->rs.xrs)
		xrs_vcpu_exit(v->rs.xrs);
}

void runstate_set(struct xen_vcpu *v, uint32_t state)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };
	int r;

	if (!v->rs.xrs)
		return;
	a.u.runstate.state = state;
	r = xrs_vcpu_set_attr(v->rs.xrs, &a);
	if (r)
		xen_fail(v, "RUNSTATE_CURRENT %u: %s", state, xrs_strerror(r));
}

void runstate_book_to_now(struct xen_vcpu *v)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };

	if (v->rs.xrs && !xrs_vcpu_get_attr(v->rs.xrs, &a))
		runstate_set(v, (uint32_t)a.u.runstate.state);
}

int runstate_get(struct xen_vcpu *v, struct kvm_xen_vcpu_attr *d)
{
	memset(d, 0, sizeof(*d));
	d->type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	return v->rs.xrs ? xrs_vcpu_get_attr(v->rs.xrs, d) : -ENODEV;
}

int runstate_area_times(struct xen_vcpu *v, uint64_t times[4])
{
	const struct mem_region *r = mem_region_at(v->vm->mem, v->rs.area_gpa);
	bool lm = atomic_load(&v->vm->long_mode);
	uint64_t len = lm ? XRS_RUNSTATE_SIZE : XRS_RUNSTATE_SIZE_COMPAT;
	uint64_t off;

	if (v->rs.area_gpa == KVM_XEN_INVALID_GPA || !r)
		return -ENOENT;
	off = v->rs.area_gpa - r->gpa;
	if (off > r->size || r->size - off < len)
		return -ENOENT;		/* a layout that grew past its region */
	/* after state_entry_time; written on this thread (or by KVM, not now) */
	memcpy(times, r->hva + off + (lm ? XRS_RUNSTATE_TIMES_OFS : XRS_RUNSTATE_TIMES_OFS_COMPAT) +
	       sizeof(uint64_t), 4 * sizeof(uint64_t));
	return 0;
}

int runstate_set_long_mode(struct xen_vm *x, int long_mode)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };

	a.u.long_mode = (uint8_t)long_mode;
	return x->xrs ? xrs_vm_set_attr(x->xrs, &a) : 0;
}

/* SET RUNSTATE_ADDR for @t; on its thread, its lock held (task.h). */
static long set_area(struct xen_vcpu *t, uint64_t gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
	long r;

	a.u.gpa = gpa;
	r = xrs_vcpu_set_attr(t->rs.xrs, &a);
	t->rs.area_gpa = r ? KVM_XEN_INVALID_GPA : gpa;
	return r;
}

/*
 * Point @t's window at RAM pages @page1 and @page2, and its area into it.
 * Nothing writes through the window while it moves: the area is unset
 * first, which waits for a write in flight (libxrs's vCPU lock, KVM's page
 * cache lock). On its thread, its lock held.
 */
static long set_area_in_window(struct xen_vcpu *t, uint64_t page1, uint64_t page2,
			       uint64_t offset)
{
	struct guest_mem *gm = t->vm->mem;
	long r = set_area(t, KVM_XEN_INVALID_GPA);

	if (r)
		return r;
	if (mem_map_ram_page(gm, t->rs.window, page1) ||
	    mem_map_ram_page(gm, t->rs.window + MEM_PAGE, page2))
		return -XEN_EFAULT;
	t->rs.window_ram[0] = page1;
	t->rs.window_ram[1] = page2;
	return set_area(t, window_gpa(t) + offset);
}

/* Where a registration puts @t's area: at @gpa, or in its window. */
struct area_req {
	bool window;
	uint64_t gpa;			/* !window: the area, or KVM_XEN_INVALID_GPA */
	uint64_t page[2], offset;	/* window: its RAM pages, and where in them */
};

static int set_area_task(struct xen_vcpu *t, void *arg)
{
	const struct area_req *q = arg;

	return (int)(q->window ? set_area_in_window(t, q->page[0], q->page[1], q->offset) :
				 set_area(t, q->gpa));
}

int runstate_save_vm(struct xen_vm *x, bool *long_mode, bool *update_flag)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	int r;

	*long_mode = *update_flag = false;
	if (!x->xrs)
		return 0;
	r = xrs_vm_get_attr(x->xrs, &a);
	*long_mode = a.u.long_mode;
	a.type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG;
	if (!r)
		r = xrs_vm_get_attr(x->xrs, &a);
	*update_flag = XRS_HVM_ATTR_UPDATE_FLAG(&a);
	return r;
}

int runstate_save_vcpu(struct xen_vcpu *v, struct xen_runstate_saved *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->area_gpa = KVM_XEN_INVALID_GPA;
	if (!v->rs.xrs)
		return 0;
	runstate_book_to_now(v);
	r = runstate_get(v, &out->data);
	if (r)
		return r;
	/* Not running while it moves: QEMU saves a running vCPU as runnable. */
	if (out->data.u.runstate.state == XRS_RUNSTATE_RUNNING)
		out->data.u.runstate.state = XRS_RUNSTATE_RUNNABLE;
	out->area_gpa = v->rs.area_gpa;
	if (mem_region_at(v->vm->mem, v->rs.area_gpa) != mem_ram_region(v->vm->mem))
		memcpy(out->window_ram, v->rs.window_ram, sizeof(out->window_ram));
	return 0;
}

int runstate_restore_vm(struct xen_vm *x, bool long_mode, bool update_flag)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };
	int r;

	if (!x->xrs)
		return 0;
	r = runstate_set_long_mode(x, long_mode);
	XRS_HVM_ATTR_UPDATE_FLAG(&a) = update_flag;
	return r ? r : xrs_vm_set_attr(x->xrs, &a);
}

int runstate_restore_vcpu(struct xen_vcpu *v, const struct xen_runstate_saved *in)
{
	struct area_req q = {
		.window = in->window_ram[0] || in->window_ram[1], .gpa = in->area_gpa,
		.page = { in->window_ram[0], in->window_ram[1] },
		.offset = in->area_gpa & (MEM_PAGE - 1),
	};
	int r;

	if (!v->rs.xrs)
		return 0;
	r = xrs_vcpu_set_attr(v->rs.xrs, &in->data);
	if (r || in->area_gpa == KVM_XEN_INVALID_GPA)
		return r;
	return xen_run_on(NULL, v, set_area_task, &q);
}

static uint32_t area_len(const struct hcall *h)
{
	return h->lm ? XRS_RUNSTATE_SIZE : XRS_RUNSTATE_SIZE_COMPAT;
}

static uint64_t page_of(uint64_t a)
{
	return a & ~(uint64_t)(MEM_PAGE - 1);
}

/* A guest address's RAM page through the caller's page tables, or -XEN_EFAULT. */
static long ram_page_of_va(struct hcall *h, uint64_t va, uint64_t *gpa)
{
	if (kvm_cpu_translate(h->v->cpu, va, gpa) || !mem_ram(h->v->vm->mem, page_of(*gpa),
								MEM_PAGE))
		return -XEN_EFAULT;
	return 0;
}

/* VCPUOP_register_runstate_memory_area: a guest virtual address. */
long runstate_register_va(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	struct area_req q = { .gpa = KVM_XEN_INVALID_GPA };	/* va 0: unregister */
	uint64_t va, gpa2;
	long r;

	if (hcall_read(h, arg, &va, sizeof(va)))
		return -XEN_EFAULT;
	if (!h->lm)
		va = (uint32_t)va;	/* a 32-bit guest fills the pointer half */
	if (va) {
		q.offset = va & (MEM_PAGE - 1);
		r = ram_page_of_va(h, va, &q.gpa);
		if (r)
			return r;
	}
	if (va && q.offset + area_len(h) > MEM_PAGE) {
		/* It crosses a page: translate the second one on its own. */
		r = ram_page_of_va(h, page_of(va) + MEM_PAGE, &gpa2);
		if (r)
			return r;
		if (page_of(gpa2) != page_of(q.gpa) + MEM_PAGE) {
			q.window = true;
			q.page[0] = page_of(q.gpa);
			q.page[1] = page_of(gpa2);
		}
	}
	return xen_run_on(h->v, t, set_area_task, &q);
}

/*
 * VCPUOP_register_runstate_phys_area (Xen 4.18): a guest physical address,
 * which must be RAM, as much of it as the area's layout covers.
 */
long runstate_register_pa(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	struct area_req q;

	if (hcall_read(h, arg, &q.gpa, sizeof(q.gpa)))
		return -XEN_EFAULT;
	if (q.gpa != ~0ull && !mem_ram(h->v->vm->mem, q.gpa, area_len(h)))
		return -XEN_EFAULT;
	q.window = false;
	if (q.gpa == ~0ull)
		q.gpa = KVM_XEN_INVALID_GPA;
	return xen_run_on(h->v, t, set_area_task, &q);
}

static int get_task(struct xen_vcpu *t, void *arg)
{
	return runstate_get(t, arg);
}

/* VCPUOP_get_runstate_info: the area's contents, written where the guest asks. */
long runstate_get_info(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	uint8_t img[XRS_RUNSTATE_SIZE] = { 0 };
	unsigned int ofs = h->lm ? XRS_RUNSTATE_TIMES_OFS : XRS_RUNSTATE_TIMES_OFS_COMPAT;
	struct kvm_xen_vcpu_attr d;
	int32_t state;

	if (xen_run_on(h->v, t, get_task, &d))
		return -XEN_EINVAL;
	state = (int32_t)d.u.runstate.state;
	memcpy(img, &state, sizeof(state));
	memcpy(img + ofs, &d.u.runstate.state_entry_time, 5 * sizeof(uint64_t));
	return hcall_write(h, arg, img, ofs + 5 * sizeof(uint64_t));
}

/* HYPERVISOR_vm_assist(cmd, VMASST_TYPE_runstate_update_flag), where granted. */
long runstate_vm_assist(struct hcall *h)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };
	uint64_t cmd = hcall_arg(h, 0), type = hcall_arg(h, 1);
	struct xen_vm *x = h->v->vm;

	if (type != VMASST_TYPE_runstate_update_flag || !x->xrs || !x->update_flag ||
	    (cmd != VMASST_CMD_enable && cmd != VMASST_CMD_disable))
		return -XEN_EINVAL;
	XRS_HVM_ATTR_UPDATE_FLAG(&a) = cmd == VMASST_CMD_enable;
	return xrs_vm_set_attr(x->xrs, &a) ? -XEN_EINVAL : 0;
}
