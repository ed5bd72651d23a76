# Formal property checking (label "formal"), all through scripts/formal.sh:
#   formal.<job>        one yosys -> smt2 -> yosys-smtbmc/z3 job (BMC and/or k-induction)
#   formal.mutant.<m>   a planted bug in a copy of the RTL: passes only if the proof FAILS with a
#                       counterexample VCD, so every job is shown able to fail on every run
#   formal.readme       the property table in formal/README.md matches the job results
# Without z3 every test is skipped (exit 77) with the message "z3 is not installed".
# The solver runs hold one RESOURCE_LOCK, so that `ctest -j` runs one solver at a time.
find_program(ESC_Z3_EXE z3)
if(NOT ESC_Z3_EXE)
  message(STATUS "formal: z3 not found; the formal tests will be skipped (apt-get install z3)")
endif()

set(ESC_FORMAL_SH ${CMAKE_SOURCE_DIR}/scripts/formal.sh)
set(ESC_FORMAL_OUT ${CMAKE_BINARY_DIR}/formal)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ESC_FORMAL_SH})

execute_process(COMMAND ${ESC_FORMAL_SH} --list
  OUTPUT_VARIABLE _esc_formal_jobs OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${ESC_FORMAL_SH} --list-mutants
  OUTPUT_VARIABLE _esc_formal_mutants OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
string(REPLACE "\n" ";" _esc_formal_jobs "${_esc_formal_jobs}")
string(REPLACE "\n" ";" _esc_formal_mutants "${_esc_formal_mutants}")

set(_esc_formal_tests)
foreach(job IN LISTS _esc_formal_jobs)
  add_test(NAME formal.${job} COMMAND ${ESC_FORMAL_SH} -o ${ESC_FORMAL_OUT} -j ${job})
  list(APPEND _esc_formal_tests formal.${job})
endforeach()
foreach(m IN LISTS _esc_formal_mutants)
  add_test(NAME formal.mutant.${m} COMMAND ${ESC_FORMAL_SH} -o ${ESC_FORMAL_OUT} --mutant ${m})
  set_tests_properties(formal.mutant.${m} PROPERTIES
    PASS_REGULAR_EXPRESSION "PASS mutant ${m}: the proof fails")
  list(APPEND _esc_formal_tests formal.mutant.${m})
endforeach()
set_tests_properties(${_esc_formal_tests} PROPERTIES
  LABELS formal SKIP_RETURN_CODE 77 TIMEOUT 600 RESOURCE_LOCK esc_formal_solver)

add_test(NAME formal.readme COMMAND ${ESC_FORMAL_SH} -o ${ESC_FORMAL_OUT} --check-readme)
set_tests_properties(formal.readme PROPERTIES LABELS formal SKIP_RETURN_CODE 77
  DEPENDS "${_esc_formal_tests}")
