# cli.smoke: run two small layers of the default model through RTL + golden; require exit 0,
# a "match" in the table and a JSON report with zero mismatches.
execute_process(
  COMMAND ${ESCALATE} run --layers layer4.0.shortcut,layer4.1.conv1 --seed 3 --json ${OUT}.json
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "escalate run exited with ${rc}: ${err}")
endif()
if(NOT out MATCHES "match")
  message(FATAL_ERROR "report has no 'match':\n${out}")
endif()
file(READ ${OUT}.json js)
string(JSON mism GET "${js}" totals mismatches)
string(JSON checked GET "${js}" totals checked)
if(NOT mism EQUAL 0 OR NOT checked EQUAL 2)
  message(FATAL_ERROR "JSON report: ${checked} layers checked, ${mism} mismatches (want 2, 0)")
endif()
