// ESCALATE accelerator top level.
// PORT CONTRACT (fixed; see docs/architecture.md). Body: to be implemented.
module esc_top #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  parameter int unsigned MaxBases     = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels  = esc_pkg::MaxChannels,
  parameter int unsigned MaxFilters   = esc_pkg::MaxFilters,
  parameter int unsigned IfmapBytes   = esc_pkg::IfmapBytes,
  parameter int unsigned CoefDepth    = esc_pkg::CoefDepth,
  parameter int unsigned ZFifoDepth   = esc_pkg::ZFifoDepth
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  // Register bus (always ready; read data valid the cycle after the request)
  input  logic                               reg_valid_i,
  input  logic                               reg_write_i,
  input  logic [esc_pkg::RegAddrW-1:0]       reg_addr_i,
  input  logic [31:0]                        reg_wdata_i,
  output logic [31:0]                        reg_rdata_o,
  // Load stream
  input  logic                               ld_valid_i,
  output logic                               ld_ready_o,
  input  logic [2:0]                         ld_tgt_i,
  input  logic [esc_pkg::LdAddrW-1:0]        ld_addr_i,
  input  logic [esc_pkg::LdDataW-1:0]        ld_data_i,
  // Result stream
  output logic                               res_valid_o,
  input  logic                               res_ready_i,
  output logic [NumPixLanes*esc_pkg::ActW-1:0] res_data_o,
  output logic [NumPixLanes*esc_pkg::AccW-1:0] res_acc_o,
  output logic [15:0]                        res_n_o,
  output logic [esc_pkg::TileW-1:0]          res_tile_o,
  output logic                               res_last_o,
  // Level outputs for convenience (same as STATUS bits)
  output logic                               busy_o,
  output logic                               done_o,
  output logic                               error_o
);
endmodule
