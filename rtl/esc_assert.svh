// Assertion macros for ESCALATE RTL.
// Concurrent assertions on clk_i with asynchronous reset rst_ni (disabled while in reset).
// Compiled in under Verilator (--assert) and other simulators; compiled out under SYNTHESIS
// (Yosys defines SYNTHESIS). Use only under an "// Assertions" banner at the end of a module.
`ifndef ESC_ASSERT_SVH
`define ESC_ASSERT_SVH

`ifndef SYNTHESIS
// Property must hold on every clock edge outside reset.
`define ESC_ASSERT(__name, __prop, __clk = clk_i, __rst_n = rst_ni) \
  __name: assert property (@(posedge __clk) disable iff (!(__rst_n)) (__prop)) \
    else $error("assertion %s failed", `"__name`");
// Immediate-style check each cycle (for conditions involving functions/loops).
`define ESC_ASSERT_NEVER(__name, __cond, __clk = clk_i, __rst_n = rst_ni) \
  `ESC_ASSERT(__name, !(__cond), __clk, __rst_n)
// Valid/ready stream rule: once valid is high without ready, valid stays high and data holds.
`define ESC_ASSERT_STREAM(__name, __valid, __ready, __data, __clk = clk_i, __rst_n = rst_ni) \
  __name: assert property (@(posedge __clk) disable iff (!(__rst_n)) \
    ((__valid) && !(__ready)) |=> ((__valid) && $stable(__data))) \
    else $error("stream rule %s failed", `"__name`");
// No X/Z on a signal outside reset.
`define ESC_ASSERT_KNOWN(__name, __sig, __clk = clk_i, __rst_n = rst_ni) \
  `ESC_ASSERT(__name, !$isunknown(__sig), __clk, __rst_n)
// Functional coverage point (counted by Verilator --coverage-user).
`define ESC_COVER(__name, __prop, __clk = clk_i, __rst_n = rst_ni) \
  __name: cover property (@(posedge __clk) disable iff (!(__rst_n)) (__prop));
`else
`define ESC_ASSERT(__name, __prop, __clk = clk_i, __rst_n = rst_ni)
`define ESC_ASSERT_NEVER(__name, __cond, __clk = clk_i, __rst_n = rst_ni)
`define ESC_ASSERT_STREAM(__name, __valid, __ready, __data, __clk = clk_i, __rst_n = rst_ni)
`define ESC_ASSERT_KNOWN(__name, __sig, __clk = clk_i, __rst_n = rst_ni)
`define ESC_COVER(__name, __prop, __clk = clk_i, __rst_n = rst_ni)
`endif

`endif  // ESC_ASSERT_SVH
