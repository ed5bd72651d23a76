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
