// Formal properties of esc_ctrl, included at the end of the module under `ifdef FORMAL.
// See formal/README.md. Labels end in _P; scripts/formal.sh counts them per job.
//
// Environment: the configuration inputs do not change in a cycle after one in which busy_o was
// high. esc_regs guarantees it (RegsCfgFrozenWhileBusy_P, proven in the regs job, and
// RegsCfgStable_A in simulation). Nothing is assumed about the blocks' busy/done/error inputs.
`ifdef ESC_FTOP_esc_ctrl

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  logic [127:0] f_cfg;
  assign f_cfg = {cfg_c_i, cfg_n_i, cfg_h_i, cfg_w_i, cfg_ksp_i, cfg_m_i, 6'd0,
                  cfg_basis_per_ch_i, cfg_coef4_i};
  always @(posedge clk_i) begin
    if (f_past_valid && $past(rst_ni && busy_o)) begin
      RegsCfgFrozenWhileBusy_A_env: assume (f_cfg == $past(f_cfg));
    end
  end

  // The documented check, written from the header and esc_pkg::err_code_e (first match wins),
  // independently of the RTL's two-stage implementation.
  esc_pkg::err_code_e f_spec;
  logic [17:0] f_hp, f_wp;
  logic [47:0] f_chw;
  logic [31:0] f_ch;
  assign f_hp  = 18'(cfg_h_i) + 18'(pad_t) + 18'(pad_b);
  assign f_wp  = 18'(cfg_w_i) + 18'(pad_l) + 18'(pad_r);
  // C*H*W formed as (C*H, registered in StChk1) * W, like the RTL: z3 cannot prove two
  // differently built 48-bit multipliers equal within the time budget, and the product itself
  // (16x16 -> 32, 32x16 -> 48 bits, no overflow) is not what these properties are about.
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                 f_ch <= '0;
    else if (state_q == StChk1)  f_ch <= 32'(cfg_c_i) * 32'(cfg_h_i);
  end
  assign f_chw = 48'(f_ch) * 48'(cfg_w_i);
  always @(*) begin
    if (cfg_m_i == '0 || 32'(cfg_m_i) > MaxBases)                   f_spec = esc_pkg::ERR_BAD_M;
    else if (k != 4'd1 && k != 4'd3)                                 f_spec = esc_pkg::ERR_BAD_K;
    else if (stride != 4'd1 && stride != 4'd2)                       f_spec = esc_pkg::ERR_BAD_STRIDE;
    else if (pad_t >= k || pad_b >= k || pad_l >= k || pad_r >= k)   f_spec = esc_pkg::ERR_BAD_PAD;
    else if (cfg_c_i == '0 || cfg_n_i == '0 || cfg_h_i == '0 || cfg_w_i == '0 ||
             f_hp < 18'(k) || f_wp < 18'(k))                         f_spec = esc_pkg::ERR_BAD_DIM;
    else if (32'(cfg_c_i) > MaxChannels)                             f_spec = esc_pkg::ERR_CAP_C;
    else if (32'(cfg_n_i) > MaxFilters)                              f_spec = esc_pkg::ERR_CAP_N;
    else if (32'(cfg_h_i) > esc_pkg::MaxDim || 32'(cfg_w_i) > esc_pkg::MaxDim ||
             f_chw > 48'(IfmapBytes))                                f_spec = esc_pkg::ERR_CAP_IFMAP;
    else if ((CoefWidth < 8 && !cfg_coef4_i) ||
             (BasisPerChannel == 0 && cfg_basis_per_ch_i))           f_spec = esc_pkg::ERR_BAD_MODE;
    else                                                             f_spec = esc_pkg::ERR_NONE;
  end

  // Follow one START: f_age = cycles since it was accepted (0 = not following); f_quiet = no
  // START arrived in the check cycles (it would report ERR_BUSY); f_code = the expected code
  // (taken in StChk2; the configuration is frozen from StChk1 on, so it is the configuration of
  // the whole check); f_ldf = a load fault was pending at the check.
  logic [2:0]         f_age;
  logic               f_quiet, f_ldf;
  esc_pkg::err_code_e f_code;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_age <= '0;
    end else if (state_q == StIdle && start_i) begin
      f_age   <= 3'd1;
      f_quiet <= 1'b1;
      f_ldf   <= 1'b0;
    end else if (f_age != 0) begin
      // ABORT in the check ends the layer (CtrlAbortInCheck_P); stop following it.
      f_age <= (f_age == 3'd3 || (f_age != 3'd3 && abort_i)) ? 3'd0 : f_age + 3'd1;
      if (start_i) f_quiet <= 1'b0;
      if (f_age == 3'd2) f_code <= f_spec;
      if (f_age == 3'd2) f_ldf  <= ld_fault_q || ld_fault_i;
    end
  end

  // Cycles spent since an ABORT (or run-time error) left StRun, while still busy (saturating:
  // a block may stay busy for ever here, nothing is assumed about the blocks).
  logic [5:0] f_flush_len;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                  f_flush_len <= '0;
    else if (state_d == StFlush)  f_flush_len <= (f_flush_len == '1) ? f_flush_len : f_flush_len + 6'd1;
    else                          f_flush_len <= '0;
  end

  always @(*) begin
    if (rst_ni) begin
      // One legal state at a time.
      CtrlStateLegal_P: assert (state_q == StIdle || state_q == StChk1 || state_q == StChk2 ||
                              state_q == StRun || state_q == StFlush);
      // Counters restart exactly when a layer is accepted.
      CtrlCntClrOnAccept_P: assert (cnt_clr_o == (state_q == StIdle && start_i));
      // The abort pulse is registered and comes in the first flush cycle only.
      CtrlAbortPulse_P: assert (!run_abort_o || (state_q == StFlush && flush_cnt_q == '0));
      // Internal: the check tracker agrees with the state (makes the induction step inductive).
      CtrlTrackState_P: assert ((f_age == 3'd1) == (state_q == StChk1) &&
                                (f_age == 3'd2) == (state_q == StChk2));
      CtrlChProduct_P:  assert (ch_q == f_ch);
      // flush_cnt_q counts the StFlush cycles and saturates at 3.
      CtrlFlushCount_P: assert (state_q != StFlush || (f_flush_len != 0 &&
                                32'(flush_cnt_q) == ((32'(f_flush_len) - 1 < 3) ? 32'(f_flush_len) - 1 : 3)));
      // StFlush is left only after the abort pulse and only when every block reports idle (no
      // timeout: loads and START are never accepted while a block may still read a buffer) ...
      CtrlFlushExitOnlyIdle_P: assert (!(state_q == StFlush && state_d != StFlush) ||
                                       (!run_abort_q && !fe_busy_i && !cau_busy_i));
      // ... and at once when they do: the blocks clear their busy state on the pulse, so with
      // them StFlush lasts FlushCycles = 2 cycles (simulation: CtrlFlushBounded_A).
      CtrlFlushExitWhenIdle_P: assert (!(state_q == StFlush && !run_abort_q && !fe_busy_i &&
                                         !cau_busy_i) || state_d == StIdle);
    end
  end

  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // run_start_o pulses only when the check passed: the cycle after StChk2, in StRun.
      if (run_start_o) CtrlStartAfterCheck_P: assert (state_q == StRun && $past(state_q == StChk2));
      // ABORT during the check stops the layer in the next cycle with ERR_ABORTED, also when
      // the same CTRL write carries START (ABORT wins over START-while-busy).
      if ($past((state_q == StChk1 || state_q == StChk2) && abort_i)) begin
        CtrlAbortInCheckStops_P: assert (!busy_o && error_o && !run_start_o);
        CtrlAbortInCheckCode_P: assert (err_code_o == esc_pkg::ERR_ABORTED);
      end
      // Error within the documented bound: 3 cycles after START (contract: within 4) STATUS
      // shows the first failing configuration check, exactly, and the controller is idle.
      if (f_age == 3'd3 && f_quiet && f_code != esc_pkg::ERR_NONE) begin
        CtrlCfgErrorIn3_P: assert (!busy_o && error_o && err_code_o == f_code && !run_start_o);
      end
      // A legal configuration without a pending load fault starts the layer in cycle 3.
      if (f_age == 3'd3 && f_quiet && f_code == esc_pkg::ERR_NONE && !f_ldf) begin
        CtrlLegalStartsIn3_P: assert (state_q == StRun && run_start_o && !error_o);
      end
      // CLEAR in idle (without START) leaves STATUS clear: no done, no error, code NONE.
      if ($past(clear_i && state_q == StIdle && !start_i)) begin
        CtrlClearClears_P: assert (!done_o && !error_o && err_code_o == esc_pkg::ERR_NONE);
      end
      // First load fault wins: a latched code changes only through CLEAR.
      if ($past(ld_fault_q && !clear_i)) begin
        CtrlLoadFaultFirstWins_P: assert (ld_fault_q && ld_code_q == $past(ld_code_q));
      end
    end
  end

  // Reachability of the conditions the properties above depend on (scripts/formal.sh runs
  // yosys-smtbmc -c and fails if one is not reached: a property that cannot trigger is vacuous).
  always @(*) begin
    if (rst_ni) begin
      CtrlCfgError_C:     cover (f_age == 3'd3 && f_quiet && f_code != esc_pkg::ERR_NONE);
      CtrlCapIfmap_C:     cover (f_age == 3'd3 && f_quiet && f_code == esc_pkg::ERR_CAP_IFMAP);
      CtrlLegalStart_C:   cover (f_age == 3'd3 && f_quiet && f_code == esc_pkg::ERR_NONE && !f_ldf);
      CtrlAbortInCheck_C: cover (state_q == StChk2 && abort_i && !start_i);
      CtrlFlushWaits_C:   cover (state_q == StFlush && flush_cnt_q == 2'd2 && fe_busy_i);
      CtrlFlushExit_C:    cover (state_q == StFlush && state_d == StIdle);
      CtrlLoadFault_C:    cover (ld_fault_q && ld_fault_i && !clear_i);
      CtrlClearDone_C:    cover (clear_i && state_q == StIdle && !start_i && done_o);
    end
  end

`endif
