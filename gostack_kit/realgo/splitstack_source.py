# ruff: noqa: E501  (C and Go program text: its lines are the programs' own)
"""Source text of the split-stack probes (C for gcc -fsplit-stack, Go for gccgo).

Four programs, each a template that realgo/splitstack.py fills in and builds:

    C_PROBE      a table of functions f0..fK with `char buf[size]` locals; each records, at
                 every depth, its entry SP, %fs:0x70 and libgcc's current segment into
                 shared memory, then calls the next function of the plan. A forked child
                 runs the plans (in main or in a pthread of a chosen stack size), so a
                 child that dies on its guard page still leaves its records.
    GO_PROBE     the same recursion in gccgo, in a goroutine; GO_HELPER (C, split-stack)
                 records the caller's buffer address and segment.
    C_HOT/GO_HOT a caller at each depth calls h() in a timed loop: ns per iteration, and
                 whether h ran on another segment than its caller (the hot split).

Every probe touches the lowest byte of its frame first (`movb $0,(%rsp)` in C), so a frame
that reaches the guard page faults in that very call. Records use no stack of their own:
they are written to static or shared memory.
"""

C_PROBE = r"""/* Split-stack probe: records, at every depth, the entry SP, the segment and the limit. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct seg { void *prev, *next; size_t size; void *old_stack; void *d1, *d2, *extra; };
struct isp { void *sp; size_t len; };
extern __thread struct seg *__morestack_current_segment;
extern __thread struct isp __morestack_initial_sp;
extern void __splitstack_block_signals(int *, int *);

#define MAXREC 200000
struct rec { int32_t descent, depth, fn, pad; uint64_t entry, seg, limit, segsize; };
struct shared {
  uint64_t lowest, limit0, init_sp, init_len, stack_lo, stack_size, guard, nrec, done;
  struct rec r[MAXREC];
};
static struct shared *sh;
static int *plan; static int plan_len; static int cur_descent;

static inline uint64_t limit_now(void) { uint64_t v; __asm__ volatile("movq %%fs:0x70,%0" : "=r"(v)); return v; }

#define BODY(K, N) \
  void f##K(int d) { \
    volatile char buf[N]; \
    __asm__ volatile("movb $0,(%%rsp)" ::: "memory"); \
    uint64_t n = sh->nrec++; \
    if (n < MAXREC) { struct rec *r = &sh->r[n]; r->descent = cur_descent; r->depth = d; r->fn = K; \
      r->entry = (uint64_t)__builtin_frame_address(0) + 8; r->seg = (uint64_t)__morestack_current_segment; \
      r->limit = limit_now(); r->segsize = __morestack_current_segment ? __morestack_current_segment->size : 0; } \
    buf[0] = 1; \
    if (d + 1 < plan_len && plan[d + 1] >= 0) table[plan[d + 1]](d + 1); \
    buf[N - 1] = buf[0]; \
  }

typedef void (*fn_t)(int);
extern fn_t table[];
FUNCS
fn_t table[] = { TABLE };

static int nplans; static int **plans; static int *plan_lens; static int nomask;

static void *root(void *arg) {
  (void)arg;
  sh->limit0 = limit_now();
  sh->init_sp = (uint64_t)__morestack_initial_sp.sp; sh->init_len = __morestack_initial_sp.len;
  pthread_attr_t a; void *lo; size_t sz, g;
  if (pthread_getattr_np(pthread_self(), &a) == 0) {
    pthread_attr_getstack(&a, &lo, &sz); pthread_attr_getguardsize(&a, &g);
    sh->stack_lo = (uint64_t)lo; sh->stack_size = sz; sh->guard = g;
  }
  if (nomask) { int z = 0; __splitstack_block_signals(&z, NULL); }
  char here; unsigned char *lo8 = (unsigned char *)sh->stack_lo;
  size_t paint = sh->stack_lo ? (size_t)((uint64_t)&here - 512 - sh->stack_lo) : 0;
  if (sh->stack_size > (1 << 20)) paint = 0;
  for (size_t i = 0; i < paint; i++) ((volatile unsigned char *)lo8)[i] = 0xA5;
  for (int i = 0; i < nplans; i++) {
    cur_descent = i; plan = plans[i]; plan_len = plan_lens[i];
    if (plan_len > 0) table[plan[0]](0);
  }
  sh->lowest = 0;
  for (size_t i = 0; i < paint; i++) if (lo8[i] != 0xA5) { sh->lowest = (uint64_t)(lo8 + i); break; }
  sh->done = 1;
  return NULL;
}

int main(int argc, char **argv) {
  /* argv: mode (main|thread) stacksize nomask plan... ; each plan "i,j,k,..." */
  if (argc < 4) { fprintf(stderr, "usage: mode stacksize nomask plans...\n"); return 2; }
  long stacksize = atol(argv[2]); nomask = atoi(argv[3]);
  nplans = argc - 4; plans = calloc(nplans, sizeof *plans); plan_lens = calloc(nplans, sizeof(int));
  for (int i = 0; i < nplans; i++) {
    int cap = 16, n = 0; int *p = malloc(cap * sizeof(int));
    for (char *t = strtok(argv[4 + i], ","); t; t = strtok(NULL, ",")) {
      if (n == cap) p = realloc(p, (cap *= 2) * sizeof(int));
      p[n++] = atoi(t);
    }
    plans[i] = p; plan_lens[i] = n;
  }
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (strcmp(argv[1], "thread") == 0) {
      pthread_attr_t a; pthread_t t; pthread_attr_init(&a);
      if (stacksize > 0) pthread_attr_setstacksize(&a, stacksize);
      if (pthread_create(&t, &a, root, NULL) != 0) _exit(3);
      pthread_join(t, NULL);
    } else root(NULL);
    _exit(0);
  }
  int st; waitpid(pid, &st, 0);
  int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  printf("{\"lowest\": %lu, \"signal\": %d, \"exit\": %d, \"done\": %lu, \"limit0\": %lu, \"init_sp\": %lu, \"init_len\": %lu, "
         "\"stack_lo\": %lu, \"stack_size\": %lu, \"guard\": %lu, \"sigstksz\": %ld, \"records\": [",
         sh->lowest, sig, WIFEXITED(st) ? WEXITSTATUS(st) : -1, sh->done, sh->limit0, sh->init_sp, sh->init_len,
         sh->stack_lo, sh->stack_size, sh->guard, sysconf(_SC_SIGSTKSZ));
  uint64_t n = sh->nrec < MAXREC ? sh->nrec : MAXREC;
  for (uint64_t i = 0; i < n; i++) { struct rec *r = &sh->r[i];
    printf("%s[%d,%d,%d,%lu,%lu,%lu,%lu]", i ? "," : "", r->descent, r->depth, r->fn, r->entry, r->seg, r->limit, r->segsize); }
  printf("]}\n");
  return 0;
}
"""

