`include "esc_assert.svh"

// One coefficient accumulation lane of the CAU. Lane l owns output channels n = l (mod L).
//
// Per tile k, the lane walks the input channels c = 0..C-1 (one Z slot each, in FIFO order)
// and, for every entry (n, m, a) of its CSC column c, does psum[k%2][n/L][t] += a * Zq[m][t]
// for all T pixel lanes: one entry per cycle, fully pipelined.
//
//   PF : column-pointer prefetch (runs ahead through a small column queue)
//   S0 : issue: slot/half checks, coefficient-memory read of entry e
//   S1 : decode entry, run-time checks, Z word read, PSUM read
//   S2 : T MACs on the Z and PSUM read data (one-deep forwarding from the previous write), write
//
// An empty column costs one issue cycle. A column releases its Z slot when its last entry
// has read Z (S1); a tile is reported finished when its last entry has been written (S2).
// The lane may work on tile k+1 while tile k drains, never on tile k+2 before tile k drained.
module esc_cau_lane #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  parameter int unsigned LaneIdx      = 0,
  parameter int unsigned MaxBases     = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels  = esc_pkg::MaxChannels,
  parameter int unsigned MaxFilters   = esc_pkg::MaxFilters,
  parameter int unsigned CoefDepth    = esc_pkg::CoefDepth,
  parameter int unsigned ZFifoDepth   = esc_pkg::ZFifoDepth,
  parameter int unsigned CoefWidth    = esc_pkg::CoefWidth,
  localparam int unsigned NlDepth     = esc_pkg::lane_filters(MaxFilters, NumCoefLanes),
  localparam int unsigned NlW         = esc_pkg::idx_width(NlDepth),
  localparam int unsigned MW          = esc_pkg::idx_width(MaxBases),
  localparam int unsigned EntW        = esc_pkg::coef_entry_width(MaxFilters, NumCoefLanes,
                                                                  MaxBases, CoefWidth),
  localparam int unsigned PtrW        = esc_pkg::coef_ptr_width(CoefDepth),
  localparam int unsigned Cpb         = esc_pkg::fields_per_beat(EntW),  // entries per RAM word
  localparam int unsigned CoefAW      = esc_pkg::idx_width(CoefDepth / Cpb),  // word address
  localparam int unsigned CpIdxW      = $clog2(esc_pkg::colptr_stride(MaxChannels)),  // pointer c
  localparam int unsigned Ppb         = esc_pkg::fields_per_beat(PtrW),  // pointers per RAM word
  localparam int unsigned CpAW        = $clog2(esc_pkg::colptr_stride(MaxChannels) / Ppb),  // word
  localparam int unsigned SlotW       = esc_pkg::idx_width(ZFifoDepth),
  localparam int unsigned ZPtrW       = SlotW + 1,
  localparam int unsigned ZWordW      = NumPixLanes * esc_pkg::MidW,
  localparam int unsigned PsumW       = NumPixLanes * esc_pkg::AccW,
  localparam int unsigned TileW       = esc_pkg::TileW
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  input  logic                       start_i,
  input  logic                       flush_i,      // start or abort: back to the initial state
  input  logic                       stop_i,       // an error was reported: freeze
  input  logic [esc_pkg::DimW-1:0]   cfg_c_i,
  input  logic [esc_pkg::DimW-1:0]   cfg_n_i,
  input  logic [esc_pkg::MIdxW-1:0] cfg_m_i,
  input  logic                       cfg_coef4_i,
  input  logic [TileW-1:0]           cfg_num_tiles_i,
  input  logic                       cfg_bank_i,   // bank of the coefficient/pointer RAMs read
  // buffer loads (into bank wr_bank_i; while busy, never into cfg_bank_i)
  input  logic                       wr_bank_i,
  input  logic                       coef_we_i,
  input  logic [CoefAW-1:0]          coef_waddr_i,
  input  logic [Cpb*EntW-1:0]        coef_wdata_i,   // Cpb entries {n_local, m, a}
  input  logic                       cp_we_i,
  input  logic [CpAW-1:0]            cp_waddr_i,
  input  logic [Ppb*PtrW-1:0]        cp_wdata_i,     // Ppb pointers, pointer k at [k*PtrW +: PtrW]
  // Z FIFO
  input  logic [ZPtrW-1:0]           zf_wr_ptr_i,
  output logic                       z_en_o,         // Z word read (data in S2)
  output logic [SlotW-1:0]           z_slot_o,
  output logic [MW-1:0]              z_m_o,
  input  logic [ZWordW-1:0]          z_data_i,       // Zq[m][*] of the entry in S2
  output logic                       z_release_o,
  // tile bookkeeping with the drain
  input  logic [TileW-1:0]           drained_i,      // tiles fully read out by the drain
  output logic [TileW-1:0]           tiles_done_o,   // tiles fully accumulated by this lane
  // drain read port
  input  logic                       dr_en_i,
  input  logic                       dr_half_i,
  input  logic [NlW-1:0]             dr_addr_i,
  output logic [PsumW-1:0]           dr_acc_o,
  // status
  output logic                       active_o,     // entry issued (T MACs)
  output logic                       coef_re_o,    // coefficient-memory word read
  output logic                       cp_re_o,      // column-pointer read
  output logic                       psum_we_o,    // PSUM write
  output logic                       err_o,
  output esc_pkg::err_code_e         err_code_o
);

  localparam int unsigned CqDepth = 4;
  localparam int unsigned CqW     = 2 * PtrW + 1;
  localparam int unsigned CqFillW = $clog2(CqDepth + 1);
  localparam int unsigned T       = NumPixLanes;
  localparam int unsigned MidW    = esc_pkg::MidW;
  localparam int unsigned AccW    = esc_pkg::AccW;
  localparam int unsigned CoefW   = CoefWidth;

  // ---------------------------------------------------------------------------
  // Memories
  // ---------------------------------------------------------------------------
  logic              cp_re;      // the prefetch takes pointer pf_c_q
  logic              cp_ram_re;  // ... and reads its word (the first pointer of a word)
  logic [CpAW-1:0]   cp_raddr;
  logic [Ppb*PtrW-1:0] cp_word;
  logic [PtrW-1:0]   cp_rdata;   // the pointer taken last (word + registered select)
  logic              coef_re;
  logic [CoefAW-1:0] coef_raddr;
  logic [Cpb*EntW-1:0] coef_word;
  logic [EntW-1:0]   coef_rdata;  // the entry read last (word + registered entry select)

  // Both banks of each RAM: the coefficient bank is the top word-address bit (CoefDepth is a
  // power of two); the pointer bank starts at word CpBankWords (C_MAX + 1 pointers per bank).
  localparam int unsigned CpBankWords = MaxChannels / Ppb + 1;
  localparam int unsigned CpRamAW     = esc_pkg::idx_width(2 * CpBankWords);
  logic [CpRamAW-1:0] cp_ram_waddr, cp_ram_raddr;
  assign cp_ram_waddr = CpRamAW'(cp_waddr_i) + (wr_bank_i ? CpRamAW'(CpBankWords) : '0);
  assign cp_ram_raddr = CpRamAW'(cp_raddr) + (cfg_bank_i ? CpRamAW'(CpBankWords) : '0);

  esc_prim_ram_1r1w #(
    .Depth(2 * CpBankWords),
    .Width(Ppb * PtrW)
  ) u_colptr_ram (
    .clk_i,
    .rst_ni,
    .we_i   (cp_we_i),
    .waddr_i(cp_ram_waddr),
    .wdata_i(cp_wdata_i),
    .re_i   (cp_ram_re),
    .raddr_i(cp_ram_raddr),
    .rdata_o(cp_word)
  );

  esc_prim_ram_1r1w #(
    .Depth(2 * CoefDepth / Cpb),
    .Width(Cpb * EntW)
  ) u_coef_ram (
    .clk_i,
    .rst_ni,
    .we_i   (coef_we_i),
    .waddr_i({wr_bank_i, coef_waddr_i}),
    .wdata_i(coef_wdata_i),
    .re_i   (coef_re),
    .raddr_i({cfg_bank_i, coef_raddr}),
    .rdata_o(coef_word)
  );

  // ---------------------------------------------------------------------------
  // PF: column-pointer prefetch into the column queue
  // ---------------------------------------------------------------------------
  logic               pf_run_q, pf_run_d;
  logic [CpIdxW-1:0]  pf_c_q, pf_c_d;
  logic [TileW-1:0]   pf_tile_q, pf_tile_d;
  logic               pf_rv_q, pf_rv_d;          // read in flight (data valid this cycle)
  logic               pf_rfirst_q, pf_rfirst_d;  // that read was pointer 0
  logic               pf_rlast_q, pf_rlast_d;    // that read was pointer C
  logic [PtrW-1:0]    pf_prev_q, pf_prev_d;
  logic               pf_c_is_end;
  logic               pf_err;

  // column queue: {start pointer, end pointer, last column of the tile}
  logic               cq_push, cq_pop, cq_in_ready, cq_valid;
  logic [CqW-1:0]     cq_head;
  logic [CqFillW-1:0] cq_fill;

  assign pf_c_is_end = ({{(32 - CpIdxW) {1'b0}}, pf_c_q} == {16'd0, cfg_c_i});
  assign cp_re       = pf_run_q && !stop_i &&
                       ((32'(cq_fill) + 32'(pf_rv_q)) < CqDepth);
  // Pointer c sits in word c / Ppb at slot c mod Ppb: the prefetch reads a word only for its
  // first pointer (c = 0 starts every tile at slot 0) and selects the others from the held word.
  esc_prim_field_rd #(
    .Fields(Ppb),
    .FieldW(PtrW),
    .IdxW  (CpIdxW),
    .AddrW (CpAW)
  ) u_cp_rd (
    .clk_i,
    .rst_ni,
    .take_i    (cp_re),
    .first_i   (1'b0),
    .idx_i     (pf_c_q),
    .ram_re_o  (cp_ram_re),
    .ram_addr_o(cp_raddr),
    .ram_word_i(cp_word),
    .field_o   (cp_rdata)
  );

  always_comb begin
    pf_run_d    = pf_run_q;
    pf_c_d      = pf_c_q;
    pf_tile_d   = pf_tile_q;
    pf_rv_d     = cp_re;
    pf_rfirst_d = (pf_c_q == '0);
    pf_rlast_d  = pf_c_is_end;
    pf_prev_d   = pf_prev_q;
    cq_push     = 1'b0;
    pf_err      = 1'b0;
    if (cp_re) begin
      if (pf_c_is_end) begin
        pf_c_d    = '0;
        pf_tile_d = pf_tile_q + 1'b1;
        if (pf_tile_d == cfg_num_tiles_i) begin
          pf_run_d = 1'b0;
        end
      end else begin
        pf_c_d = pf_c_q + 1'b1;
      end
    end
    if (pf_rv_q) begin
      pf_prev_d = cp_rdata;
      if (cp_rdata > PtrW'(CoefDepth) || (!pf_rfirst_q && cp_rdata < pf_prev_q)) begin
        pf_err = 1'b1;
      end else if (!pf_rfirst_q) begin
        cq_push = 1'b1;
      end
    end
    if (flush_i) begin
      pf_run_d  = start_i;
      pf_c_d    = '0;
      pf_tile_d = '0;
      pf_rv_d   = 1'b0;
      cq_push   = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pf_run_q    <= 1'b0;
      pf_c_q      <= '0;
      pf_tile_q   <= '0;
      pf_rv_q     <= 1'b0;
      pf_rfirst_q <= 1'b0;
      pf_rlast_q  <= 1'b0;
      pf_prev_q   <= '0;
    end else begin
      pf_run_q    <= pf_run_d;
      pf_c_q      <= pf_c_d;
      pf_tile_q   <= pf_tile_d;
      pf_rv_q     <= pf_rv_d;
      pf_rfirst_q <= pf_rfirst_d;
      pf_rlast_q  <= pf_rlast_d;
      pf_prev_q   <= pf_prev_d;
    end
  end

  // Column queue. The prefetch pushes on credit (cp_re above counts the read in flight), so
  // a push never meets a full queue; the issue stage pops the head when its column is done.
  esc_prim_fifo #(
    .Depth(CqDepth),
    .Width(CqW)
  ) u_col_queue (
    .clk_i,
    .rst_ni,
    .flush_i,
    .in_valid_i (cq_push),
    .in_ready_o (cq_in_ready),
    .in_data_i  ({pf_prev_q, cp_rdata, pf_rlast_q}),
    .out_valid_o(cq_valid),
    .out_ready_i(cq_pop),
    .out_data_o (cq_head),
    .fill_o     (cq_fill)
  );

  // ---------------------------------------------------------------------------
  // S0: issue
  // ---------------------------------------------------------------------------
  logic               iss_first_q, iss_first_d;  // head column not started yet
  logic [PtrW-1:0]    iss_e_q, iss_e_d;
  logic [ZPtrW-1:0]   iss_zptr_q, iss_zptr_d;
  logic [TileW-1:0]   iss_tile_q, iss_tile_d;
  logic [PtrW-1:0]    e_eff, head_end;
  logic               head_last, head_valid;
  logic               slot_ok, half_ok, go, empty_col, col_done, ent;

  logic [PtrW-1:0]    head_start;
  assign head_valid = cq_valid;
  assign {head_start, head_end, head_last} = cq_head;
  assign e_eff      = iss_first_q ? head_start : iss_e_q;
  assign slot_ok    = (iss_zptr_q != zf_wr_ptr_i);
  // tile iss_tile may use half iss_tile%2 once tile iss_tile-2 has been drained
  assign half_ok    = ({1'b0, iss_tile_q} < ({1'b0, drained_i} + (TileW + 1)'(2)));
  assign go         = head_valid && slot_ok && half_ok && !stop_i;
  assign empty_col  = (e_eff == head_end);
  assign ent        = go && !empty_col;
  assign col_done   = go && (empty_col || ((e_eff + 1'b1) == head_end));
  assign cq_pop     = col_done;
  // Entry e sits in word e / Cpb at slot e mod Cpb: the lane reads a word for the first entry
  // of a column and when the entry index enters a new word; the entry appears with the word in S1.
  esc_prim_field_rd #(
    .Fields(Cpb),
    .FieldW(EntW),
    .IdxW  (PtrW),
    .AddrW (CoefAW)
  ) u_coef_rd (
    .clk_i,
    .rst_ni,
    .take_i    (ent),
    .first_i   (iss_first_q),
    .idx_i     (e_eff),
    .ram_re_o  (coef_re),
    .ram_addr_o(coef_raddr),
    .ram_word_i(coef_word),
    .field_o   (coef_rdata)
  );

  always_comb begin
    iss_first_d = iss_first_q;
    iss_e_d     = iss_e_q;
    iss_zptr_d  = iss_zptr_q;
    iss_tile_d  = iss_tile_q;
    if (ent) begin
      iss_e_d     = e_eff + 1'b1;
      iss_first_d = 1'b0;
    end
    if (col_done) begin
      iss_first_d = 1'b1;
      iss_zptr_d  = iss_zptr_q + 1'b1;
      if (head_last) begin
        iss_tile_d = iss_tile_q + 1'b1;
      end
    end
    if (flush_i) begin
      iss_first_d = 1'b1;
      iss_e_d     = '0;
      iss_zptr_d  = '0;
      iss_tile_d  = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      iss_first_q <= 1'b1;
      iss_e_q     <= '0;
      iss_zptr_q  <= '0;
      iss_tile_q  <= '0;
    end else begin
      iss_first_q <= iss_first_d;
      iss_e_q     <= iss_e_d;
      iss_zptr_q  <= iss_zptr_d;
      iss_tile_q  <= iss_tile_d;
    end
  end

  // ---------------------------------------------------------------------------
  // S1: decode, check, Z read, PSUM read
  // ---------------------------------------------------------------------------
  logic              s1_ent_q, s1_colend_q, s1_tileend_q, s1_half_q;
  logic [SlotW-1:0]  s1_slot_q;
  logic [NlW-1:0]    s1_nl;
  logic [MW-1:0]     s1_m;
  logic [CoefW-1:0]  s1_a;
  logic              s1_err_index, s1_err_range;
  logic [31:0]       s1_n;

  assign {s1_nl, s1_m, s1_a} = coef_rdata;
  assign s1_n         = 32'(s1_nl) * NumCoefLanes + LaneIdx;
  assign s1_err_index = s1_ent_q && ((s1_n >= 32'(cfg_n_i)) || (32'(s1_m) >= 32'(cfg_m_i)));
  // 4-bit mode: every bit above bit 3 repeats the sign, i.e. a in [-8, 7] (a CoefWidth = 4
  // store cannot hold anything else; the load already refused what does not fit).
  assign s1_err_range = s1_ent_q && cfg_coef4_i &&
                        !((s1_a[CoefW-1:3] == '0) || (s1_a[CoefW-1:3] == '1));
  assign z_en_o       = s1_ent_q;
  assign z_slot_o     = s1_slot_q;
  assign z_m_o        = s1_m;
  assign z_release_o  = s1_colend_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_ent_q     <= 1'b0;
      s1_colend_q  <= 1'b0;
      s1_tileend_q <= 1'b0;
      s1_half_q    <= 1'b0;
      s1_slot_q    <= '0;
    end else begin
      s1_ent_q     <= ent && !flush_i;
      s1_colend_q  <= col_done && !flush_i;
      s1_tileend_q <= col_done && head_last && !flush_i;
      s1_half_q    <= iss_tile_q[0];
      s1_slot_q    <= iss_zptr_q[SlotW-1:0];
    end
  end

  // ---------------------------------------------------------------------------
  // S2: MAC and write back (with one-deep forwarding)
  // ---------------------------------------------------------------------------
  logic              s2_ent_q, s2_tileend_q, s2_half_q;
  logic [NlW-1:0]    s2_nl_q;
  logic [CoefW-1:0]  s2_a_q;
  logic [PsumW-1:0]  s2_rdata, s2_base, s2_sum;
  logic              fwd_v_q, fwd_half_q, fwd_hit;
  logic [NlW-1:0]    fwd_nl_q;
  logic [PsumW-1:0]  fwd_data_q;
  logic [TileW-1:0]  tiles_done_q, tiles_done_d;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s2_ent_q     <= 1'b0;
      s2_tileend_q <= 1'b0;
      s2_half_q    <= 1'b0;
      s2_nl_q      <= '0;
      s2_a_q       <= '0;
      fwd_v_q      <= 1'b0;
      fwd_half_q   <= 1'b0;
      fwd_nl_q     <= '0;
      fwd_data_q   <= '0;
      tiles_done_q <= '0;
    end else begin
      s2_ent_q     <= s1_ent_q && !flush_i;
      s2_tileend_q <= s1_tileend_q && !flush_i;
      if (s1_ent_q) begin
        s2_half_q <= s1_half_q;
        s2_nl_q   <= s1_nl;
        s2_a_q    <= s1_a;
      end
      fwd_v_q      <= s2_ent_q && !flush_i;
      if (s2_ent_q) begin
        fwd_half_q <= s2_half_q;
        fwd_nl_q   <= s2_nl_q;
        fwd_data_q <= s2_sum;
      end
      tiles_done_q <= tiles_done_d;
    end
  end

  assign fwd_hit = fwd_v_q && (fwd_half_q == s2_half_q) && (fwd_nl_q == s2_nl_q);
  assign s2_base = fwd_hit ? fwd_data_q : s2_rdata;

  // T MACs. The 24-bit product is sign-extended explicitly (no size casts of signed
  // expressions), so Verilator and Yosys read it the same way by construction.
  for (genvar t = 0; t < T; t++) begin : gen_mac
    logic signed [CoefW+MidW-1:0] prod;
    assign prod = $signed(s2_a_q) * $signed(z_data_i[t*MidW +: MidW]);
    assign s2_sum[t*AccW +: AccW] = s2_base[t*AccW +: AccW] +
                                    {{(AccW - CoefW - MidW){prod[CoefW+MidW-1]}}, prod};
  end

  always_comb begin
    tiles_done_d = tiles_done_q;
    if (s2_tileend_q) begin
      tiles_done_d = tiles_done_q + 1'b1;
    end
    if (flush_i) begin
      tiles_done_d = '0;
    end
  end

  esc_psum_bank #(
    .Depth(NlDepth),
    .Width(PsumW)
  ) u_psum (
    .clk_i,
    .rst_ni,
    .clear_i  (flush_i),
    .rd_en_i  (s1_ent_q),
    .rd_half_i(s1_half_q),
    .rd_addr_i(s1_nl),
    .rd_data_o(s2_rdata),
    .wr_en_i  (s2_ent_q),
    .wr_half_i(s2_half_q),
    .wr_addr_i(s2_nl_q),
    .wr_data_i(s2_sum),
    .dr_en_i,
    .dr_half_i,
    .dr_addr_i,
    .dr_data_o(dr_acc_o)
  );

  assign tiles_done_o = tiles_done_q;
  assign active_o     = ent;
  assign coef_re_o    = coef_re;
  assign cp_re_o      = cp_ram_re;
  assign psum_we_o    = s2_ent_q;

  // Errors: pointer errors from the prefetch, entry errors from S1.
  always_comb begin
    err_o      = 1'b0;
    err_code_o = esc_pkg::ERR_NONE;
    if (!flush_i && !stop_i) begin
      if (pf_err) begin
        err_o      = 1'b1;
        err_code_o = esc_pkg::ERR_COEF_PTR;
      end else if (s1_err_index) begin
        err_o      = 1'b1;
        err_code_o = esc_pkg::ERR_COEF_INDEX;
      end else if (s1_err_range) begin
        err_o      = 1'b1;
        err_code_o = esc_pkg::ERR_COEF_RANGE;
      end
    end
  end

  ////////////////
  // Assertions //
  ////////////////

  // The lane never accumulates into a half that still holds an undrained tile (k-2).
  `ESC_ASSERT_NEVER(LaneHalfBusy_A, ent && !(iss_tile_q < drained_i + 2))
  // The credit in cp_re keeps the column queue from overflowing; pops only see a valid head.
  `ESC_ASSERT_NEVER(LaneCqOverflow_A, cq_push && !cq_in_ready)
  `ESC_ASSERT_NEVER(LaneCqUnderflow_A, cq_pop && !cq_valid)
  `ESC_ASSERT_NEVER(LaneTileAhead_A, tiles_done_q > drained_i + 2)
  `ESC_ASSERT_KNOWN(LaneActiveKnown_A, active_o)
  `ESC_ASSERT_KNOWN(LaneErrKnown_A, err_o)
  `ESC_COVER(LaneEmptyColumn_C, go && empty_col)
  `ESC_COVER(LaneCoef4_C, s1_ent_q && cfg_coef4_i)
  `ESC_COVER(LaneWaitsForDrain_C, head_valid && slot_ok && !half_ok)
  `ESC_COVER(LaneForward_C, s2_ent_q && fwd_hit)

endmodule
