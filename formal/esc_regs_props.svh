// Formal properties of esc_regs, included at the end of the module under `ifdef FORMAL.
// See formal/README.md. Labels end in _P; scripts/formal.sh counts them per job.
// No environment assumption: any bus traffic, status and event inputs.
`ifdef ESC_FTOP_esc_regs

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  localparam int unsigned FCfgW = 5 * esc_pkg::DimW + esc_pkg::KspRegW + esc_pkg::ZShiftW +
                                  esc_pkg::ModeRegW;
  logic [FCfgW-1:0] f_cfg, f_cfg_next;
  assign f_cfg = cfg_q;

  // Expected configuration after a cycle: only a write while idle changes a register, and only
  // the addressed one, to the written data.
  logic [esc_pkg::DimW-1:0]     f_c, f_n, f_h, f_w, f_m;
  logic [esc_pkg::KspRegW-1:0]  f_ksp;
  logic [esc_pkg::ZShiftW-1:0]  f_zs;
  logic [esc_pkg::ModeRegW-1:0] f_mode;
  always @(*) begin
    {f_c, f_n, f_h, f_w, f_m, f_ksp, f_zs, f_mode} = f_cfg;
    if (wr && !busy_i) begin
      case (reg_addr_i)
        esc_pkg::REG_C:      f_c    = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_N:      f_n    = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_H:      f_h    = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_W:      f_w    = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_M:      f_m    = reg_wdata_i[esc_pkg::DimW-1:0];
        esc_pkg::REG_KSP:    f_ksp  = reg_wdata_i[esc_pkg::KspRegW-1:0];
        esc_pkg::REG_ZSHIFT: f_zs   = reg_wdata_i[esc_pkg::ZShiftW-1:0];
        esc_pkg::REG_MODE:   f_mode = reg_wdata_i[esc_pkg::ModeRegW-1:0];
        default: ;
      endcase
    end
  end
  assign f_cfg_next = {f_c, f_n, f_h, f_w, f_m, f_ksp, f_zs, f_mode};

  // What a read of the address returns (configuration, status, counters).
  logic [31:0] f_rexp;
  always @(*) begin
    f_rexp     = '0;
    case (reg_addr_i)
      esc_pkg::REG_STATUS:    f_rexp = {16'd0, err_code_i, 5'd0, error_i, done_i, busy_i};
      esc_pkg::REG_C:         f_rexp = 32'(cfg_q.c);
      esc_pkg::REG_N:         f_rexp = 32'(cfg_q.n);
      esc_pkg::REG_H:         f_rexp = 32'(cfg_q.h);
      esc_pkg::REG_W:         f_rexp = 32'(cfg_q.w);
      esc_pkg::REG_KSP:       f_rexp = 32'(cfg_q.ksp);
      esc_pkg::REG_M:         f_rexp = 32'(cfg_q.m);
      esc_pkg::REG_ZSHIFT:    f_rexp = 32'(cfg_q.zshift);
      esc_pkg::REG_MODE:      f_rexp = 32'(cfg_q.mode);
      esc_pkg::REG_CYC_TOTAL: f_rexp = cnt_q.total;
      esc_pkg::REG_CYC_BCU:   f_rexp = cnt_q.bcu;
      esc_pkg::REG_CYC_CAU:   f_rexp = cnt_q.cau;
      esc_pkg::REG_CYC_STALL: f_rexp = cnt_q.stall;
      esc_pkg::REG_RES_BEATS: f_rexp = cnt_q.res_beats;
      esc_pkg::REG_LD_BEATS:  f_rexp = cnt_q.ld_beats;
      esc_pkg::REG_LD_IDLE:   f_rexp = cnt_q.ld_idle;
      esc_pkg::REG_LD_BYTES:  f_rexp = cnt_q.ld_bytes;
      esc_pkg::REG_RES_BYTES: f_rexp = cnt_q.res_bytes;
      default: begin
        // The capability window and the event counters read the words their inputs carry;
        // every other address (CTRL included) reads 0.
        if (32'(reg_addr_i) >= esc_pkg::CapBase &&
            32'(reg_addr_i) < esc_pkg::CapBase + esc_pkg::NumCapWords) begin
          f_rexp = cap_i[(32'(reg_addr_i) - esc_pkg::CapBase)*32 +: 32];
        end else if (32'(reg_addr_i) >= 32'(esc_pkg::REG_EVT_BCU_MACS) &&
                     32'(reg_addr_i) < 32'(esc_pkg::REG_EVT_BCU_MACS) + esc_pkg::NumEvt) begin
          f_rexp = evt_cnt_i[(32'(reg_addr_i) - 32'(esc_pkg::REG_EVT_BCU_MACS))*32 +: 32];
        end
      end
    endcase
  end

  always @(*) begin
    if (rst_ni) begin
      // A read (whatever is on the write-data bus) raises no CTRL pulse.
      RegsReadNoPulse_P: assert (!(rd && (start_o || abort_o || clear_o)));
    end
  end

  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // Configuration registers do not change while busy.
      if ($past(busy_i)) RegsCfgFrozenWhileBusy_P: assert (f_cfg == $past(f_cfg));
      // A read has no side effect on the configuration, with any data on the write-data bus.
      if ($past(rd)) RegsReadNoSideEffect_P: assert (f_cfg == $past(f_cfg));
      // Write decode: exactly the addressed register takes the written data, when idle.
      RegsCfgWriteExact_P: assert (f_cfg == $past(f_cfg_next));
      // Read data: the addressed register one cycle later; held while there is no read.
      if ($past(rd)) RegsReadBack_P: assert (reg_rdata_o == $past(f_rexp));
      if (!$past(rd)) RegsRdataHolds_P: assert (reg_rdata_o == $past(reg_rdata_o));
      // Counters: restart when a layer is accepted (cnt_clr) / on CLEAR (LD_BEATS) ...
      if ($past(cnt_clr_i)) begin
        RegsCntClr_P: assert (cnt_q.total == '0 && cnt_q.bcu == '0 && cnt_q.cau == '0 &&
                              cnt_q.stall == '0 && cnt_q.res_beats == '0);
      end
      if ($past(clear_o)) RegsLdBeatsClear_P: assert (cnt_q.ld_beats == '0 && cnt_q.ld_idle == '0);
      // ... and otherwise count their events, one per cycle.
      if (!$past(cnt_clr_i)) begin
        RegsCntCount_P: assert (
          cnt_q.total == $past(cnt_q.total) + 32'($past(busy_i)) &&
          cnt_q.bcu   == $past(cnt_q.bcu)   + 32'($past(bcu_active_i)) &&
          cnt_q.cau   == $past(cnt_q.cau)   + 32'($past(cau_active_i)) &&
          cnt_q.stall == $past(cnt_q.stall) +
                         32'($past(busy_i && !bcu_active_i && !cau_active_i)) &&
          cnt_q.res_beats == $past(cnt_q.res_beats) + 32'($past(res_fire_i)));
      end
      if (!$past(clear_o)) begin
        RegsLdBeatsCount_P: assert (cnt_q.ld_beats == $past(cnt_q.ld_beats) + 32'($past(ld_fire_i)));
        // LD_IDLE: the accepted beats that came with ld_idle_i (the top: while not busy).
        RegsLdIdleCount_P: assert (cnt_q.ld_idle ==
                                   $past(cnt_q.ld_idle) + 32'($past(ld_fire_i && ld_idle_i)));
      end
    end
  end

  // Reachability of the conditions the properties above depend on (scripts/formal.sh runs
  // yosys-smtbmc -c and fails if one is not reached: a property that cannot trigger is vacuous).
  always @(*) begin
    if (rst_ni) begin
      RegsReadCfg_C:      cover (rd && reg_addr_i == esc_pkg::REG_C && cfg_q.c != '0 &&
                                 reg_wdata_i != '0);
      RegsWriteBusy_C:    cover (wr && busy_i && reg_addr_i == esc_pkg::REG_C);
      RegsCntClr_C:       cover (cnt_clr_i && cnt_q.total != '0);
      RegsClearLd_C:      cover (clear_o && cnt_q.ld_beats != '0);
      RegsLdBusy_C:       cover (ld_fire_i && !ld_idle_i && cnt_q.ld_idle != '0);
      RegsReadCap_C:      cover (rd && reg_addr_i == esc_pkg::REG_CAP_ID && cap_i != '0);
    end
  end

`endif
