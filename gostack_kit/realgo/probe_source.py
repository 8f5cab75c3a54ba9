"""The Go program the stack and memory probes run, generated from a list of frame sizes.

Go code cannot read its own goroutine's stack bounds, so the probe carries a few lines of
amd64 assembly. Under ABIInternal, R14 holds the current g, whose first words are
(runtime/runtime2.go, type g):

    0(R14)  stack.lo          8(R14)  stack.hi          56(R14)  sched.sp (while parked)

`bounds()` copies stack.lo, stack.hi and its caller's SP into globals. It takes no
arguments and returns nothing, so the linker calls the ABI0 body directly (no wrapper
frame in between): SP at its entry points at the return address, and 8(SP) is the
caller's SP after the caller's prologue. `storeg()` saves g itself, so that main can read
a *parked* goroutine's bounds and saved SP while it sleeps in gopark.

    hi ┌──────────────┐                     one function rec<i> per case, each with a local
       │ drive()      │ <- bounds() here    array sized so that `-S` prints the wanted frame;
       │ ret addr     │ <- entry of rec(0)  every level records hi - SP and hi - lo
       │ rec(0) frame │
       │ ...          │
    lo └──────────────┘

Modes (the first argument): "grow" runs every case in a fresh goroutine; "main <i>" runs
case i on the main goroutine; "shrink" parks goroutines across forced GCs; "memory <n>"
parks n goroutines; "adaptive" shows the starting size after a GC saw deep stacks.
Growth runs switch the GC off so nothing shrinks or changes the starting size under them.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.validate import integer

ASM = """#include "textflag.h"

// func bounds(): glo, ghi = g.stack.lo, g.stack.hi; gsp = the caller's SP.
TEXT ·bounds(SB), NOSPLIT|NOFRAME, $0-0
	MOVQ 0(R14), AX
	MOVQ AX, ·glo(SB)
	MOVQ 8(R14), AX
	MOVQ AX, ·ghi(SB)
	LEAQ 8(SP), AX
	MOVQ AX, ·gsp(SB)
	RET

// func storeg(): gptr = g.
TEXT ·storeg(SB), NOSPLIT|NOFRAME, $0-0
	MOVQ R14, ·gptr(SB)
	RET
"""

_HEAD = """package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

var glo, ghi, gsp, gptr uintptr

func bounds()
func storeg()

var depthMax, parkAt int
var used, size []uintptr
var sinkb byte
var ready = make(chan bool)
var wake = make(chan bool)

// park blocks the calling goroutine on a channel until main wakes it.
//
//go:noinline
func park() {
	storeg()
	ready <- true
	<-wake
}

// gview reads a parked goroutine's stack.lo, stack.hi and sched.sp (runtime2.go offsets).
func gview() [3]uintptr {
	p := (*[8]uintptr)(unsafe.Pointer(gptr))
	return [3]uintptr{p[0], p[1], p[7]}
}

// gstatus reads g.atomicstatus, word %(status)d of g in this release's runtime2.go.
func gstatus(g uintptr) uint32 {
	return *(*uint32)(unsafe.Pointer(g + %(status)d*8))
}

// waitParked waits until the goroutine saved in gptr is _Gwaiting (4).
func waitParked() {
	for i := 0; i < 10000 && gstatus(gptr) != 4; i++ {
		time.Sleep(time.Millisecond)
	}
	if gstatus(gptr) != 4 {
		panic("the probe goroutine never parked")
	}
}
"""

_REC = """
//go:noinline
func rec{i}(d int) {{
	var buf [{k}]byte
	bounds()
	used[d], size[d] = ghi-gsp, ghi-glo
	if d == parkAt {{
		park()
	}}
	buf[uint(d)%{k}] = byte(d)
	if d < depthMax {{
		rec{i}(d + 1)
	}}
	sinkb ^= buf[uint(d+1)%{k}]
}}
"""

_TAIL = """
type growth struct {
	Case  int       `json:"case"`
	Where string    `json:"where"`
	Start [3]uintptr `json:"start"`
	Used  []uintptr `json:"used"`
	Size  []uintptr `json:"size"`
}

// drive records its own bounds, then starts case i's recursion from the same frame.
//
//go:noinline
func drive(i int) (start [3]uintptr) {
	bounds()
	start = [3]uintptr{glo, ghi, gsp}
	switch i {
%(switch)s	}
	return
}

var depths = []int{%(depths)s}

func runCase(i int, where string) growth {
	depthMax, parkAt = depths[i], -1
	used, size = make([]uintptr, depthMax+1), make([]uintptr, depthMax+1)
	var start [3]uintptr
	if where == "main" {
		start = drive(i)
	} else {
		done := make(chan bool)
		go func() { start = drive(i); done <- true }()
		<-done
	}
	return growth{i, where, [3]uintptr{start[1] - start[0], start[1] - start[2], 0}, used, size}
}

type parked struct {
	Phase string    `json:"phase"`
	Size  uintptr   `json:"size"`
	Used  uintptr   `json:"used"`
}

func view(phase string) parked {
	v := gview()
	return parked{phase, v[1] - v[0], v[1] - v[2]}
}

