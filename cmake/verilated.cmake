# Verilated models of the RTL: the source list, the Verilator arguments and esc_verilated(),
# shared by host/ (the accelerator model the driver links) and tb/ (block-level models).
# Verilator builds are expensive on 2 cores: every verilate() call is deliberate.

file(GLOB ESC_RTL_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/rtl/esc_*.sv
     ${PROJECT_SOURCE_DIR}/rtl/prim/esc_*.sv)
list(REMOVE_ITEM ESC_RTL_SOURCES ${PROJECT_SOURCE_DIR}/rtl/esc_pkg.sv)
set(ESC_RTL_SOURCES ${PROJECT_SOURCE_DIR}/rtl/esc_pkg.sv ${ESC_RTL_SOURCES})

# -Wall keeps every lint warning visible in the build log; -Wno-fatal because lint is gated
# separately (lint.rtl.* tests, scripts/lint_rtl.sh). An illegal parameter set ($error in
# esc_param_check) always stops the build (USERERROR). Waivers come only from lint/verilator_waiver.vlt.
set(ESC_VERILATOR_ARGS
  -Wall -Wno-fatal -Werror-USERERROR --assert -I${PROJECT_SOURCE_DIR}/rtl/prim
  --x-assign fast --x-initial fast
  ${PROJECT_SOURCE_DIR}/lint/verilator_waiver.vlt)
if(ESC_COVERAGE)
  list(APPEND ESC_VERILATOR_ARGS --coverage)
endif()

set(ESC_WAVES_DIR ${CMAKE_BINARY_DIR}/waves)
set(ESC_COV_DIR ${CMAKE_BINARY_DIR}/coverage)
file(MAKE_DIRECTORY ${ESC_WAVES_DIR} ${ESC_COV_DIR})

# esc_verilated(<target> <top> <prefix> <extra verilator args...>): one static model library.
function(esc_verilated target top prefix)
  add_library(${target} STATIC)
  verilate(${target}
    PREFIX ${prefix}
    TOP_MODULE ${top}
    TRACE_FST
    SOURCES ${ESC_RTL_SOURCES}
    VERILATOR_ARGS ${ESC_VERILATOR_ARGS} ${ARGN})
  target_compile_definitions(${target} PUBLIC
    ESC_WAVES_DIR="${ESC_WAVES_DIR}" ESC_COV_DIR="${ESC_COV_DIR}"
    ESC_COVERAGE_BUILD=$<BOOL:${ESC_COVERAGE}>)
  # The sanitizer job (ESC_SANITIZE) instruments our C++, not the C++ Verilator generates from
  # the RTL: instrumenting the models was about 40 % of that job's build for checks of
  # Verilator's code. The harness that reads and writes the model's ports is still instrumented.
  if(ESC_SANITIZE)
    target_compile_options(${target} PRIVATE -fno-sanitize=all)
  endif()
  # Verilator's own headers are not -Wextra clean: consumers see them as system headers.
  set_target_properties(${target} PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES
    "$<TARGET_PROPERTY:${target},INTERFACE_INCLUDE_DIRECTORIES>")
endfunction()
