/*
 * System calls without the C library: no errno written, no lock taken, no
 * thread-local storage touched. For code that runs in the listener's
 * memory beside it (supfast.c), where errno is the listener's own. Each
 * returns the kernel's value: the result, or -errno. Only where the
 * registers are known (RAWSYS is defined); elsewhere supfast.c is not used.
 */
#ifndef PEERRELAY_RAWSYS_H
#define PEERRELAY_RAWSYS_H

#include <sys/syscall.h>

#if defined(__x86_64__)
#define RAWSYS	1

static inline long
rawsys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long	 r10 __asm__("r10") = d;
	register long	 r8 __asm__("r8") = e;
	register long	 r9 __asm__("r9") = f;
	long		 ret;

	__asm__ volatile ("syscall"
	    : "=a"(ret)
	    : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	    : "rcx", "r11", "memory");
	return ret;
}

/*
 * clone(2) with flags, the child running fn(arg) on the stack whose top is
 * top (16-byte aligned) and exiting with what it returns; with
 * CLONE_PARENT_SETTID, its pid in *ptid before it runs. In the caller: the
 * child's pid, or -errno.
 */
static inline long
rawsys_clone(unsigned long flags, void *top, int *ptid, int (*fn)(void *),
    void *arg)
{
	register long	 r10 __asm__("r10") = 0;
	register long	 r8 __asm__("r8") = 0;
	void		**sp = top;
	long		 ret;

	*--sp = arg;
	*--sp = (void *)fn;
	__asm__ volatile (
	    "syscall\n\t"
	    "testq %%rax, %%rax\n\t"
	    "jnz 1f\n\t"
	    /* The child, on its stack: fn, then arg, popped. */
	    "xorl %%ebp, %%ebp\n\t"
	    "popq %%rax\n\t"
	    "popq %%rdi\n\t"
	    "callq *%%rax\n\t"
	    "movl %%eax, %%edi\n\t"
	    "movl %[exit], %%eax\n\t"
	    "syscall\n\t"
	    "hlt\n"
	    "1:"
	    : "=a"(ret)
	    : "0"((long)SYS_clone), "D"(flags), "S"(sp), "d"(ptid), "r"(r10),
	      "r"(r8), [exit] "i"(SYS_exit_group)
	    : "rcx", "r11", "memory");
	return ret;
}
#endif

#define rawsys0(n)		rawsys6((n), 0, 0, 0, 0, 0, 0)
#define rawsys1(n, a)		rawsys6((n), (long)(a), 0, 0, 0, 0, 0)
#define rawsys2(n, a, b)	rawsys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define rawsys3(n, a, b, c)	rawsys6((n), (long)(a), (long)(b), \
				    (long)(c), 0, 0, 0)
#define rawsys4(n, a, b, c, d)	rawsys6((n), (long)(a), (long)(b), \
				    (long)(c), (long)(d), 0, 0)
#define rawsys5(n, a, b, c, d, e) rawsys6((n), (long)(a), (long)(b), \
				    (long)(c), (long)(d), (long)(e), 0)

#endif