// shrink: case c grows to depthMax, parks at parkAt (-1: after returning), GCs in between.
func shrink(c, depth, at, gcs int) map[string]interface{} {
	depthMax, parkAt = depth, at
	used, size = make([]uintptr, depth+1), make([]uintptr, depth+1)
	var start [3]uintptr
	go func() {
		start = drive(c)
		park()
	}()
	var log []parked
	for round := 0; round < 2; round++ {
		<-ready
		waitParked()
		phase := "deep"
		if round == 1 || at < 0 {
			phase = "top"
		}
		log = append(log, view(phase+" parked"))
		for k := 0; k < gcs; k++ {
			runtime.GC()
			log = append(log, view(phase+" gc"))
		}
		wake <- true
		if at < 0 {
			break
		}
	}
	return map[string]interface{}{"case": c, "depth": depth, "park_at": at,
		"start": [2]uintptr{start[1] - start[0], start[1] - start[2]},
		"used": used, "size": size, "log": log}
}

var block = make(chan bool)
var wg sync.WaitGroup

func sleeper() {
	wg.Done()
	<-block
}

func memory(n int) map[string]interface{} {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	wg.Add(n)
	for i := 0; i < n; i++ {
		go sleeper()
	}
	wg.Wait()
	time.Sleep(50 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&b)
	return map[string]interface{}{"n": n, "goroutines": runtime.NumGoroutine(),
		"stack_inuse": b.StackInuse - a.StackInuse, "heap_inuse": b.HeapInuse - a.HeapInuse,
		"sys": b.Sys - a.Sys}
}

// adaptive: a fresh goroutine's stack, then again after a GC scanned 200 deep stacks.
func adaptive(c, depth int) map[string]interface{} {
	first := runCase(c, "goroutine").Start[0]
	depthMax, parkAt = depth, depth
	used, size = make([]uintptr, depth+1), make([]uintptr, depth+1)
	var all sync.WaitGroup
	for i := 0; i < 200; i++ {
		all.Add(1)
		go func() { drive(c); all.Done() }()
		<-ready
	}
	runtime.GC()
	for i := 0; i < 200; i++ {
		wake <- true
	}
	all.Wait()
	after := runCase(c, "goroutine").Start[0]
	return map[string]interface{}{"fresh": first, "after_gc": after}
}

func main() {
	debug.SetGCPercent(-1)
	var out interface{}
	switch os.Args[1] {
	case "grow":
		var all []growth
		for i := range depths {
			all = append(all, runCase(i, "goroutine"))
		}
		out = all
	case "main":
		i, _ := strconv.Atoi(os.Args[2])
		out = runCase(i, "main")
	case "shrink":
		storeg()
		if gstatus(gptr) != 2 { // main is _Grunning: checks the g layout assumed above
			panic("g.atomicstatus is not where the probe expects it")
		}
		c, _ := strconv.Atoi(os.Args[2])
		depth, _ := strconv.Atoi(os.Args[3])
		at, _ := strconv.Atoi(os.Args[4])
		gcs, _ := strconv.Atoi(os.Args[5])
		out = shrink(c, depth, at, gcs)
	case "memory":
		n, _ := strconv.Atoi(os.Args[2])
		out = memory(n)
	case "adaptive":
		c, _ := strconv.Atoi(os.Args[2])
		depth, _ := strconv.Atoi(os.Args[3])
		out = adaptive(c, depth)
	}
	data, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(data))
}
"""


def _rec(i: int, k: int) -> str:
    """rec<i> with a k-byte local array (k = 0: no array, the smallest frame)."""
    text = _REC.format(i=i, k=max(k, 1))
    if k == 0:
        text = "\n".join(line for line in text.splitlines() if "buf" not in line) + "\n"
    return text


def _struct_fields(text: str, name: str) -> list[tuple[str, str]]:
    """(field, type) of `type name struct` in Go source text, comments dropped."""
    m = re.search(rf"^type {name} struct \{{\n(.*?)^\}}", text, re.S | re.M)
    if m is None:
        raise ValueError(f"no type {name} struct in runtime2.go")
    rows = [line.split("//")[0].split() for line in m.group(1).splitlines()]
    return [(r[0], r[1] if len(r) > 1 else r[0]) for r in rows if r]


def g_status_word(goroot: str) -> int:
    """The word of g.atomicstatus, counted in GOROOT's runtime/runtime2.go.

    Fields before it are one word each except `stack` (lo, hi) and `sched` (a gobuf, whose
    word count is read too): 18 in Go 1.19-1.22 and 1.25+, 19 in 1.23-1.24 (syscallbp was
    added in 1.23 and gobuf.ret removed in 1.25). The probe checks the answer at run time.
    """
    text = Path(goroot, "src", "runtime", "runtime2.go").read_text()
    sizes = {"stack": 2, "gobuf": len(_struct_fields(text, "gobuf"))}
    word = 0
    for field, typ in _struct_fields(text, "g"):
        if field == "atomicstatus":
            return word
        word += sizes.get(typ, 1)
    raise ValueError(f"no g.atomicstatus in {goroot}/src/runtime/runtime2.go")


def probe_source(locals_: list[int], depths: list[int], status_word: int | None = None) -> str:
    """Go source of the probe: case i recurses with a local array of locals_[i] bytes."""
    if len(locals_) != len(depths) or not locals_:
        raise ValueError("locals_ and depths must be non-empty lists of the same length")
    locals_ = [integer(f"locals_[{i}]", k, 0) for i, k in enumerate(locals_)]
    depths = [integer(f"depths[{i}]", d, 0) for i, d in enumerate(depths)]
    recs = "".join(_rec(i, k) for i, k in enumerate(locals_))
    switch = "".join(f"\tcase {i}:\n\t\trec{i}(0)\n" for i in range(len(locals_)))
    tail = _TAIL % {"switch": switch, "depths": ", ".join(map(str, depths))}
    if status_word is None:
        from .toolchain import find_go

        status_word = g_status_word(find_go().goroot)
    return _HEAD.replace("%(status)d", str(status_word)) + recs + tail
