// ESCALATE accelerator top level.
// PORT CONTRACT (fixed; see docs/architecture.md).
//
// Front end: esc_regs (register bus, counters), esc_ctrl (validation, sequencing), load
// decode, esc_ifmap_buf + esc_window_gen (T windows per group, K segment reads per tile row), esc_basis_buf + esc_bcu
// (one basis per cycle, Z slots). Back end: esc_cau (u_cau) behind the z stream.
module esc_top #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  parameter int unsigned MaxBases     = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels  = esc_pkg::MaxChannels,
  parameter int unsigned MaxFilters   = esc_pkg::MaxFilters,
  parameter int unsigned IfmapBytes   = esc_pkg::IfmapBytes,
  parameter int unsigned CoefDepth    = esc_pkg::CoefDepth,
  parameter int unsigned ZFifoDepth   = esc_pkg::ZFifoDepth,
  parameter int unsigned CoefWidth    = esc_pkg::CoefWidth,
  parameter int unsigned BasisPerChannel = esc_pkg::BasisPerChannel
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  // Register bus (always ready; read data valid the cycle after the request)
  input  logic                               reg_valid_i,
  input  logic                               reg_write_i,
  input  logic [esc_pkg::RegAddrW-1:0]       reg_addr_i,
  input  logic [esc_pkg::RegDataW-1:0]      reg_wdata_i,
  output logic [esc_pkg::RegDataW-1:0]      reg_rdata_o,
  // Load stream
  input  logic                               ld_valid_i,
  output logic                               ld_ready_o,
  input  logic [esc_pkg::LdTgtW-1:0]         ld_tgt_i,
  input  logic [esc_pkg::LdAddrW-1:0]        ld_addr_i,
  input  logic [esc_pkg::LdDataW-1:0]        ld_data_i,
  // Result stream
  output logic                               res_valid_o,
  input  logic                               res_ready_i,
  output logic [NumPixLanes*esc_pkg::ActW-1:0] res_data_o,
  output logic [NumPixLanes*esc_pkg::AccW-1:0] res_acc_o,
  output logic [esc_pkg::NIdxW-1:0]         res_n_o,
  output logic [esc_pkg::TileW-1:0]          res_tile_o,
  output logic                               res_last_o,
  // Level outputs for convenience (same as STATUS bits)
  output logic                               busy_o,
  output logic                               done_o,
  output logic                               error_o
);

