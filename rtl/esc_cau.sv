`include "esc_assert.svh"

// ESCALATE back end: Z slot FIFO, L coefficient lanes with CSC coefficient buffers,
// double-buffered banked PSUM, bias/requant buffer, drain and post-processing.
// PORT CONTRACT (fixed; see docs/architecture.md).
//
//   z stream --> esc_zfifo (ZFifoDepth slots, one read pointer and one RAM copy per lane)
//                   |  Zq[m][*] word per lane per cycle
//                   v
//             esc_cau_lane x L  (colptr + coef memories, 1 entry/cycle, PSUM 2 halves)
//                   |  tile k finished in every lane
//                   v
//             esc_drain (n = 0..N-1: PSUM read, bias, esc_postproc, output FIFO) --> result
module esc_cau #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  parameter int unsigned MaxBases     = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels  = esc_pkg::MaxChannels,
  parameter int unsigned MaxFilters   = esc_pkg::MaxFilters,
  parameter int unsigned CoefDepth    = esc_pkg::CoefDepth,
  parameter int unsigned ZFifoDepth   = esc_pkg::ZFifoDepth,
  parameter int unsigned CoefWidth    = esc_pkg::CoefWidth,
  localparam int unsigned ZDataW      = esc_pkg::z_data_width(NumPixLanes, MaxBases)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // Layer configuration: validated by esc_ctrl, stable from start_i until idle.
  input  logic [esc_pkg::DimW-1:0]      cfg_c_i,
  input  logic [esc_pkg::DimW-1:0]      cfg_n_i,
  input  logic [esc_pkg::MIdxW-1:0] cfg_m_i,
  input  logic                          cfg_coef4_i,
  input  logic                          cfg_relu_i,
  input  logic                          cfg_wbank_i,  // bank of COEF/COLPTR/BIAS the layer reads
  input  logic [esc_pkg::TileW-1:0]     cfg_num_tiles_i,
  input  logic                          start_i,    // one-cycle pulse, config legal
  input  logic                          abort_i,    // one-cycle pulse: flush, go idle
  // Load stream writes, already handshaken by the top: while busy, only into the bank that
  // cfg_wbank_i does not name (ld_addr_i[LdSpaceW] is the bank of a beat).
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
  output logic [esc_pkg::NIdxW-1:0]     res_n_o,
  output logic [esc_pkg::TileW-1:0]     res_tile_o,
  output logic                          res_last_o,
  // Status
  output logic                          busy_o,      // start_i .. last beat accepted / abort
  output logic                          done_o,      // pulse: last result beat accepted
  output logic                          err_o,       // pulse: run-time coefficient error
  output esc_pkg::err_code_e            err_code_o,  // ERR_COEF_PTR / _INDEX / _RANGE
  output logic                          active_o,    // a lane issued an entry this cycle
  // Activity events (esc_events), one bit per lane where a vector
  output logic [NumCoefLanes-1:0]       evt_issue_o,    // entry issued (T MACs)
  output logic [NumCoefLanes-1:0]       evt_coef_re_o,  // coefficient word read
  output logic                          evt_coef_we_o,
  output logic [NumCoefLanes-1:0]       evt_colptr_re_o,
  output logic                          evt_colptr_we_o,
  output logic [NumCoefLanes-1:0]       evt_zf_re_o,
  output logic                          evt_zf_we_o,    // one word into every lane copy
  output logic [NumCoefLanes-1:0]       evt_psum_dr_o,
  output logic [NumCoefLanes-1:0]       evt_psum_we_o,
  output logic                          evt_bias_re_o,
  output logic                          evt_bias_we_o
);
  localparam int unsigned L        = NumCoefLanes;
  localparam int unsigned T        = NumPixLanes;
  localparam int unsigned TileW    = esc_pkg::TileW;
  localparam int unsigned NlW      = esc_pkg::idx_width(esc_pkg::lane_filters(MaxFilters, L));
  localparam int unsigned MW       = esc_pkg::idx_width(MaxBases);
  localparam int unsigned EntW     = esc_pkg::coef_entry_width(MaxFilters, L, MaxBases, CoefWidth);
  localparam int unsigned PtrW     = esc_pkg::coef_ptr_width(CoefDepth);
  // A COEF beat carries Cpb stored entries: one word of a lane's coefficient RAM.
  localparam int unsigned Cpb      = esc_pkg::fields_per_beat(EntW);
  localparam int unsigned CoefAW   = esc_pkg::idx_width(CoefDepth / Cpb);  // word address
  // A COLPTR beat carries Ppb pointers: one word of a lane's column-pointer RAM.
  localparam int unsigned Ppb      = esc_pkg::fields_per_beat(PtrW);
  localparam int unsigned CpAW     = $clog2(esc_pkg::colptr_stride(MaxChannels) / Ppb);  // word
  localparam int unsigned SlotW    = esc_pkg::idx_width(ZFifoDepth);
  localparam int unsigned ZPtrW    = SlotW + 1;
  localparam int unsigned ZWordW   = T * esc_pkg::MidW;
  localparam int unsigned PsumW    = T * esc_pkg::AccW;
  localparam int unsigned BiasAW   = esc_pkg::idx_width(MaxFilters);
  localparam int unsigned BiasW    = esc_pkg::BiasBeatW;  // the buffer stores the beat
  localparam int unsigned SpaceW    = esc_pkg::LdSpaceW;
  localparam int unsigned CoefLaneW = SpaceW - CoefAW;  // lane field of a COEF address
  localparam int unsigned CpLaneW   = SpaceW - CpAW;    // lane field of a COLPTR address
  localparam int unsigned BiasRamAW = esc_pkg::idx_width(2 * MaxFilters);  // both banks

  logic flush;
  assign flush = start_i || abort_i;

  // ---------------------------------------------------------------------------
  // Layer state: busy, error stop
  // ---------------------------------------------------------------------------
  logic busy_q, busy_d, stop_q, stop_d;
  logic done;
  logic [L-1:0] lane_err;
  esc_pkg::err_code_e lane_err_code [L];
  logic               err_any;
  esc_pkg::err_code_e err_code;

  always_comb begin
    err_any  = 1'b0;
    err_code = esc_pkg::ERR_NONE;
    for (int l = L - 1; l >= 0; l--) begin
      if (lane_err[l]) begin
        err_any  = 1'b1;
        err_code = lane_err_code[l];
      end
    end
  end

  assign done = busy_q && res_valid_o && res_ready_i && res_last_o;

  always_comb begin
    busy_d = busy_q;
    stop_d = stop_q;
    if (done) begin
      busy_d = 1'b0;
    end
    if (busy_q && err_any) begin
      stop_d = 1'b1;
    end
    if (flush) begin
      busy_d = start_i && !abort_i;
      stop_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      stop_q <= 1'b0;
    end else begin
      busy_q <= busy_d;
      stop_q <= stop_d;
    end
  end

  assign busy_o     = busy_q;
  assign done_o     = done;
  assign err_o      = busy_q && !stop_q && !flush && err_any;
  assign err_code_o = err_o ? err_code : esc_pkg::ERR_NONE;

  // ---------------------------------------------------------------------------
  // Load decode (COEF, COLPTR, BIAS; the other targets belong to the front end)
  // ---------------------------------------------------------------------------
  logic [CoefLaneW-1:0]         ld_coef_lane;
  logic [CpLaneW-1:0]           ld_cp_lane;
  logic                         ld_coef_we, ld_cp_we, ld_bias_we;
  logic [Cpb*EntW-1:0]          ld_coef_wdata;
  logic                         ld_coef_bad;  // an entry names n >= MaxFilters or m >= MaxBases
  logic [Ppb*PtrW-1:0]          ld_cp_wdata;
  logic                         ld_err_d, ld_err_q;
  esc_pkg::err_code_e           ld_err_code_d, ld_err_code_q;

  logic ld_bank;
  assign ld_bank       = ld_addr_i[SpaceW];
  assign ld_coef_lane  = ld_addr_i[SpaceW-1:CoefAW];
  assign ld_cp_lane    = ld_addr_i[SpaceW-1:CpAW];
  assign ld_coef_wdata = ld_data_i[Cpb*EntW-1:0];  // already in the stored {n / L, m, a} form
  // Every entry of the word is checked, also the padding after a lane's last entry (the host
  // writes zeros there): n = (n / L) * L + lane must be < MaxFilters and m < MaxBases.
  logic [Cpb-1:0] ld_entry_bad;
  for (genvar k = 0; k < Cpb; k++) begin : gen_ld_entry
    logic [NlW-1:0] nl;
    logic [MW-1:0]  m;
    assign {nl, m} = ld_coef_wdata[k*EntW+CoefWidth +: NlW+MW];
    assign ld_entry_bad[k] = (32'(nl) * L + 32'(ld_coef_lane) >= MaxFilters) ||
                             (32'(m) >= MaxBases);
  end
  assign ld_coef_bad = |ld_entry_bad;
  // Pointers are stored as sent: a value > CoefDepth is a run-time ERR_COEF_PTR (the prefetch).
  assign ld_cp_wdata   = ld_data_i[Ppb*PtrW-1:0];

  always_comb begin
    ld_coef_we    = 1'b0;
    ld_cp_we      = 1'b0;
    ld_bias_we    = 1'b0;
    ld_err_d      = 1'b0;
    ld_err_code_d = esc_pkg::ERR_NONE;
    if (ld_we_i) begin
      unique case (ld_tgt_i)
        esc_pkg::TGT_COEF: begin
          if (32'(ld_coef_lane) >= L) begin
            ld_err_d      = 1'b1;
            ld_err_code_d = esc_pkg::ERR_LOAD_ADDR;
          end else if (ld_coef_bad) begin
            ld_err_d      = 1'b1;
            ld_err_code_d = esc_pkg::ERR_LOAD_INDEX;
          end else begin
            ld_coef_we = 1'b1;
          end
        end
        esc_pkg::TGT_COLPTR: begin
          // word w holds pointers Ppb*w ..: words past the one holding c = MaxChannels are
          // outside the RAM
          if ((32'(ld_cp_lane) >= L) || (32'(ld_addr_i[CpAW-1:0]) > MaxChannels / Ppb)) begin
            ld_err_d      = 1'b1;
            ld_err_code_d = esc_pkg::ERR_LOAD_ADDR;
          end else begin
            ld_cp_we = 1'b1;
          end
        end
        esc_pkg::TGT_BIAS: begin
          if (32'(ld_addr_i[SpaceW-1:0]) >= MaxFilters) begin
            ld_err_d      = 1'b1;
            ld_err_code_d = esc_pkg::ERR_LOAD_ADDR;
          end else begin
            ld_bias_we = 1'b1;
          end
        end
        default: ;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ld_err_q      <= 1'b0;
      ld_err_code_q <= esc_pkg::ERR_NONE;
    end else begin
      ld_err_q      <= ld_err_d;
      ld_err_code_q <= ld_err_code_d;
    end
  end

  assign ld_err_o      = ld_err_q;
  assign ld_err_code_o = ld_err_code_q;

  // ---------------------------------------------------------------------------
  // Z slot FIFO
  // ---------------------------------------------------------------------------
  logic [ZPtrW-1:0]      zf_wr_ptr;
  logic [L-1:0]          zf_release;
  logic [L-1:0]          zf_rd_en;
  logic [L*SlotW-1:0]    zf_rd_slot;
  logic [L*MW-1:0]       zf_rd_word;
  logic [L*ZWordW-1:0]   zf_rd_data;
  logic                  zf_full, zf_empty;

  esc_zfifo #(
    .Depth     (ZFifoDepth),
    .NumReaders(L),
    .SlotW     (ZDataW),
    .WordW     (ZWordW)
  ) u_zfifo (
    .clk_i,
    .rst_ni,
    .flush_i   (flush),
    .enable_i  (busy_q && !stop_q),
    .cfg_m_i,
    .wr_valid_i(z_valid_i),
    .wr_ready_o(z_ready_o),
    .wr_data_i (z_data_i),
    .wr_ptr_o  (zf_wr_ptr),
    .release_i (zf_release),
    .rd_en_i   (zf_rd_en),
    .rd_slot_i (zf_rd_slot),
    .rd_word_i (zf_rd_word),
    .rd_data_o (zf_rd_data),
    .full_o    (zf_full),
    .empty_o   (zf_empty),
    .ram_we_o  (evt_zf_we_o)
  );

  // ---------------------------------------------------------------------------
  // Lanes
  // ---------------------------------------------------------------------------
  logic [TileW-1:0]   drained;
  logic [L*TileW-1:0] tiles_done;
  logic [L-1:0]       dr_en;
  logic               dr_half;
  logic [NlW-1:0]     dr_addr;
  logic [L*PsumW-1:0] dr_acc;
  logic [L-1:0]       lane_active;
  logic [L-1:0]       lane_cp_re;
  logic [L-1:0]       lane_coef_re;
  logic [L-1:0]       lane_psum_we;

  for (genvar l = 0; l < L; l++) begin : gen_lane
    esc_cau_lane #(
      .NumPixLanes (T),
      .NumCoefLanes(L),
      .LaneIdx     (l),
      .MaxBases    (MaxBases),
      .MaxChannels (MaxChannels),
      .MaxFilters  (MaxFilters),
      .CoefDepth   (CoefDepth),
      .ZFifoDepth  (ZFifoDepth),
      .CoefWidth   (CoefWidth)
    ) u_lane (
      .clk_i,
      .rst_ni,
      .start_i,
      .flush_i        (flush),
      .stop_i         (stop_q),
      .cfg_c_i,
      .cfg_n_i,
      .cfg_m_i,
      .cfg_coef4_i,
      .cfg_num_tiles_i,
      .cfg_bank_i     (cfg_wbank_i),
      .wr_bank_i      (ld_bank),
      .coef_we_i      (ld_coef_we && (32'(ld_coef_lane) == l)),
      .coef_waddr_i   (ld_addr_i[CoefAW-1:0]),
      .coef_wdata_i   (ld_coef_wdata),
      .cp_we_i        (ld_cp_we && (32'(ld_cp_lane) == l)),
      .cp_waddr_i     (ld_addr_i[CpAW-1:0]),
      .cp_wdata_i     (ld_cp_wdata),
      .zf_wr_ptr_i    (zf_wr_ptr),
      .z_en_o         (zf_rd_en[l]),
      .z_slot_o       (zf_rd_slot[l*SlotW +: SlotW]),
      .z_m_o          (zf_rd_word[l*MW +: MW]),
      .z_data_i       (zf_rd_data[l*ZWordW +: ZWordW]),
      .z_release_o    (zf_release[l]),
      .drained_i      (drained),
      .tiles_done_o   (tiles_done[l*TileW +: TileW]),
      .dr_en_i        (dr_en[l]),
      .dr_half_i      (dr_half),
      .dr_addr_i      (dr_addr),
      .dr_acc_o       (dr_acc[l*PsumW +: PsumW]),
      .active_o       (lane_active[l]),
      .coef_re_o      (lane_coef_re[l]),
      .cp_re_o        (lane_cp_re[l]),
      .psum_we_o      (lane_psum_we[l]),
      .err_o          (lane_err[l]),
      .err_code_o     (lane_err_code[l])
    );
  end

  assign active_o        = |lane_active;
  assign evt_issue_o     = lane_active;
  assign evt_coef_re_o   = lane_coef_re;
  assign evt_colptr_re_o = lane_cp_re;
  assign evt_zf_re_o     = zf_rd_en;
  assign evt_psum_we_o   = lane_psum_we;

  // ---------------------------------------------------------------------------
  // Bias / requant buffer and drain
  // ---------------------------------------------------------------------------
  logic              bias_re;
  logic [BiasAW-1:0] bias_raddr;
  logic [BiasRamAW-1:0] bias_ram_waddr, bias_ram_raddr;
  logic [BiasW-1:0]  bias_rdata;
  logic              drain_idle;

  // Both banks in one RAM: bank 1 starts at entry MaxFilters.
  assign bias_ram_waddr = BiasRamAW'(ld_addr_i[BiasAW-1:0]) +
                          (ld_bank ? BiasRamAW'(MaxFilters) : '0);
  assign bias_ram_raddr = BiasRamAW'(bias_raddr) + (cfg_wbank_i ? BiasRamAW'(MaxFilters) : '0);

  esc_prim_ram_1r1w #(
    .Depth(2 * MaxFilters),
    .Width(BiasW)
  ) u_bias_ram (
    .clk_i,
    .rst_ni,
    .we_i   (ld_bias_we),
    .waddr_i(bias_ram_waddr),
    .wdata_i(ld_data_i[BiasW-1:0]),
    .re_i   (bias_re),
    .raddr_i(bias_ram_raddr),
    .rdata_o(bias_rdata)
  );

  esc_drain #(
    .NumPixLanes (T),
    .NumCoefLanes(L),
    .MaxFilters  (MaxFilters)
  ) u_drain (
    .clk_i,
    .rst_ni,
    .flush_i        (flush),
    .stop_i         (stop_q),
    .cfg_n_i,
    .cfg_num_tiles_i,
    .cfg_relu_i,
    .tiles_done_i   (tiles_done),
    .drained_o      (drained),
    .dr_en_o        (dr_en),
    .dr_half_o      (dr_half),
    .dr_addr_o      (dr_addr),
    .dr_acc_i       (dr_acc),
    .bias_re_o      (bias_re),
    .bias_raddr_o   (bias_raddr),
    .bias_rdata_i   (bias_rdata),
    .res_valid_o,
    .res_ready_i,
    .res_data_o,
    .res_acc_o,
    .res_n_o,
    .res_tile_o,
    .res_last_o,
    .idle_o         (drain_idle)
  );

  assign evt_coef_we_o   = ld_coef_we;
  assign evt_colptr_we_o = ld_cp_we;
  assign evt_psum_dr_o   = dr_en;
  assign evt_bias_re_o   = bias_re;
  assign evt_bias_we_o   = ld_bias_we;

  // Bits of the load beat the back end does not use.
  logic unused_ld;
  // Each target uses its own low bits of the beat (BIAS: BiasW, COEF: Cpb * EntW, ...).
  assign unused_ld = ^{ld_data_i, drain_idle};

  ////////////////
  // Assertions //
  ////////////////

  `ESC_ASSERT_INIT(CauCoefDepthPow2_A, (CoefDepth & (CoefDepth - 1)) == 0)
  `ESC_ASSERT_INIT(CauZFifoDepthPow2_A, (ZFifoDepth & (ZFifoDepth - 1)) == 0)

  `ESC_ASSERT_STREAM(CauResStream_A, res_valid_o, res_ready_i,
                     {res_data_o, res_acc_o, res_n_o, res_tile_o, res_last_o}, flush)
  // esc_ctrl only starts legal layers; with C, N or the tile count at 0 the lanes or the drain
  // would wait forever, with M out of range the Z words would be mis-addressed.
  `ESC_ASSERT(CauStartLegal_A, start_i |-> (cfg_c_i != '0) && (32'(cfg_c_i) <= MaxChannels) &&
              (cfg_n_i != '0) && (32'(cfg_n_i) <= MaxFilters) && (cfg_num_tiles_i != '0) &&
              (cfg_m_i != '0) && (32'(cfg_m_i) <= MaxBases))
  `ESC_ASSERT_NEVER(CauStartWhileBusy_A, start_i && busy_q)
  // While busy, loads only write the bank the layer does not read.
  `ESC_ASSERT_NEVER(CauLoadIntoBankInUse_A, ld_we_i && busy_q && (ld_bank == cfg_wbank_i))
  `ESC_ASSERT_NEVER(CauZOverflow_A, z_valid_i && z_ready_o && zf_full)
  `ESC_ASSERT_NEVER(CauResNotBusy_A, res_valid_o && !busy_q)
  `ESC_ASSERT_KNOWN(CauResValidKnown_A, res_valid_o)
  `ESC_ASSERT_KNOWN(CauZReadyKnown_A, z_ready_o)
  `ESC_ASSERT_KNOWN(CauBusyKnown_A, busy_o)
  `ESC_ASSERT_KNOWN(CauDoneKnown_A, done_o)
  `ESC_ASSERT_KNOWN(CauErrKnown_A, err_o)
  `ESC_ASSERT_KNOWN(CauActiveKnown_A, active_o)
  `ESC_ASSERT_KNOWN(CauLdErrKnown_A, ld_err_o)
  `ESC_COVER(CauZFifoFull_C, busy_q && zf_full)
  `ESC_COVER(CauZFifoEmptyBusy_C, busy_q && zf_empty)
  `ESC_COVER(CauResBackpressure_C, res_valid_o && !res_ready_i)
  `ESC_COVER(CauCoef4_C, busy_q && active_o && cfg_coef4_i)
  `ESC_COVER(CauRelu_C, res_valid_o && res_ready_i && cfg_relu_i)
  `ESC_COVER(CauRunError_C, err_o)

endmodule
