// Register bus: layer configuration, CTRL pulses, STATUS, performance counters and the
// read-only capability registers (esc_pkg::reg_addr_e).
//
// * The bus is always ready; read data is registered (valid the cycle after the request).
// * Configuration registers ignore writes while the accelerator is busy, so the layer
//   configuration is stable from START until done/error/abort.
// * CTRL bits are write-one pulses (START, ABORT, CLEAR), decoded in the request cycle.
// * Counters: CYC_TOTAL/BCU/CAU/STALL and RES_BEATS restart when a layer is accepted
//   (cnt_clr_i); LD_BEATS restarts on CLEAR.
module esc_regs #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  parameter int unsigned MaxBases     = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels  = esc_pkg::MaxChannels,
  parameter int unsigned MaxFilters   = esc_pkg::MaxFilters,
  parameter int unsigned IfmapBytes   = esc_pkg::IfmapBytes,
  parameter int unsigned CoefDepth    = esc_pkg::CoefDepth,
  parameter int unsigned CoefWidth    = esc_pkg::CoefWidth
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // Register bus
  input  logic                         reg_valid_i,
  input  logic                         reg_write_i,
  input  logic [esc_pkg::RegAddrW-1:0] reg_addr_i,
  input  logic [esc_pkg::RegDataW-1:0] reg_wdata_i,
  output logic [esc_pkg::RegDataW-1:0] reg_rdata_o,
  // CTRL pulses
  output logic                         start_o,
  output logic                         abort_o,
  output logic                         clear_o,
  // Configuration
  output logic [esc_pkg::DimW-1:0]     cfg_c_o,
  output logic [esc_pkg::DimW-1:0]     cfg_n_o,
  output logic [esc_pkg::DimW-1:0]     cfg_h_o,
  output logic [esc_pkg::DimW-1:0]     cfg_w_o,
  output logic [esc_pkg::KspRegW-1:0]  cfg_ksp_o,
  output logic [esc_pkg::DimW-1:0]     cfg_m_o,
  output logic [esc_pkg::ZShiftW-1:0]  cfg_zshift_o,
  output logic [esc_pkg::ModeRegW-1:0] cfg_mode_o,
  // Status from esc_ctrl
  input  logic                         busy_i,
  input  logic                         done_i,
  input  logic                         error_i,
  input  logic [esc_pkg::ErrCodeW-1:0] err_code_i,
  // Performance counter events
  input  logic                         cnt_clr_i,     // a new layer was accepted
  input  logic                         bcu_active_i,  // BCU issued a basis step
  input  logic                         cau_active_i,  // a CAU lane issued an entry
  input  logic                         res_fire_i,    // result beat accepted
  input  logic                         ld_fire_i      // load beat accepted
);
`include "esc_assert.svh"

  localparam int unsigned CpStride = esc_pkg::colptr_stride(MaxChannels);

  logic wr, rd;
  assign wr = reg_valid_i && reg_write_i;
  assign rd = reg_valid_i && !reg_write_i;

  logic is_ctrl;
  assign is_ctrl = wr && (reg_addr_i == esc_pkg::REG_CTRL);
  assign start_o = is_ctrl && reg_wdata_i[esc_pkg::CtrlStartLsb];
  assign abort_o = is_ctrl && reg_wdata_i[esc_pkg::CtrlAbortLsb];
  assign clear_o = is_ctrl && reg_wdata_i[esc_pkg::CtrlClearLsb];

  // ---------------------------------------------------------------------------
  // Configuration registers
  // ---------------------------------------------------------------------------
  logic [esc_pkg::DimW-1:0]    c_d, c_q, n_d, n_q, h_d, h_q, w_d, w_q, m_d, m_q;
  logic [esc_pkg::KspRegW-1:0]  ksp_d, ksp_q;
  logic [esc_pkg::ZShiftW-1:0]  zshift_d, zshift_q;
  logic [esc_pkg::ModeRegW-1:0] mode_d, mode_q;

  always_comb begin
    c_d      = c_q;
    n_d      = n_q;
    h_d      = h_q;
    w_d      = w_q;
    m_d      = m_q;
    ksp_d    = ksp_q;
    zshift_d = zshift_q;
    mode_d   = mode_q;
    if (wr && !busy_i) begin
      unique case (reg_addr_i)
        esc_pkg::REG_C:      c_d      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_N:      n_d      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_H:      h_d      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_W:      w_d      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_KSP:    ksp_d    = reg_wdata_i[esc_pkg::KspRegW-1:0];
        esc_pkg::REG_M:      m_d      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_ZSHIFT: zshift_d = reg_wdata_i[esc_pkg::ZShiftW-1:0];
        esc_pkg::REG_MODE:   mode_d   = reg_wdata_i[esc_pkg::ModeRegW-1:0];
        default: ;
      endcase
    end
  end

  assign cfg_c_o      = c_q;
  assign cfg_n_o      = n_q;
  assign cfg_h_o      = h_q;
  assign cfg_w_o      = w_q;
  assign cfg_ksp_o    = ksp_q;
  assign cfg_m_o      = m_q;
  assign cfg_zshift_o = zshift_q;
  assign cfg_mode_o   = mode_q;

  // ---------------------------------------------------------------------------
  // Performance counters
  // ---------------------------------------------------------------------------
  logic [31:0] cyc_total_d, cyc_total_q, cyc_bcu_d, cyc_bcu_q, cyc_cau_d, cyc_cau_q;
  logic [31:0] cyc_stall_d, cyc_stall_q, res_beats_d, res_beats_q, ld_beats_d, ld_beats_q;

  always_comb begin
    cyc_total_d = cyc_total_q;
    cyc_bcu_d   = cyc_bcu_q;
    cyc_cau_d   = cyc_cau_q;
    cyc_stall_d = cyc_stall_q;
    res_beats_d = res_beats_q;
    ld_beats_d  = ld_beats_q;
    if (cnt_clr_i) begin
      cyc_total_d = '0;
      cyc_bcu_d   = '0;
      cyc_cau_d   = '0;
      cyc_stall_d = '0;
      res_beats_d = '0;
    end else begin
      if (busy_i) cyc_total_d = cyc_total_q + 32'd1;
      if (bcu_active_i) cyc_bcu_d = cyc_bcu_q + 32'd1;
      if (cau_active_i) cyc_cau_d = cyc_cau_q + 32'd1;
      if (busy_i && !bcu_active_i && !cau_active_i) cyc_stall_d = cyc_stall_q + 32'd1;
      if (res_fire_i) res_beats_d = res_beats_q + 32'd1;
    end
    if (clear_o) begin
      ld_beats_d = '0;
    end else if (ld_fire_i) begin
      ld_beats_d = ld_beats_q + 32'd1;
    end
  end

  // ---------------------------------------------------------------------------
  // Read mux (registered)
  // ---------------------------------------------------------------------------
  logic [esc_pkg::RegDataW-1:0] rdata_d, rdata_q, rmux;
  esc_pkg::status_reg_t         status;

  always_comb begin
    status       = '0;
    status.busy  = busy_i;
    status.done  = done_i;
    status.error = error_i;
    status.code  = err_code_i;
  end

  always_comb begin
    unique case (reg_addr_i)
      esc_pkg::REG_STATUS:     rmux = {{(esc_pkg::RegDataW - esc_pkg::StatusRegW){1'b0}}, status};
      esc_pkg::REG_C:          rmux = 32'(c_q);
      esc_pkg::REG_N:          rmux = 32'(n_q);
      esc_pkg::REG_H:          rmux = 32'(h_q);
      esc_pkg::REG_W:          rmux = 32'(w_q);
      esc_pkg::REG_KSP:        rmux = 32'(ksp_q);
      esc_pkg::REG_M:          rmux = 32'(m_q);
      esc_pkg::REG_ZSHIFT:     rmux = 32'(zshift_q);
      esc_pkg::REG_MODE:       rmux = 32'(mode_q);
      esc_pkg::REG_CYC_TOTAL:  rmux = cyc_total_q;
      esc_pkg::REG_CYC_BCU:    rmux = cyc_bcu_q;
      esc_pkg::REG_CYC_CAU:    rmux = cyc_cau_q;
      esc_pkg::REG_CYC_STALL:  rmux = cyc_stall_q;
      esc_pkg::REG_RES_BEATS:  rmux = res_beats_q;
      esc_pkg::REG_LD_BEATS:   rmux = ld_beats_q;
      esc_pkg::REG_CAP_T:      rmux = 32'(NumPixLanes);
      esc_pkg::REG_CAP_L:      rmux = 32'(NumCoefLanes);
      esc_pkg::REG_CAP_MMAX:   rmux = 32'(MaxBases);
      esc_pkg::REG_CAP_KMAX:   rmux = 32'(esc_pkg::MaxKernel);
      esc_pkg::REG_CAP_CMAX:   rmux = 32'(MaxChannels);
      esc_pkg::REG_CAP_NMAX:   rmux = 32'(MaxFilters);
      esc_pkg::REG_CAP_IFMAP:  rmux = 32'(IfmapBytes);
      esc_pkg::REG_CAP_COEF:   rmux = 32'(CoefDepth);
      esc_pkg::REG_CAP_CPSTR:  rmux = 32'(CpStride);
      esc_pkg::REG_CAP_MAXDIM: rmux = 32'(esc_pkg::MaxDim);
      esc_pkg::REG_CAP_COEFW:  rmux = 32'(CoefWidth);
      esc_pkg::REG_CAP_ID:     rmux = esc_pkg::CapId;
      default:                 rmux = 32'd0;
    endcase
    rdata_d = rd ? rmux : rdata_q;
  end

  assign reg_rdata_o = rdata_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      c_q         <= '0;
      n_q         <= '0;
      h_q         <= '0;
      w_q         <= '0;
      m_q         <= '0;
      ksp_q       <= '0;
      zshift_q    <= '0;
      mode_q      <= '0;
      cyc_total_q <= '0;
      cyc_bcu_q   <= '0;
      cyc_cau_q   <= '0;
      cyc_stall_q <= '0;
      res_beats_q <= '0;
      ld_beats_q  <= '0;
      rdata_q     <= '0;
    end else begin
      c_q         <= c_d;
      n_q         <= n_d;
      h_q         <= h_d;
      w_q         <= w_d;
      m_q         <= m_d;
      ksp_q       <= ksp_d;
      zshift_q    <= zshift_d;
      mode_q      <= mode_d;
      cyc_total_q <= cyc_total_d;
      cyc_bcu_q   <= cyc_bcu_d;
      cyc_cau_q   <= cyc_cau_d;
      cyc_stall_q <= cyc_stall_d;
      res_beats_q <= res_beats_d;
      ld_beats_q  <= ld_beats_d;
      rdata_q     <= rdata_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT_KNOWN(RegsRdataKnown_A, reg_rdata_o)
  `ESC_ASSERT_KNOWN(RegsCtrlKnown_A, {start_o, abort_o, clear_o})
  // Configuration is frozen while a layer runs: a busy cycle is followed by an unchanged
  // configuration (the form esc_ctrl's formal proof assumes; formal/esc_ctrl_props.svh).
  `ESC_ASSERT(RegsCfgStable_A, busy_i |=> $stable({c_q, n_q, h_q, w_q, m_q, ksp_q, zshift_q,
                                                   mode_q}))

`ifdef FORMAL
  `include "esc_regs_props.svh"
`endif
endmodule
