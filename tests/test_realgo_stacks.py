"""The real runtime's own stack log (stackDebug=1 through -overlay) against the probes and the model.

Live on every toolchain realgo.toolchains finds (under CI=true a missing toolchain fails, as in
the other live tests). The parser is also checked on a fixed text, which needs no Go.
"""

import json
import os

import pytest

from gostack_kit import CallTrace, ContiguousStack
from gostack_kit.realgo import stacks, toolchains
from gostack_kit.realgo.compiler import ENTRY_USED
from gostack_kit.realgo.probe_source import ASM, probe_source
from gostack_kit.realgo.probes import derive_growth

LIVE = toolchains.find_toolchains()
if not LIVE and os.environ.get("CI") == "true":
    pytest.fail("CI=true but no Go toolchain found", pytrace=False)
live = pytest.mark.parametrize("tc", LIVE, ids=[tc.version for tc in LIVE])

# Three functions of three prologue classes (subq, leaq, small), called in a chain.
CHAIN = """package main

var sink int

//go:noinline
func small(n int) int {
	var b [16]byte
	b[n%16] = 1
	if n == 0 {
		return int(b[0])
	}
	return small(n-1) + int(b[n%16])
}

//go:noinline
func mid(n int) int {
	var b [900]byte
	b[n%900] = 1
	if n == 0 {
		return small(300)
	}
	return mid(n-1) + int(b[n%900])
}

//go:noinline
func big(n int) int {
	var b [5000]byte
	b[n%5000] = 1
	if n == 0 {
		return mid(20)
	}
	return big(n-1) + int(b[n%5000])
}

func main() {
	done := make(chan bool)
	go func() { sink = big(6); done <- true }()
	<-done
	println("sink", sink)
}
"""

COPY = "copystack gp=0xc000002380 [0xc0000{}] -> [0xc0000{}]/{}"
SAMPLE = """stackalloc 2048
runtime: newstack sp=0xc0000407b0 stack=[0xc000040000, 0xc000040800]
\tmorebuf={pc:0x45d1c8 sp:0xc000040f70 lr:0x0}
\tsched={pc:0x45d1a5 sp:0xc0000407b8 lr:0x0 ctxt:0x0}
{grow}
stack grow done
hello from the program
shrinking stack 4096->2048
{shrink}
""".replace("{grow}", COPY.format("40000 0xc0000407b8 0xc000040800",
                                   "50000 0xc000050fb8 0xc000051000", 4096))
SAMPLE = SAMPLE.replace("{shrink}", COPY.format("50000 0xc000050f00 0xc000051000",
                                                "60000 0xc000060700 0xc000060800", 2048))


def test_parser_reads_grow_and_shrink_and_keeps_other_lines():
    events, rest = stacks.parse_trace(SAMPLE)
    assert events == [("grow", "0xc000002380", 0x45d1a5, 2048, 4096, 0x48),
                      ("shrink", "0xc000002380", None, 4096, 2048, 0x100)]
    assert rest == "hello from the program\n"


@live
def test_chain_of_three_frames_matches_the_model(tc):
    with toolchains.using(tc):
        trace = stacks.trace_stacks(CHAIN)
    assert trace.stdout == "" and trace.stderr.strip() == "sink 327"
    g = trace.of("main.big")
    f = {n: trace.frames[n].frame for n in ("main.func1", "big", "mid", "small")
         if n in trace.frames} | {"func1": trace.frames["main.main.func1"].frame}
    assert [trace.frames[n].prologue for n in ("big", "mid", "small")] == ["subq", "leaq", "small"]
    steps = ([("call", f["func1"])] + [("call", f["big"])] * 7 + [("call", f["mid"])] * 21
             + [("call", f["small"])] * 301)
    run = ContiguousStack(version=tc.version[2:]).run(CallTrace.from_steps(
        steps, entry_used=ENTRY_USED))
    assert g.sizes == tuple(("grow", e.old_size, e.new_size, e.used) for e in run.growths)
    assert set(g.funcs) >= {"main.big", "main.small"}


@live
def test_probe_measurements_and_the_runtime_log_agree(tc):
    frames, depths = (40, 520, 4104), [4000, 300, 40]
    with toolchains.using(tc):
        from gostack_kit.realgo.probes import tune_frames

        locals_, parsed = tune_frames(3, frames, depths)
        trace = stacks.trace_stacks(probe_source(locals_, depths), args=["grow"], asm=ASM)
    assert trace.returncode == 0
    for i, rec in enumerate(json.loads(trace.stdout)):
        probe = derive_growth(frames[i], parsed[i].prologue, "goroutine", rec)
        grown = trace.grown_in(f"main.rec{i}")
        # the runtime's bytes in use at each growth are those of rec(depth)'s entry
        real = [((e.used - probe.entry_used) // (probe.frame + 8), e.old_size, e.new_size)
                for e in grown]
        assert real == [(x.depth, x.old_size, x.new_size) for x in probe.growths]
        assert all((e.used - probe.entry_used) % (probe.frame + 8) == 0 for e in grown)
        assert all(e.frame == probe.frame for e in grown)
