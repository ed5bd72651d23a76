// Controller: validates the layer configuration at START, sequences start / abort / done /
// error, latches load faults, and derives the layer geometry (Ho, Wo, H*W, Ho*Wo, tiles).
//
// Timing of START (cycle 0 = the register write):
//   cycle 1 (StChk1): Ho, Wo, H*W, C*H registered
//   cycle 2 (StChk2): C*H*W and Ho*Wo formed, every check evaluated; on failure error=1 and
//                     the code are visible in STATUS from cycle 3 (the contract: within 4)
//   cycle 3 (StRun):  run_start_o pulse to the window generator, BCU and esc_cau
// Error priority (first match wins): BAD_M, BAD_K, BAD_STRIDE, BAD_PAD, BAD_DIM, CAP_C,
// CAP_N, CAP_IFMAP, BAD_MODE, then a latched load fault (LOAD_ADDR / LOAD_INDEX, or
// COEF_RANGE for a coefficient a CoefWidth = 4 build cannot store).
// START while busy sets ERR_BUSY and leaves the running layer alone. ABORT while busy, or a
// run-time error from esc_cau, moves to StFlush, pulses run_abort_o (registered, in the
// first StFlush cycle) and stays in StFlush until every block reports idle; there is no
// timeout, so loads and a new START are never accepted while a block may still read a buffer.
// Every block clears its busy state on the abort pulse, so StFlush lasts FlushCycles = 2
// cycles (F0: the abort pulse, F1: all idle, leave); CtrlFlushBounded_A checks that bound.
module esc_ctrl #(
  parameter int unsigned NumPixLanes = esc_pkg::NumPixLanes,  // power of two
  parameter int unsigned MaxBases    = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels = esc_pkg::MaxChannels,
  parameter int unsigned MaxFilters  = esc_pkg::MaxFilters,
  parameter int unsigned IfmapBytes  = esc_pkg::IfmapBytes,
  parameter int unsigned CoefWidth   = esc_pkg::CoefWidth,
  parameter int unsigned BasisPerChannel = esc_pkg::BasisPerChannel
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  // CTRL pulses
  input  logic                     start_i,
  input  logic                     abort_i,
  input  logic                     clear_i,
  // Configuration (stable while busy)
  input  logic [esc_pkg::DimW-1:0] cfg_c_i,
  input  logic [esc_pkg::DimW-1:0] cfg_n_i,
  input  logic [esc_pkg::DimW-1:0] cfg_h_i,
  input  logic [esc_pkg::DimW-1:0] cfg_w_i,
  input  logic [esc_pkg::KspRegW-1:0] cfg_ksp_i,
  input  logic [esc_pkg::DimW-1:0] cfg_m_i,
  input  logic                     cfg_coef4_i,
  input  logic                     cfg_basis_per_ch_i,
  // Load faults (pulse + code) from the top decode or esc_cau
  input  logic                     ld_fault_i,
  input  esc_pkg::err_code_e       ld_fault_code_i,
  // Block status
  input  logic                     fe_busy_i,   // window generator or BCU still holds work
  input  logic                     cau_busy_i,
  input  logic                     cau_done_i,
  input  logic                     cau_err_i,
  input  esc_pkg::err_code_e       cau_err_code_i,
  // Status
  output logic                     busy_o,
  output logic                     running_o,    // StRun: loads into the idle banks allowed
  output logic                     done_o,
  output logic                     error_o,
  output esc_pkg::err_code_e       err_code_o,
  // Sequencing
  output logic                     cnt_clr_o,    // pulse: a layer was accepted (counters)
  output logic                     run_start_o,  // pulse: configuration legal, go
  output logic                     run_abort_o,  // pulse: flush every block
  // Derived geometry (valid from run_start_o until idle)
  output logic [esc_pkg::DimW-1:0] ho_o,
  output logic [esc_pkg::DimW-1:0] wo_o,
  output logic [esc_pkg::TileW-1:0] hw_o,
  output logic [esc_pkg::TileW-1:0] num_pix_o,
  output logic [esc_pkg::TileW-1:0] num_tiles_o
);
`include "esc_assert.svh"

  localparam int unsigned TShift      = $clog2(NumPixLanes);
  // Cycles spent in StFlush: the registered abort pulse (F0), then one cycle in which every
  // block (window generator, BCU, esc_cau) already reports idle, since each clears its busy
  // registers on the pulse. Not a timeout: the exit condition is "all idle" only.
  localparam int unsigned FlushCycles = 2;

  typedef enum logic [2:0] {
    StIdle  = 3'd0,
    StChk1  = 3'd1,
    StChk2  = 3'd2,
    StRun   = 3'd3,
    StFlush = 3'd4
  } ctrl_state_e;

  ctrl_state_e state_d, state_q;

  // KSP fields
  esc_pkg::ksp_reg_t ksp;
  logic [3:0]        k, stride, pad_t, pad_b, pad_l, pad_r;
  assign ksp    = cfg_ksp_i;
  assign k      = ksp.k;
  assign stride = ksp.stride;
  assign pad_t  = ksp.pad_t;
  assign pad_b  = ksp.pad_b;
  assign pad_l  = ksp.pad_l;
  assign pad_r  = ksp.pad_r;

  // ---------------------------------------------------------------------------
  // Geometry (stage 1: sums and Ho/Wo; stage 2: products)
  // ---------------------------------------------------------------------------
  logic [17:0] hp, wp;          // H + pads, W + pads
  logic        ho_neg, wo_neg;  // padded size < K
  logic [17:0] ho_full, wo_full;
  assign hp      = 18'(cfg_h_i) + 18'(pad_t) + 18'(pad_b);
  assign wp      = 18'(cfg_w_i) + 18'(pad_l) + 18'(pad_r);
  assign ho_neg  = hp < 18'(k);
  assign wo_neg  = wp < 18'(k);
  assign ho_full = ((hp - 18'(k)) >> (stride == 4'd2 ? 1 : 0)) + 18'd1;
  assign wo_full = ((wp - 18'(k)) >> (stride == 4'd2 ? 1 : 0)) + 18'd1;

  logic [esc_pkg::DimW-1:0] ho_d, ho_q, wo_d, wo_q;
  logic                     dim_neg_d, dim_neg_q;
  logic [31:0]              hw_d, hw_q, ch_d, ch_q;
  logic [31:0]              pix_d, pix_q;
  logic [esc_pkg::TileW-1:0] tiles_d, tiles_q;
  logic [31:0]              pix_round;

  assign pix_round = pix_d + 32'(NumPixLanes - 1);

  always_comb begin
    ho_d      = ho_q;
    wo_d      = wo_q;
    dim_neg_d = dim_neg_q;
    hw_d      = hw_q;
    ch_d      = ch_q;
    pix_d     = pix_q;
    tiles_d   = tiles_q;
    if (state_q == StChk1) begin
      ho_d      = ho_full[esc_pkg::DimW-1:0];
      wo_d      = wo_full[esc_pkg::DimW-1:0];
      dim_neg_d = ho_neg || wo_neg;
      hw_d      = 32'(cfg_h_i) * 32'(cfg_w_i);
      ch_d      = 32'(cfg_c_i) * 32'(cfg_h_i);
    end
    if (state_q == StChk2) begin
      pix_d   = 32'(ho_q) * 32'(wo_q);
      tiles_d = esc_pkg::TileW'(pix_round >> TShift);
    end
  end

  // ---------------------------------------------------------------------------
  // Checks (evaluated in StChk2 on stable configuration and stage-1 results)
  // ---------------------------------------------------------------------------
  esc_pkg::err_code_e chk_code;
  logic [47:0]        chw_now;
  assign chw_now = 48'(ch_q) * 48'(cfg_w_i);

  always_comb begin
    chk_code = esc_pkg::ERR_NONE;
    if (cfg_m_i == '0 || 32'(cfg_m_i) > MaxBases) begin
      chk_code = esc_pkg::ERR_BAD_M;
    end else if (!(k == 4'd1 || (k == 4'd3 && esc_pkg::MaxKernel >= 3))) begin
      chk_code = esc_pkg::ERR_BAD_K;
    end else if (!(stride == 4'd1 || stride == 4'd2)) begin
      chk_code = esc_pkg::ERR_BAD_STRIDE;
    end else if (pad_t >= k || pad_b >= k || pad_l >= k || pad_r >= k) begin
      chk_code = esc_pkg::ERR_BAD_PAD;
    end else if (cfg_c_i == '0 || cfg_n_i == '0 || cfg_h_i == '0 || cfg_w_i == '0 ||
                 dim_neg_q) begin
      chk_code = esc_pkg::ERR_BAD_DIM;
    end else if (32'(cfg_c_i) > MaxChannels) begin
      chk_code = esc_pkg::ERR_CAP_C;
    end else if (32'(cfg_n_i) > MaxFilters) begin
      chk_code = esc_pkg::ERR_CAP_N;
    end else if (32'(cfg_h_i) > esc_pkg::MaxDim || 32'(cfg_w_i) > esc_pkg::MaxDim ||
                 chw_now > 48'(IfmapBytes)) begin
      chk_code = esc_pkg::ERR_CAP_IFMAP;
    end else if ((CoefWidth < 8 && !cfg_coef4_i) ||
                 (BasisPerChannel == 0 && cfg_basis_per_ch_i)) begin
      chk_code = esc_pkg::ERR_BAD_MODE;
    end else if (ld_fault_q || ld_fault_i) begin
      chk_code = ld_fault_q ? ld_code_q : ld_fault_code_i;
    end
  end

  // ---------------------------------------------------------------------------
  // Load-fault latch (first fault wins until CLEAR)
  // ld_fault_i describes the beat accepted in the previous cycle (esc_top registers every
  // load fault), so the first fault in stream order is the one latched. A fault arriving with
  // CLEAR belongs to a beat accepted before the CLEAR write and is cleared with it.
  // ---------------------------------------------------------------------------
  logic               ld_fault_d, ld_fault_q;
  esc_pkg::err_code_e ld_code_d, ld_code_q;

  always_comb begin
    ld_fault_d = ld_fault_q;
    ld_code_d  = ld_code_q;
    if (clear_i) begin
      ld_fault_d = 1'b0;
      ld_code_d  = esc_pkg::ERR_NONE;
    end else if (ld_fault_i && !ld_fault_q) begin
      ld_fault_d = 1'b1;
      ld_code_d  = ld_fault_code_i;
    end
  end

  // ---------------------------------------------------------------------------
  // Sequencing FSM
  // ---------------------------------------------------------------------------
  logic               done_d, done_q, error_d, error_q, run_start_d, run_start_q;
  logic               run_abort_d, run_abort_q;
  esc_pkg::err_code_e code_d, code_q;
  logic [1:0]         flush_cnt_d, flush_cnt_q;  // cycles in StFlush, saturating (checks only)

  always_comb begin
    state_d     = state_q;
    done_d      = done_q;
    error_d     = error_q;
    code_d      = code_q;
    run_start_d = 1'b0;
    run_abort_d = 1'b0;
    cnt_clr_o   = 1'b0;
    flush_cnt_d = flush_cnt_q;

    if (clear_i) begin
      done_d  = 1'b0;
      error_d = 1'b0;
      code_d  = esc_pkg::ERR_NONE;
    end

    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          done_d    = 1'b0;
          error_d   = 1'b0;
          code_d    = esc_pkg::ERR_NONE;
          cnt_clr_o = 1'b1;
          state_d   = StChk1;
        end
      end
      StChk1: begin
        state_d = StChk2;
      end
      StChk2: begin
        if (chk_code != esc_pkg::ERR_NONE) begin
          error_d = 1'b1;
          code_d  = chk_code;
          state_d = StIdle;
        end else begin
          run_start_d = 1'b1;
          state_d     = StRun;
        end
      end
      StRun: begin
        if (abort_i || cau_err_i) begin
          run_abort_d = 1'b1;
          error_d     = 1'b1;
          code_d      = abort_i ? esc_pkg::ERR_ABORTED : cau_err_code_i;
          flush_cnt_d = '0;
          state_d     = StFlush;
        end else if (cau_done_i) begin
          done_d  = 1'b1;
          state_d = StIdle;
        end
      end
      StFlush: begin
        // run_abort_o pulses in the first flush cycle (registered: esc_cau's err_o may
        // depend combinationally on its abort_i, so the abort must not be combinational).
        if (flush_cnt_q != '1) flush_cnt_d = flush_cnt_q + 2'd1;
        if (!run_abort_q && !fe_busy_i && !cau_busy_i) begin
          state_d = StIdle;
        end
      end
      default: state_d = StIdle;
    endcase

    // ABORT during the configuration check: stop before anything started.
    if ((state_q == StChk1 || state_q == StChk2) && abort_i) begin
      run_start_d = 1'b0;
      error_d     = 1'b1;
      code_d      = esc_pkg::ERR_ABORTED;
      state_d     = StIdle;
    end
    // START while busy: report it, leave the running layer alone. An ABORT in the same CTRL
    // write wins: the layer stops and the code says so (ERR_ABORTED, or the abort's flush).
    if (state_q != StIdle && start_i && !abort_i) begin
      error_d = 1'b1;
      code_d  = esc_pkg::ERR_BUSY;
    end
  end

  assign busy_o      = (state_q != StIdle);
  assign running_o   = (state_q == StRun);
  assign done_o      = done_q;
  assign error_o     = error_q;
  assign err_code_o  = code_q;
  assign run_start_o = run_start_q;
  assign run_abort_o = run_abort_q;
  assign ho_o        = ho_q;
  assign wo_o        = wo_q;
  assign hw_o        = esc_pkg::TileW'(hw_q);
  assign num_pix_o   = esc_pkg::TileW'(pix_q);
  assign num_tiles_o = tiles_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      done_q      <= 1'b0;
      error_q     <= 1'b0;
      code_q      <= esc_pkg::ERR_NONE;
      run_start_q <= 1'b0;
      run_abort_q <= 1'b0;
      flush_cnt_q <= '0;
      ld_fault_q  <= 1'b0;
      ld_code_q   <= esc_pkg::ERR_NONE;
      ho_q        <= '0;
      wo_q        <= '0;
      dim_neg_q   <= 1'b0;
      hw_q        <= '0;
      ch_q        <= '0;
      pix_q       <= '0;
      tiles_q     <= '0;
    end else begin
      state_q     <= state_d;
      done_q      <= done_d;
      error_q     <= error_d;
      code_q      <= code_d;
      run_start_q <= run_start_d;
      run_abort_q <= run_abort_d;
      flush_cnt_q <= flush_cnt_d;
      ld_fault_q  <= ld_fault_d;
      ld_code_q   <= ld_code_d;
      ho_q        <= ho_d;
      wo_q        <= wo_d;
      dim_neg_q   <= dim_neg_d;
      hw_q        <= hw_d;
      ch_q        <= ch_d;
      pix_q       <= pix_d;
      tiles_q     <= tiles_d;
    end
  end

  logic unused_bits;
  assign unused_bits = ^{hw_q[31:esc_pkg::TileW], pix_q[31:esc_pkg::TileW],
                         pix_round[31:esc_pkg::TileW+TShift], ho_full[17:esc_pkg::DimW],
                         wo_full[17:esc_pkg::DimW]};

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT(CtrlStateLegal_A, state_q inside {StIdle, StChk1, StChk2, StRun, StFlush})
  `ESC_ASSERT_KNOWN(CtrlStatusKnown_A, {busy_o, done_o, error_o, err_code_o})
  `ESC_ASSERT_KNOWN(CtrlPulsesKnown_A, {run_start_o, run_abort_o, cnt_clr_o})
  // A layer starts only from the check state with a legal configuration.
  `ESC_ASSERT(CtrlStartOnlyInRun_A, run_start_o |-> state_q == StRun)
  // StFlush is left within FlushCycles cycles of entering it (the counter saturates above
  // the bound, so a block that stays busy makes this fail instead of wrapping).
  `ESC_ASSERT(CtrlFlushBounded_A, state_q == StFlush |-> 32'(flush_cnt_q) < FlushCycles)
  // Idle (ready for loads and START) only when every block is idle: no buffer is written or
  // a new layer started while a block may still read.
  `ESC_ASSERT(CtrlIdleBlocksIdle_A, state_q == StIdle |-> (!fe_busy_i && !cau_busy_i))
  // Configuration errors are reported within 4 cycles of START.
  `ESC_ASSERT(CtrlCheckLatency0_A, (state_q == StIdle && start_i) |=> (state_q == StChk1))
  `ESC_ASSERT(CtrlCheckLatency1_A, (state_q == StChk1) |=> (state_q == StChk2 || state_q == StIdle))
  `ESC_ASSERT(CtrlCheckLatency2_A, (state_q == StChk2) |=> (state_q == StRun || state_q == StIdle))
  `ESC_COVER(CtrlAbortRun_C, state_q == StRun && abort_i)
  `ESC_COVER(CtrlBusyStart_C, state_q == StRun && start_i)
  `ESC_COVER(CtrlCfgError_C, state_q == StChk2 && chk_code != esc_pkg::ERR_NONE)
  `ESC_COVER(CtrlLoadFaultStart_C, state_q == StChk2 && ld_fault_q)

`ifdef FORMAL
  `include "esc_ctrl_props.svh"
`endif
endmodule
