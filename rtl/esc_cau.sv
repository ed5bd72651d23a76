// ESCALATE back end: Z slot FIFO, L coefficient lanes with CSC coefficient buffers,
// double-buffered banked PSUM, bias/requant buffer, drain and post-processing.
// PORT CONTRACT (fixed; see docs/architecture.md). Body: to be implemented.
module esc_cau #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  parameter int unsigned MaxBases     = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels  = esc_pkg::MaxChannels,
  parameter int unsigned MaxFilters   = esc_pkg::MaxFilters,
  parameter int unsigned CoefDepth    = esc_pkg::CoefDepth,
  parameter int unsigned ZFifoDepth   = esc_pkg::ZFifoDepth,
  localparam int unsigned ZDataW      = MaxBases * NumPixLanes * esc_pkg::MidW
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // Layer configuration: validated by esc_ctrl, stable from start_i until idle.
  input  logic [esc_pkg::DimW-1:0]      cfg_c_i,
  input  logic [esc_pkg::DimW-1:0]      cfg_n_i,
  input  logic [7:0]                    cfg_m_i,
  input  logic                          cfg_coef4_i,
  input  logic                          cfg_relu_i,
  input  logic [esc_pkg::TileW-1:0]     cfg_num_tiles_i,
  input  logic                          start_i,    // one-cycle pulse, config legal
  input  logic                          abort_i,    // one-cycle pulse: flush, go idle
  // Load stream writes, already handshaken by the top (only while idle).
  input  logic                          ld_we_i,
  input  esc_pkg::ld_tgt_e              ld_tgt_i,
  input  logic [esc_pkg::LdAddrW-1:0]   ld_addr_i,
  input  logic [esc_pkg::LdDataW-1:0]   ld_data_i,
  output logic                          ld_err_o,       // pulse: bad COEF/COLPTR/BIAS beat
  output esc_pkg::err_code_e            ld_err_code_o,  // ERR_LOAD_ADDR or ERR_LOAD_INDEX
  // Z slots from the BCU
  input  logic                          z_valid_i,
  output logic                          z_ready_o,
  input  logic [ZDataW-1:0]             z_data_i,
  // Result stream
  output logic                          res_valid_o,
  input  logic                          res_ready_i,
  output logic [NumPixLanes*esc_pkg::ActW-1:0] res_data_o,
  output logic [NumPixLanes*esc_pkg::AccW-1:0] res_acc_o,
  output logic [15:0]                   res_n_o,
  output logic [esc_pkg::TileW-1:0]     res_tile_o,
  output logic                          res_last_o,
  // Status
  output logic                          busy_o,      // start_i .. last beat accepted / abort
  output logic                          done_o,      // pulse: last result beat accepted
  output logic                          err_o,       // pulse: run-time coefficient error
  output esc_pkg::err_code_e            err_code_o,  // ERR_COEF_PTR / _INDEX / _RANGE
  output logic                          active_o     // a lane issued an entry this cycle
);
endmodule