GO_HELPER = r"""#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
struct seg { struct seg *prev, *next; size_t size; void *old_stack; void *d1, *d2, *extra; };
extern __thread struct seg *__morestack_current_segment;
#define MAXREC 100000
static struct { int32_t descent, depth, fn, fixed; uint64_t buf, fa, seg, segsize; } recs[MAXREC];
static int nrec;
void probe_record(int32_t descent, int32_t depth, int32_t fn, uintptr_t buf) {
  struct seg *s = __morestack_current_segment;
  uint64_t fa = (uint64_t)__builtin_frame_address(0);
  int fixed = 0;
  /* if this helper split, its frame is on a newer segment than the caller's buffer */
  while (s && !(buf >= (uintptr_t)s && buf < (uintptr_t)s + sizeof *s + s->size)) { s = s->prev; fixed = 1; }
  if (nrec < MAXREC) { recs[nrec].descent = descent; recs[nrec].depth = depth; recs[nrec].fn = fn;
    recs[nrec].fixed = fixed; recs[nrec].buf = buf; recs[nrec].fa = fa; recs[nrec].seg = (uint64_t)s;
    recs[nrec].segsize = s ? s->size : 0; nrec++; }
}
void probe_dump(void) {
  printf("{\"sigstksz\": %ld, \"records\": [", sysconf(_SC_SIGSTKSZ));
  for (int i = 0; i < nrec; i++) printf("%s[%d,%d,%d,%d,%lu,%lu,%lu,%lu]", i ? "," : "", recs[i].descent, recs[i].depth,
     recs[i].fn, recs[i].fixed, recs[i].buf, recs[i].fa, recs[i].seg, recs[i].segsize);
  printf("]}\n"); fflush(stdout); nrec = 0;
}
"""

GO_PROBE_HEAD = r"""package main

import (
	"os"
	"strconv"
	"strings"
	"unsafe"
)

//extern probe_record
func record(descent, depth, fn int32, buf uintptr)

//extern probe_dump
func dump()

var sink byte
var plan []int32
var descent int32
var table []func(int32)
"""

GO_PROBE_FUNC = r"""
//go:noinline
func f{k}(d int32) {{
	var buf [{n}]byte
	buf[0] = byte(d)
	record(descent, d, {k}, uintptr(unsafe.Pointer(&buf[0])))
	if int(d)+1 < len(plan) {{
		table[plan[d+1]](d + 1)
	}}
	sink += buf[{last}] + buf[0]
}}
"""

GO_PROBE_MAIN = r"""
func main() {{
	table = []func(int32){{{names}}}
	done := make(chan bool)
	go func() {{
		for i, arg := range os.Args[1:] {{
			plan = plan[:0]
			for _, t := range strings.Split(arg, ",") {{
				v, _ := strconv.Atoi(t)
				plan = append(plan, int32(v))
			}}
			descent = int32(i)
			table[plan[0]](0)
		}}
		dump()
		done <- true
	}}()
	<-done
}}
"""

