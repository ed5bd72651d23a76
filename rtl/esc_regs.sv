// Register bus: layer configuration, CTRL pulses, STATUS, performance counters and the
// read-only capability registers (esc_pkg::reg_addr_e).
//
// * The bus is always ready; read data is registered (valid the cycle after the request).
// * Configuration registers ignore writes while the accelerator is busy, so the layer
//   configuration is stable from START until done/error/abort.
// * CTRL bits are write-one pulses (START, ABORT, CLEAR), decoded in the request cycle.
// * Capability registers (REG_CAP_*) read the words esc_top builds from its parameters with
//   esc_pkg::cap_words(); this block does not know which parameter each one reports.
// * Counters: CYC_TOTAL/BCU/CAU/STALL, RES_BEATS and RES_BYTES restart when a layer is
//   accepted (cnt_clr_i); LD_BEATS, LD_BYTES and LD_IDLE (beats accepted while not busy, the
//   loads no layer overlapped) restart on CLEAR. The EVT_* registers read
//   the counters of esc_events.
module esc_regs #(
  parameter int unsigned NumPixLanes = esc_pkg::NumPixLanes,  // result beat bytes
  localparam int unsigned NumEvt     = esc_pkg::NumEvt,
  localparam int unsigned CapBits    = esc_pkg::NumCapWords * esc_pkg::RegDataW
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
  input  logic                         ld_fire_i,     // load beat accepted
  input  logic                         ld_idle_i,     // ... while not busy
  // Activity event counters (esc_events): counter i at [i*RegDataW +: RegDataW]
  input  logic [NumEvt*esc_pkg::RegDataW-1:0] evt_cnt_i,
  // Capability words (esc_pkg::cap_words): REG_CAP_* at CapBase + i reads word i
  input  logic [CapBits-1:0]           cap_i
);
`include "esc_assert.svh"

  localparam logic [esc_pkg::RegDataW-1:0] LdBeatBytes  = esc_pkg::RegDataW'(esc_pkg::LdDataW / 8);
  localparam logic [esc_pkg::RegDataW-1:0] ResBeatBytes =
      esc_pkg::RegDataW'(NumPixLanes * esc_pkg::ActW / 8);

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
  typedef struct packed {
    logic [esc_pkg::DimW-1:0]     c, n, h, w, m;
    logic [esc_pkg::KspRegW-1:0]  ksp;
    logic [esc_pkg::ZShiftW-1:0]  zshift;
    logic [esc_pkg::ModeRegW-1:0] mode;
  } cfg_t;
  cfg_t cfg_d, cfg_q;

  always_comb begin
    cfg_d = cfg_q;
    if (wr && !busy_i) begin
      unique case (reg_addr_i)
        esc_pkg::REG_C:      cfg_d.c      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_N:      cfg_d.n      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_H:      cfg_d.h      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_W:      cfg_d.w      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_KSP:    cfg_d.ksp    = reg_wdata_i[esc_pkg::KspRegW-1:0];
        esc_pkg::REG_M:      cfg_d.m      = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_ZSHIFT: cfg_d.zshift = reg_wdata_i[esc_pkg::ZShiftW-1:0];
        esc_pkg::REG_MODE:   cfg_d.mode   = reg_wdata_i[esc_pkg::ModeRegW-1:0];
        default: ;
      endcase
    end
  end

  assign cfg_c_o      = cfg_q.c;
  assign cfg_n_o      = cfg_q.n;
  assign cfg_h_o      = cfg_q.h;
  assign cfg_w_o      = cfg_q.w;
  assign cfg_ksp_o    = cfg_q.ksp;
  assign cfg_m_o      = cfg_q.m;
  assign cfg_zshift_o = cfg_q.zshift;
  assign cfg_mode_o   = cfg_q.mode;

  // ---------------------------------------------------------------------------
  // Performance counters
  // ---------------------------------------------------------------------------
  typedef struct packed {
    logic [esc_pkg::RegDataW-1:0] total, bcu, cau, stall, res_beats, ld_beats, res_bytes, ld_bytes,
                                  ld_idle;
  } cnt_t;
  cnt_t cnt_d, cnt_q;

  always_comb begin
    cnt_d = cnt_q;
    if (cnt_clr_i) begin
      cnt_d.total     = '0;
      cnt_d.bcu       = '0;
      cnt_d.cau       = '0;
      cnt_d.stall     = '0;
      cnt_d.res_beats = '0;
      cnt_d.res_bytes = '0;
    end else begin
      if (busy_i) cnt_d.total = cnt_q.total + 1'b1;
      if (bcu_active_i) cnt_d.bcu = cnt_q.bcu + 1'b1;
      if (cau_active_i) cnt_d.cau = cnt_q.cau + 1'b1;
      if (busy_i && !bcu_active_i && !cau_active_i) cnt_d.stall = cnt_q.stall + 1'b1;
      if (res_fire_i) begin
        cnt_d.res_beats = cnt_q.res_beats + 1'b1;
        cnt_d.res_bytes = cnt_q.res_bytes + ResBeatBytes;
      end
    end
    if (clear_o) begin
      cnt_d.ld_beats = '0;
      cnt_d.ld_bytes = '0;
      cnt_d.ld_idle  = '0;
    end else if (ld_fire_i) begin
      cnt_d.ld_beats = cnt_q.ld_beats + 1'b1;
      cnt_d.ld_bytes = cnt_q.ld_bytes + LdBeatBytes;
      if (ld_idle_i) cnt_d.ld_idle = cnt_q.ld_idle + 1'b1;
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

  logic [3:0] evt_idx;  // EVT_* registers are contiguous (esc_events asserts it)
  assign evt_idx = 4'(32'(reg_addr_i) - 32'(esc_pkg::REG_EVT_BCU_MACS));

  // The capability window is aligned to its size (scripts/gen_interface.py checks it), so its
  // registers are the addresses whose high bits equal CapBase's.
  localparam int unsigned CapIdxW = $clog2(esc_pkg::NumCapWords);
  logic               is_cap;
  logic [CapIdxW-1:0] cap_idx;
  assign is_cap  = (reg_addr_i >> CapIdxW) == esc_pkg::RegAddrW'(esc_pkg::CapBase >> CapIdxW);
  assign cap_idx = reg_addr_i[CapIdxW-1:0];

  always_comb begin
    unique case (reg_addr_i)
      esc_pkg::REG_STATUS:     rmux = {{(esc_pkg::RegDataW - esc_pkg::StatusRegW){1'b0}}, status};
      esc_pkg::REG_C:          rmux = 32'(cfg_q.c);
      esc_pkg::REG_N:          rmux = 32'(cfg_q.n);
      esc_pkg::REG_H:          rmux = 32'(cfg_q.h);
      esc_pkg::REG_W:          rmux = 32'(cfg_q.w);
      esc_pkg::REG_KSP:        rmux = 32'(cfg_q.ksp);
      esc_pkg::REG_M:          rmux = 32'(cfg_q.m);
      esc_pkg::REG_ZSHIFT:     rmux = 32'(cfg_q.zshift);
      esc_pkg::REG_MODE:       rmux = 32'(cfg_q.mode);
      esc_pkg::REG_CYC_TOTAL:  rmux = cnt_q.total;
      esc_pkg::REG_CYC_BCU:    rmux = cnt_q.bcu;
      esc_pkg::REG_CYC_CAU:    rmux = cnt_q.cau;
      esc_pkg::REG_CYC_STALL:  rmux = cnt_q.stall;
      esc_pkg::REG_RES_BEATS:  rmux = cnt_q.res_beats;
      esc_pkg::REG_LD_BEATS:   rmux = cnt_q.ld_beats;
      esc_pkg::REG_LD_BYTES:   rmux = cnt_q.ld_bytes;
      esc_pkg::REG_RES_BYTES:  rmux = cnt_q.res_bytes;
      esc_pkg::REG_LD_IDLE:    rmux = cnt_q.ld_idle;
      esc_pkg::REG_EVT_BCU_MACS, esc_pkg::REG_EVT_CAU_MACS, esc_pkg::REG_EVT_IFMAP_RD,
      esc_pkg::REG_EVT_IFMAP_WR, esc_pkg::REG_EVT_BASIS_RD, esc_pkg::REG_EVT_BASIS_WR,
      esc_pkg::REG_EVT_COEF_RD, esc_pkg::REG_EVT_COEF_WR, esc_pkg::REG_EVT_COLPTR_RD,
      esc_pkg::REG_EVT_COLPTR_WR, esc_pkg::REG_EVT_ZFIFO_RD, esc_pkg::REG_EVT_ZFIFO_WR,
      esc_pkg::REG_EVT_PSUM_RD, esc_pkg::REG_EVT_PSUM_WR, esc_pkg::REG_EVT_BIAS_RD,
      esc_pkg::REG_EVT_BIAS_WR:
        rmux = evt_cnt_i[evt_idx*esc_pkg::RegDataW +: esc_pkg::RegDataW];
      default: rmux = is_cap ? cap_i[cap_idx*esc_pkg::RegDataW +: esc_pkg::RegDataW] : '0;
    endcase
    rdata_d = rd ? rmux : rdata_q;
  end

  assign reg_rdata_o = rdata_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cfg_q   <= '0;
      cnt_q   <= '0;
      rdata_q <= '0;
    end else begin
      cfg_q   <= cfg_d;
      cnt_q   <= cnt_d;
      rdata_q <= rdata_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT_KNOWN(RegsRdataKnown_A, reg_rdata_o)
  `ESC_ASSERT_KNOWN(RegsCtrlKnown_A, {start_o, abort_o, clear_o})
  // Configuration is frozen while a layer runs: a busy cycle is followed by an unchanged
  // configuration (the form esc_ctrl's formal proof assumes; formal/esc_ctrl_props.svh).
  `ESC_ASSERT(RegsCfgStable_A, busy_i |=> $stable(cfg_q))

`ifdef FORMAL
  `include "esc_regs_props.svh"
`endif
endmodule
