// Assertion macros for ESCALATE RTL (one header, included by every module).
//
// Defaults: clock clk_i, asynchronous active-low reset rst_ni. Names end in _A (assertions)
// or _C (cover points). Use them under an "Assertions" banner at the end of a module.
//
// Three flavours, picked by the tool that reads the file:
//   SYNTHESIS (Yosys defines it): every macro expands to nothing.
//   FORMAL (`read_verilog -formal` defines it, not SYNTHESIS): every macro expands to nothing
//     too, because Yosys 0.23 rejects concurrent `assert property` with `|=>` and `else
//     $error`. Each block's formal properties (immediate asserts with $past, proven by
//     yosys-smtbmc) live in formal/<module>_props.svh, included at the end of the module under
//     `ifdef FORMAL; see formal/README.md.
//   VERILATOR: everything is on (pass --assert) except ESC_ASSERT_KNOWN, which expands to
//     nothing: Verilator has two states, so an X/Z check there could never fire and would only
//     read as a guarantee it does not give.
//   any other simulator (4-state, e.g. Icarus): everything is on, X checks included.
//
// Reset: a clocked check is disabled unless the reset input is exactly 1'b1, so an X or Z on
// the reset at the start of a 4-state simulation disables it instead of letting it run on
// uninitialised state (a plain `!rst_ni` would treat X as "out of reset").
`ifndef ESC_ASSERT_SVH
`define ESC_ASSERT_SVH

// Disable condition shared by all clocked macros: anything but a clean 1 counts as reset.
`define ESC_ASSERT_DISABLED(__rst_n) ((__rst_n) !== 1'b1)

`ifdef SYNTHESIS
`define ESC_ASSERT_OFF
`endif
`ifdef FORMAL
`define ESC_ASSERT_OFF
`endif

`ifndef ESC_ASSERT_OFF

// The property holds on every clock edge outside reset.
`define ESC_ASSERT(__name, __prop, __clk = clk_i, __rst_n = rst_ni) \
  __name: assert property (@(posedge __clk) disable iff (`ESC_ASSERT_DISABLED(__rst_n)) (__prop)) \
    else $error("assertion %s failed", `"__name`");

// The condition is false on every clock edge outside reset.
`define ESC_ASSERT_NEVER(__name, __cond, __clk = clk_i, __rst_n = rst_ni) \
  `ESC_ASSERT(__name, !(__cond), __clk, __rst_n)

// Valid/ready stream rule: once valid is high and ready low, the next cycle valid is still
// high and data has not changed. A flush (start/abort) may withdraw a stalled beat: a cycle
// with __flush high neither starts the obligation nor has to meet it.
`define ESC_ASSERT_STREAM(__name, __valid, __ready, __data, __flush = 1'b0, __clk = clk_i, __rst_n = rst_ni) \
  `ESC_ASSERT(__name, ((__valid) && !(__ready) && !(__flush)) |=> \
                      ((__flush) || ((__valid) && $stable(__data))), __clk, __rst_n)

// Parameter / elaboration check, evaluated once at time 0 (stops the simulation).
`define ESC_ASSERT_INIT(__name, __prop) \
  initial begin \
    __name: assert (__prop) \
      else $fatal(1, "parameter check %s failed: %s", `"__name`", `"__prop`"); \
  end

// Functional coverage point (counted by Verilator --coverage-user).
`define ESC_COVER(__name, __prop, __clk = clk_i, __rst_n = rst_ni) \
  __name: cover property (@(posedge __clk) disable iff (`ESC_ASSERT_DISABLED(__rst_n)) (__prop));

`ifdef VERILATOR
// Two-state simulator: no X/Z exists, so the check is compiled out rather than pretended.
`define ESC_ASSERT_KNOWN(__name, __sig, __clk = clk_i, __rst_n = rst_ni)
`else
// No X/Z on the signal outside reset (4-state simulators only).
`define ESC_ASSERT_KNOWN(__name, __sig, __clk = clk_i, __rst_n = rst_ni) \
  `ESC_ASSERT(__name, !$isunknown(__sig), __clk, __rst_n)
`endif

`else  // ESC_ASSERT_OFF (SYNTHESIS or FORMAL)

`define ESC_ASSERT(__name, __prop, __clk = clk_i, __rst_n = rst_ni)
`define ESC_ASSERT_NEVER(__name, __cond, __clk = clk_i, __rst_n = rst_ni)
`define ESC_ASSERT_STREAM(__name, __valid, __ready, __data, __flush = 1'b0, __clk = clk_i, __rst_n = rst_ni)
`define ESC_ASSERT_INIT(__name, __prop)
`define ESC_COVER(__name, __prop, __clk = clk_i, __rst_n = rst_ni)
`define ESC_ASSERT_KNOWN(__name, __sig, __clk = clk_i, __rst_n = rst_ni)

`endif  // ESC_ASSERT_OFF

`endif  // ESC_ASSERT_SVH
