# Cheap project-wide gates, registered as ctest tests (label "lint").
find_program(CLANG_FORMAT_EXE NAMES clang-format-14 clang-format)
find_program(VERILATOR_EXE verilator REQUIRED)

# RTL lint: verilator --lint-only -Wall on every module (one test per module), rtl/ and rtl/prim/.
file(GLOB ESC_RTL_MODULES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/rtl/esc_*.sv
     ${CMAKE_SOURCE_DIR}/rtl/prim/esc_*.sv)
list(FILTER ESC_RTL_MODULES EXCLUDE REGEX "_pkg\\.sv$")
foreach(sv ${ESC_RTL_MODULES})
  get_filename_component(mod ${sv} NAME_WE)
  add_test(NAME lint.rtl.${mod}
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/lint_rtl.sh ${mod})
  set_tests_properties(lint.rtl.${mod} PROPERTIES LABELS "lint;unit")
endforeach()
add_custom_target(lint COMMAND ${CMAKE_SOURCE_DIR}/scripts/lint_rtl.sh
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} USES_TERMINAL)

# Format: every checked-in C++ file must match .clang-format.
add_test(NAME lint.format COMMAND ${CMAKE_SOURCE_DIR}/scripts/check_format.sh)
set_tests_properties(lint.format PROPERTIES LABELS "lint;unit")
add_custom_target(format COMMAND ${CMAKE_SOURCE_DIR}/scripts/check_format.sh --fix
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} USES_TERMINAL)

# The interface description (rtl/esc_interface.toml) and what is generated from it: the
# checked-in rtl/esc_pkg.sv, rtl/esc_param_check.sv and golden/include/esc/hw_interface.hpp
# must be exactly what scripts/gen_interface.py writes, and every package name must be used.
find_package(Python3 3.11 REQUIRED COMPONENTS Interpreter)  # tomllib
add_test(NAME lint.interface
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/gen_interface.py --check)
set_tests_properties(lint.interface PROPERTIES LABELS "lint;unit")

# Measured figures in README.md and docs/ come from the committed run artefact
# (synth/results/resnet18_run.json) through scripts/docs_from_run.py, never by hand.
add_test(NAME lint.docs
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/docs_from_run.py --check)
set_tests_properties(lint.docs PROPERTIES LABELS "lint;unit")

# Mutation testing (scripts/mutate.py, docs/verification.md "Mutation testing"). mutate.unit:
# the site enumeration never touches a comment, a nonblocking assignment, an assertion or a
# FORMAL region (no simulator, under a second). mutate.sample (slow: minutes per mutant): six
# mutants through the formal jobs and the RTL tests, on its own build directory; it edits the
# RTL in place (always restored), so it runs alone.
add_test(NAME mutate.unit
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/mutate.py --self-test)
set_tests_properties(mutate.unit PROPERTIES LABELS unit TIMEOUT 60)
add_test(NAME mutate.sample
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/mutate.py --count 6 --seed 1
    --tree ${CMAKE_SOURCE_DIR} --build ${CMAKE_BINARY_DIR}/mutate/build
    --out ${CMAKE_BINARY_DIR}/mutate)
set_tests_properties(mutate.sample PROPERTIES LABELS slow TIMEOUT 10800 RUN_SERIAL TRUE)