`include "esc_assert.svh"

  localparam int unsigned ZDataW     = esc_pkg::z_data_width(NumPixLanes, MaxBases);
  localparam int unsigned ByteAddrW  = $clog2(IfmapBytes);
  localparam int unsigned WordAddrW  = ByteAddrW - 3;
  localparam int unsigned SegWords   = esc_pkg::seg_words(NumPixLanes);
  localparam int unsigned BasisDepth = esc_pkg::basis_depth(MaxBases, MaxChannels,
                                                          BasisPerChannel);
  localparam int unsigned BasisAddrW = esc_pkg::idx_width(BasisDepth);      // within a bank
  localparam int unsigned BasisRamAW = esc_pkg::idx_width(2 * BasisDepth);  // both banks
  localparam int unsigned SpaceW     = esc_pkg::LdSpaceW;

  // An illegal parameter set stops elaboration here, with a message naming the rule.
  esc_param_check #(
    .NumPixLanes (NumPixLanes),
    .NumCoefLanes(NumCoefLanes),
    .MaxBases    (MaxBases),
    .MaxChannels (MaxChannels),
    .MaxFilters  (MaxFilters),
    .IfmapBytes  (IfmapBytes),
    .CoefDepth   (CoefDepth),
    .ZFifoDepth  (ZFifoDepth),
    .CoefWidth   (CoefWidth),
    .BasisPerChannel(BasisPerChannel)
  ) u_param_check ();

  // ---------------------------------------------------------------------------
  // Registers and controller
  // ---------------------------------------------------------------------------
  logic                        start, abort, clear;
  logic [esc_pkg::DimW-1:0]    cfg_c, cfg_n, cfg_h, cfg_w, cfg_m;
  esc_pkg::ksp_reg_t           cfg_ksp;
  logic [esc_pkg::ZShiftW-1:0] cfg_zshift;
  esc_pkg::mode_reg_t          cfg_mode;
  logic                        busy, running, done, error;
  esc_pkg::err_code_e          err_code;
  logic                        cnt_clr, run_start, run_abort;
  logic [esc_pkg::DimW-1:0]    ho, wo;
  logic [esc_pkg::TileW-1:0]   hw, num_pix, num_tiles;
  logic                        bcu_active, cau_active, res_fire, ld_fire;
  logic [esc_pkg::NumEvt*esc_pkg::RegDataW-1:0] evt_cnt;
  logic                        wgen_busy, bcu_busy, cau_busy, cau_done, cau_err;
  esc_pkg::err_code_e          cau_err_code;
  logic                        ld_fault;
  esc_pkg::err_code_e          ld_fault_code;

  // What the capability registers report: this netlist's parameters (one mapping, generated
  // from rtl/esc_interface.toml).
  logic [esc_pkg::NumCapWords*esc_pkg::RegDataW-1:0] cap_words;
  assign cap_words = esc_pkg::cap_words(NumPixLanes, NumCoefLanes, MaxBases, MaxChannels,
                                        MaxFilters, IfmapBytes, CoefDepth, CoefWidth,
                                        BasisPerChannel);

  esc_regs #(
    .NumPixLanes(NumPixLanes)
  ) u_regs (
    .clk_i,
    .rst_ni,
    .reg_valid_i,
    .reg_write_i,
    .reg_addr_i,
    .reg_wdata_i,
    .reg_rdata_o,
    .start_o     (start),
    .abort_o     (abort),
    .clear_o     (clear),
    .cfg_c_o     (cfg_c),
    .cfg_n_o     (cfg_n),
    .cfg_h_o     (cfg_h),
    .cfg_w_o     (cfg_w),
    .cfg_ksp_o   (cfg_ksp),
    .cfg_m_o     (cfg_m),
    .cfg_zshift_o(cfg_zshift),
    .cfg_mode_o  (cfg_mode),
    .busy_i      (busy),
    .done_i      (done),
    .error_i     (error),
    .err_code_i  (err_code),
    .cnt_clr_i   (cnt_clr),
    .bcu_active_i(bcu_active),
    .cau_active_i(cau_active),
    .res_fire_i  (res_fire),
    .ld_fire_i   (ld_fire),
    .ld_idle_i   (ld_fire && !busy),
    .evt_cnt_i   (evt_cnt),
    .cap_i       (cap_words)
  );

  esc_ctrl #(
    .NumPixLanes(NumPixLanes),
    .MaxBases   (MaxBases),
    .MaxChannels(MaxChannels),
    .MaxFilters (MaxFilters),
    .IfmapBytes (IfmapBytes),
    .CoefWidth  (CoefWidth),
    .BasisPerChannel(BasisPerChannel)
  ) u_ctrl (
    .clk_i,
    .rst_ni,
    .start_i        (start),
    .abort_i        (abort),
    .clear_i        (clear),
    .cfg_c_i        (cfg_c),
    .cfg_n_i        (cfg_n),
    .cfg_h_i        (cfg_h),
    .cfg_w_i        (cfg_w),
    .cfg_ksp_i      (cfg_ksp),
    .cfg_m_i        (cfg_m),
    .cfg_coef4_i    (cfg_mode.coef4),
    .cfg_basis_per_ch_i(cfg_mode.basis_per_ch),
    .ld_fault_i     (ld_fault),
    .ld_fault_code_i(ld_fault_code),
    .fe_busy_i      (wgen_busy || bcu_busy),
    .cau_busy_i     (cau_busy),
    .cau_done_i     (cau_done),
    .cau_err_i      (cau_err),
    .cau_err_code_i (cau_err_code),
    .busy_o         (busy),
    .running_o      (running),
    .done_o         (done),
    .error_o        (error),
    .err_code_o     (err_code),
    .cnt_clr_o      (cnt_clr),
    .run_start_o    (run_start),
    .run_abort_o    (run_abort),
    .ho_o           (ho),
    .wo_o           (wo),
    .hw_o           (hw),
    .num_pix_o      (num_pix),
    .num_tiles_o    (num_tiles)
  );

  assign busy_o  = busy;
  assign done_o  = done;
  assign error_o = error;

  // ---------------------------------------------------------------------------
  // Load stream decode
  // Every load-written buffer has two banks; ld_addr_i[SpaceW] names the bank of a beat. A
  // layer reads the IFMAP bank MODE.ibank and the weight banks (BASIS, COEF, COLPTR, BIAS)
  // MODE.wbank. While idle every beat is accepted; while a layer runs (StRun, not the check
  // or flush cycles) a beat into the bank it does not read is accepted, so the host loads the
  // next pass during this one, and a beat into the bank in use waits until the layer ends.
  // ---------------------------------------------------------------------------
  logic ifmap_we, basis_we, cau_we, top_fault, cau_ld_err;
  logic ld_bank, ld_bank_in_use;
  esc_pkg::err_code_e cau_ld_err_code;

  assign ld_bank        = ld_addr_i[SpaceW];
  // Gated by ld_valid_i so that ld_ready_o never depends on an idle payload (a 4-state
  // simulation with X on an idle bus found ld_ready_o X: tb/icarus, --xidle).
  assign ld_bank_in_use = ld_valid_i &&
                          ((ld_tgt_i == esc_pkg::TGT_IFMAP) ? (ld_bank == cfg_mode.ibank)
                                                            : (ld_bank == cfg_mode.wbank));
  assign ld_ready_o     = !busy || (running && !ld_bank_in_use);
  assign ld_fire        = ld_valid_i && ld_ready_o;

  always_comb begin
    ifmap_we  = 1'b0;
    basis_we  = 1'b0;
    cau_we    = 1'b0;
    top_fault = 1'b0;
    if (ld_fire) begin
      unique case (ld_tgt_i)
        esc_pkg::TGT_IFMAP: begin
          if (32'(ld_addr_i[SpaceW-1:0]) < IfmapBytes / 8) ifmap_we = 1'b1;
          else top_fault = 1'b1;
        end
        esc_pkg::TGT_BASIS: begin
          if (32'(ld_addr_i[SpaceW-1:0]) < BasisDepth) basis_we = 1'b1;
          else top_fault = 1'b1;
        end
        esc_pkg::TGT_COEF, esc_pkg::TGT_COLPTR, esc_pkg::TGT_BIAS: cau_we = 1'b1;
        default: top_fault = 1'b1;  // targets 5..7
      endcase
    end
  end

  // Typed copy of the target for esc_cau (a case instead of a cast: Yosys 0.23 rejects
  // casts to package types). esc_cau only sees ld_we_i for COEF/COLPTR/BIAS.
  esc_pkg::ld_tgt_e cau_ld_tgt;
  always_comb begin
    unique case (ld_tgt_i)
      esc_pkg::TGT_BASIS:  cau_ld_tgt = esc_pkg::TGT_BASIS;
      esc_pkg::TGT_COEF:   cau_ld_tgt = esc_pkg::TGT_COEF;
      esc_pkg::TGT_COLPTR: cau_ld_tgt = esc_pkg::TGT_COLPTR;
      esc_pkg::TGT_BIAS:   cau_ld_tgt = esc_pkg::TGT_BIAS;
      default:             cau_ld_tgt = esc_pkg::TGT_IFMAP;
    endcase
  end

  // Load faults in stream order: esc_cau reports a bad COEF/COLPTR/BIAS beat one cycle after
  // the beat (registered), so a fault found here on an IFMAP/BASIS/unknown-target beat is
  // registered too. Both then describe the beat of the previous cycle (at most one beat per
  // cycle, so they never coincide) and esc_ctrl latches the first fault of the stream.
  logic top_fault_d, top_fault_q;
  assign top_fault_d = top_fault;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      top_fault_q <= 1'b0;
    end else begin
      top_fault_q <= top_fault_d;
    end
  end

  assign ld_fault      = top_fault_q || cau_ld_err;
  assign ld_fault_code = top_fault_q ? esc_pkg::ERR_LOAD_ADDR : cau_ld_err_code;

  // ---------------------------------------------------------------------------
  // IFMAP buffer and window generator
  // ---------------------------------------------------------------------------
  logic                        ifmap_re;
  logic [ByteAddrW-1:0]        ifmap_raddr;
  logic [SegWords*esc_pkg::IfmapBeatBytesW-1:0] ifmap_rdata;
  logic                        grp_valid, grp_ready;
  logic [NumPixLanes*esc_pkg::MaxTaps*esc_pkg::ActW-1:0] grp_win;
  logic [esc_pkg::DimW-1:0]    grp_c;

  // Both banks in one buffer (its two halves; addresses wrap within a half).
  esc_ifmap_buf #(
    .IfmapBytes (IfmapBytes),
    .NumPixLanes(NumPixLanes),
    .SegWords   (SegWords)
  ) u_ifmap (
    .clk_i,
    .rst_ni,
    .wr_en_i  (ifmap_we),
    .wr_half_i(ld_bank),
    .wr_word_i(ld_addr_i[WordAddrW-1:0]),
    .wr_data_i(ld_data_i[esc_pkg::IfmapBeatBytesLsb +: esc_pkg::IfmapBeatBytesW]),
    .rd_en_i  (ifmap_re),
    .rd_half_i(cfg_mode.ibank),
    .rd_addr_i(ifmap_raddr),
    .rd_data_o(ifmap_rdata)
  );

  esc_window_gen #(
    .NumPixLanes(NumPixLanes),
    .IfmapBytes (IfmapBytes),
    .SegWords   (SegWords)
  ) u_wgen (
    .clk_i,
    .rst_ni,
    .start_i        (run_start),
    .abort_i        (run_abort),
    .cfg_c_i        (cfg_c),
    .cfg_h_i        (cfg_h),
    .cfg_w_i        (cfg_w),
    .cfg_k3_i       (cfg_ksp.k == 4'd3),
    .cfg_stride2_i  (cfg_ksp.stride == 4'd2),
    .cfg_pad_t_i    (cfg_ksp.pad_t[1:0]),
    .cfg_pad_l_i    (cfg_ksp.pad_l[1:0]),
    .cfg_wo_i       (wo),
    .cfg_hw_i       (hw),
    .cfg_num_pix_i  (num_pix),
    .cfg_num_tiles_i(num_tiles),
    .rd_en_o        (ifmap_re),
    .rd_addr_o      (ifmap_raddr),
    .rd_data_i      (ifmap_rdata),
    .grp_valid_o    (grp_valid),
    .grp_ready_i    (grp_ready),
    .grp_win_o      (grp_win),
    .grp_c_o        (grp_c),
    .busy_o         (wgen_busy)
  );

  // ---------------------------------------------------------------------------
  // Basis buffer and BCU
  // ---------------------------------------------------------------------------
  logic                        basis_re;
  logic [BasisAddrW-1:0]       basis_raddr;
  logic [esc_pkg::LdDataW-1:0] basis_rdata;
  logic                        z_valid, z_ready;
  logic [ZDataW-1:0]           z_data;

  // Both banks in one buffer: bank 1 starts at entry BasisDepth (not always a power of two).
  logic [BasisRamAW-1:0] basis_ram_waddr, basis_ram_raddr;
  assign basis_ram_waddr = BasisRamAW'(ld_addr_i[BasisAddrW-1:0]) +
                           (ld_bank ? BasisRamAW'(BasisDepth) : '0);
  assign basis_ram_raddr = BasisRamAW'(basis_raddr) +
                           (cfg_mode.wbank ? BasisRamAW'(BasisDepth) : '0);

  esc_basis_buf #(
    .MaxBases   (MaxBases),
    .MaxChannels(MaxChannels),
    .Depth      (2 * BasisDepth),
    .AddrW      (BasisRamAW)
  ) u_basis (
    .clk_i,
    .rst_ni,
    .wr_en_i  (basis_we),
    .wr_addr_i(basis_ram_waddr),
    .wr_data_i(ld_data_i),  // BASIS beat: all LdDataW bits are taps
    .rd_en_i  (basis_re),
    .rd_addr_i(basis_ram_raddr),
    .rd_data_o(basis_rdata)
  );

  esc_bcu #(
    .NumPixLanes(NumPixLanes),
    .MaxBases   (MaxBases),
    .MaxChannels(MaxChannels),
    .BasisAddrW (BasisAddrW)
  ) u_bcu (
    .clk_i,
    .rst_ni,
    .start_i           (run_start),
    .abort_i           (run_abort),
    .cfg_m_i           (cfg_m[esc_pkg::MIdxW-1:0]),
    .cfg_zshift_i      (cfg_zshift),
    // esc_ctrl refuses a per-channel layer on a build without the store (BAD_MODE)
    .cfg_basis_per_ch_i(cfg_mode.basis_per_ch && (BasisPerChannel != 0)),
    .grp_valid_i       (grp_valid),
    .grp_ready_o       (grp_ready),
    .grp_win_i         (grp_win),
    .grp_c_i           (grp_c),
    .basis_re_o        (basis_re),
    .basis_raddr_o     (basis_raddr),
    .basis_rdata_i     (basis_rdata),
    .z_valid_o         (z_valid),
    .z_ready_i         (z_ready),
    .z_data_o          (z_data),
    .active_o          (bcu_active),
    .busy_o            (bcu_busy)
  );

  // ---------------------------------------------------------------------------
  // Back end
  // ---------------------------------------------------------------------------
  logic [NumCoefLanes-1:0] evt_issue, evt_coef_re, evt_colptr_re, evt_zf_re, evt_psum_dr,
                           evt_psum_we;
  logic                    evt_coef_we, evt_colptr_we, evt_zf_we, evt_bias_re, evt_bias_we;

  esc_cau #(
    .NumPixLanes (NumPixLanes),
    .NumCoefLanes(NumCoefLanes),
    .MaxBases    (MaxBases),
    .MaxChannels (MaxChannels),
    .MaxFilters  (MaxFilters),
    .CoefDepth   (CoefDepth),
    .ZFifoDepth  (ZFifoDepth),
    .CoefWidth   (CoefWidth)
  ) u_cau (
    .clk_i,
    .rst_ni,
    .cfg_c_i        (cfg_c),
    .cfg_n_i        (cfg_n),
    .cfg_m_i        (cfg_m[esc_pkg::MIdxW-1:0]),
    .cfg_coef4_i    (cfg_mode.coef4),
    .cfg_relu_i     (cfg_mode.relu),
    .cfg_wbank_i    (cfg_mode.wbank),
    .cfg_num_tiles_i(num_tiles),
    .start_i        (run_start),
    .abort_i        (run_abort),
    .ld_we_i        (cau_we),
    .ld_tgt_i       (cau_ld_tgt),
    .ld_addr_i,
    .ld_data_i,
    .ld_err_o       (cau_ld_err),
    .ld_err_code_o  (cau_ld_err_code),
    .z_valid_i      (z_valid),
    .z_ready_o      (z_ready),
    .z_data_i       (z_data),
    .res_valid_o,
    .res_ready_i,
    .res_data_o,
    .res_acc_o,
    .res_n_o,
    .res_tile_o,
    .res_last_o,
    .busy_o         (cau_busy),
    .done_o         (cau_done),
    .err_o          (cau_err),
    .err_code_o     (cau_err_code),
    .active_o       (cau_active),
    .evt_issue_o    (evt_issue),
    .evt_coef_re_o  (evt_coef_re),
    .evt_coef_we_o  (evt_coef_we),
    .evt_colptr_re_o(evt_colptr_re),
    .evt_colptr_we_o(evt_colptr_we),
    .evt_zf_re_o    (evt_zf_re),
    .evt_zf_we_o    (evt_zf_we),
    .evt_psum_dr_o  (evt_psum_dr),
    .evt_psum_we_o  (evt_psum_we),
    .evt_bias_re_o  (evt_bias_re),
    .evt_bias_we_o  (evt_bias_we)
  );

  // ---------------------------------------------------------------------------
  // Activity event counters (read through esc_regs)
  // ---------------------------------------------------------------------------
  esc_events #(
    .NumPixLanes (NumPixLanes),
    .NumCoefLanes(NumCoefLanes)
  ) u_events (
    .clk_i,
    .rst_ni,
    .clr_run_i  (cnt_clr),
    .clr_load_i (clear),
    .cfg_ksp_i  (cfg_ksp),
    .bcu_step_i (basis_re),
    .ifmap_re_i (ifmap_re),
    .ifmap_we_i (ifmap_we),
    .basis_we_i (basis_we),
    .issue_i    (evt_issue),
    .coef_re_i  (evt_coef_re),
    .coef_we_i  (evt_coef_we),
    .colptr_re_i(evt_colptr_re),
    .colptr_we_i(evt_colptr_we),
    .zf_re_i    (evt_zf_re),
    .zf_we_i    (evt_zf_we),
    .psum_dr_i  (evt_psum_dr),
    .psum_we_i  (evt_psum_we),
    .bias_re_i  (evt_bias_re),
    .bias_we_i  (evt_bias_we),
    .cnt_o      (evt_cnt)
  );

  assign res_fire = res_valid_o && res_ready_i;

  logic unused_bits;
  assign unused_bits = ^{cfg_m[esc_pkg::DimW-1:esc_pkg::MIdxW], cfg_ksp.pad_r,
                         cfg_ksp.pad_l[3:2], cfg_ksp.pad_b, cfg_ksp.pad_t[3:2], ho,
                         ld_addr_i[SpaceW-1:WordAddrW]};

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT_KNOWN(TopBusyKnown_A, busy_o)
  `ESC_ASSERT_KNOWN(TopDoneKnown_A, done_o)
  `ESC_ASSERT_KNOWN(TopErrorKnown_A, error_o)
  `ESC_ASSERT_KNOWN(TopLdReadyKnown_A, ld_ready_o)
  `ESC_ASSERT_KNOWN(TopResValidKnown_A, res_valid_o)
  // An abort may drop a pending beat (as in esc_cau/esc_drain): the abort cycle is excluded.
  `ESC_ASSERT_STREAM(TopResStream_A, res_valid_o, res_ready_i,
                     {res_data_o, res_acc_o, res_n_o, res_tile_o, res_last_o}, run_abort)
  `ESC_ASSERT_STREAM(TopZStream_A, z_valid, z_ready, z_data, run_abort)
  // While busy, loads are accepted only in StRun and only into the banks the layer does not
  // read: no buffer bank is written while the layer reads it.
  `ESC_ASSERT_NEVER(TopLoadWhileBusy_A, ld_fire && busy && (!running || ld_bank_in_use))
  `ESC_ASSERT_NEVER(TopLoadIntoBankInUse_A, busy && (ifmap_we ? ld_bank == cfg_mode.ibank
                                                   : (basis_we || cau_we) && ld_bank == cfg_mode.wbank))
  `ESC_COVER(TopLoadDuringRun_C, ld_fire && running)
  `ESC_COVER(TopLoadHeldForBank_C, ld_valid_i && running && ld_bank_in_use)
  // Both load-fault sources describe the beat of the previous cycle: never both at once.
  `ESC_ASSERT_NEVER(TopLoadFaultOneSource_A, top_fault_q && cau_ld_err)
  `ESC_COVER(TopZBackpressure_C, z_valid && !z_ready)
  `ESC_COVER(TopLoadFault_C, ld_fault)
  `ESC_COVER(TopResBackpressure_C, res_valid_o && !res_ready_i)
endmodule
