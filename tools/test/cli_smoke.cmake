# cli.smoke: run two small layers of the default model through RTL + golden; require exit 0,
# a "match" in the table, a JSON report with zero mismatches and the energy of both layers, and
# the energy SVG beside the --plot one.
file(REMOVE ${OUT}-energy.svg)
execute_process(
  COMMAND ${ESCALATE} run --layers layer4.0.shortcut,layer4.1.conv1 --seed 3 --json ${OUT}.json
          --plot ${OUT}.svg
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
string(JSON rtl_layers GET "${js}" energy rtl_layers)
string(JSON ratio GET "${js}" energy ratio_dense)
string(JSON esc_pj GET "${js}" energy escalate total_pj)
if(NOT rtl_layers EQUAL 2 OR NOT ratio GREATER 0 OR NOT esc_pj GREATER 0)
  message(FATAL_ERROR "JSON report energy: ${rtl_layers} layers, ratio ${ratio}, ${esc_pj} pJ")
endif()
if(NOT out MATCHES "energy ratio dense / ESCALATE")
  message(FATAL_ERROR "text report has no energy ratio:\n${out}")
endif()
if(NOT EXISTS ${OUT}-energy.svg)
  message(FATAL_ERROR "escalate run --plot ${OUT}.svg wrote no ${OUT}-energy.svg")
endif()