C_HOT = r"""/* Hot-split probe: ns per call of h() from a caller at each depth; argv: mode nomask lo hi n reps */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
struct seg { void *prev, *next; size_t size; void *old_stack; void *d1, *d2, *extra; };
extern __thread struct seg *__morestack_current_segment;
extern void __splitstack_block_signals(int *, int *);
static long n_iter; static int lo_d, hi_d, reps, nomask;
static volatile long splits;
static void *caller_seg;
static double best[4096]; static int split_at[4096];
static inline uint64_t limit_now(void) { uint64_t v; __asm__ volatile("movq %%fs:0x70,%0" : "=r"(v)); return v; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
__attribute__((noinline)) void h(void) {
  volatile char b[HFRAME];
  b[0] = 1;
  if (__morestack_current_segment != caller_seg) splits++;
}
static volatile long sinkc;
__attribute__((noinline)) void tiny(void) { sinkc++; }
static double call_ns(void) {
  double m = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    for (long i = 0; i < n_iter; i++) tiny();
    double dt = (now() - t0) / n_iter;
    if (dt < m) m = dt;
  }
  return m;
}
static double call_cost; static uint64_t limit0, entry0;
__attribute__((noinline)) void pad(int d) {
  volatile char b[PFRAME];
  b[0] = 1;
  if (d == 0) entry0 = (uint64_t)__builtin_frame_address(0) + 8;
  if (d < hi_d) pad(d + 1);
  if (d >= lo_d) {
    caller_seg = __morestack_current_segment;
    splits = 0; h();
    split_at[d] = splits > 0;
    double m = 1e30;
    for (int r = 0; r < reps; r++) {
      double t0 = now();
      for (long i = 0; i < n_iter; i++) h();
      double dt = (now() - t0) / n_iter;
      if (dt < m) m = dt;
    }
    best[d] = m;
  }
  b[PFRAME - 1] = b[0];
}
static void *root(void *a) {
  (void)a;
  limit0 = limit_now();
  if (nomask) { int z = 0; __splitstack_block_signals(&z, NULL); }
  pad(0); pad(0); call_cost = call_ns();
  return NULL;
}
int main(int argc, char **argv) {
  nomask = atoi(argv[2]); lo_d = atoi(argv[3]); hi_d = atoi(argv[4]); n_iter = atol(argv[5]); reps = atoi(argv[6]);
  if (strcmp(argv[1], "thread") == 0) { pthread_t t; pthread_create(&t, NULL, root, NULL); pthread_join(t, NULL); }
  else root(NULL);
  printf("{\"limit0\": %lu, \"entry0\": %lu, \"sigstksz\": %ld, \"call_ns\": %.3f, \"rows\": [", limit0, entry0, sysconf(_SC_SIGSTKSZ), call_cost);
  for (int d = lo_d; d <= hi_d; d++) printf("%s[%d,%d,%.3f]", d > lo_d ? "," : "", d, split_at[d], best[d]);
  printf("]}\n");
  return 0;
}
"""

GO_SEG = r"""#include <stdint.h>
struct seg { struct seg *prev, *next; unsigned long size; };
extern __thread struct seg *__morestack_current_segment;
uintptr_t probe_seg(void) { return (uintptr_t)__morestack_current_segment; }
"""

GO_HOT = r"""package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

//extern probe_seg
func curSeg() uintptr

var sink byte
var lo, hi, reps int
var n int
var best [8192]float64
var splitAt [8192]bool
var callerSeg uintptr
var hseg uintptr

//go:noinline
func h(probe bool) {
	var b [HFRAME]byte
	b[int(sink&255)] = 1
	if probe {
		hseg = curSeg()
	}
	sink += b[int((sink+7)&255)]
}

//go:noinline
func tiny() {
	sink++
}

func callNs() float64 {
	m := 1e30
	for r := 0; r < reps; r++ {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			tiny()
		}
		dt := float64(time.Since(t0).Nanoseconds()) / float64(n)
		if dt < m {
			m = dt
		}
	}
	return m
}

//go:noinline
func pad(d int) {
	var b [PFRAME]byte
	b[int(sink&255)] = byte(d)
	if d < hi {
		pad(d + 1)
	}
	if d >= lo {
		callerSeg = curSeg()
		h(true)
		splitAt[d] = hseg != callerSeg
		m := 1e30
		for r := 0; r < reps; r++ {
			t0 := time.Now()
			for i := 0; i < n; i++ {
				h(false)
			}
			dt := float64(time.Since(t0).Nanoseconds()) / float64(n)
			if dt < m {
				m = dt
			}
		}
		best[d] = m
	}
	sink += b[int((sink+5)&255)]
}

func main() {
	lo, _ = strconv.Atoi(os.Args[1])
	hi, _ = strconv.Atoi(os.Args[2])
	n, _ = strconv.Atoi(os.Args[3])
	reps, _ = strconv.Atoi(os.Args[4])
	done := make(chan bool)
	var call float64
	go func() { pad(0); pad(0); call = callNs(); done <- true }()
	<-done
	fmt.Printf("{\"call_ns\": %.3f, \"rows\": [", call)
	for d := lo; d <= hi; d++ {
		if d > lo {
			fmt.Print(",")
		}
		s := 0
		if splitAt[d] {
			s = 1
		}
		fmt.Printf("[%d,%d,%.3f]", d, s, best[d])
	}
	fmt.Println("]}")
}
"""
