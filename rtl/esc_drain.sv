`include "esc_assert.svh"

// Drain of the PSUM double buffer into the result stream.
// When every lane has finished tile k (tiles_done[l] > k), the drain reads psum[k%2][n] for
// n = 0..N-1 (lane n mod L, address n / L) together with bias/mult/shift of n, runs the
// post-processing and pushes one beat per n into a small output FIFO. Reads are only issued
// when the FIFO has room for everything in flight, so any res_ready_i pattern is tolerated and
// the stream obeys valid/ready strictly (valid never waits for ready, data held while stalled).
module esc_drain #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  parameter int unsigned MaxFilters   = esc_pkg::MaxFilters,
  localparam int unsigned NlW         = esc_pkg::idx_width(
                                          esc_pkg::lane_filters(MaxFilters, NumCoefLanes)),
  localparam int unsigned LaneW       = esc_pkg::idx_width(NumCoefLanes),
  localparam int unsigned BiasAW      = esc_pkg::idx_width(MaxFilters),
  localparam int unsigned BiasW       = esc_pkg::BiasBeatW,  // a BIAS buffer entry is a beat
  localparam int unsigned PsumW       = NumPixLanes * esc_pkg::AccW,
  localparam int unsigned TileW       = esc_pkg::TileW
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              flush_i,
  input  logic                              stop_i,
  input  logic [esc_pkg::DimW-1:0]          cfg_n_i,
  input  logic [TileW-1:0]                  cfg_num_tiles_i,
  input  logic                              cfg_relu_i,
  // lanes
  input  logic [NumCoefLanes*TileW-1:0]     tiles_done_i,
  output logic [TileW-1:0]                  drained_o,
  output logic [NumCoefLanes-1:0]           dr_en_o,
  output logic                              dr_half_o,
  output logic [NlW-1:0]                    dr_addr_o,
  input  logic [NumCoefLanes*PsumW-1:0]     dr_acc_i,
  // bias buffer read port (data one cycle later)
  output logic                              bias_re_o,
  output logic [BiasAW-1:0]                 bias_raddr_o,
  input  logic [BiasW-1:0]                  bias_rdata_i,
  // result stream
  output logic                              res_valid_o,
  input  logic                              res_ready_i,
  output logic [NumPixLanes*esc_pkg::ActW-1:0] res_data_o,
  output logic [PsumW-1:0]                  res_acc_o,
  output logic [esc_pkg::NIdxW-1:0]         res_n_o,
  output logic [TileW-1:0]                  res_tile_o,
  output logic                              res_last_o,
  output logic                              idle_o       // nothing issued, in flight or queued
);

  localparam int unsigned FifoDepth = 4;
  localparam int unsigned FifoFillW = $clog2(FifoDepth + 1);
  localparam int unsigned TagW      = esc_pkg::NIdxW + TileW + 1;
  localparam int unsigned BeatW     = NumPixLanes * esc_pkg::ActW + PsumW + TagW;

  // ---------------------------------------------------------------------------
  // D0: issue
  // ---------------------------------------------------------------------------
  logic [esc_pkg::NIdxW-1:0] n_q, n_d;
  logic [LaneW-1:0]   lane_q, lane_d;
  logic [NlW-1:0]     nl_q, nl_d;
  logic [TileW-1:0]   tile_q, tile_d;
  logic               tile_ready, credit_ok, issue, last_n, last_tile;
  logic [FifoFillW-1:0] ff_fill;
  logic               d1_v_q;
  logic [LaneW-1:0]   d1_lane_q;
  logic [TagW-1:0]    d1_tag_q;
  logic               pp_v;

  always_comb begin
    tile_ready = (tile_q < cfg_num_tiles_i);
    for (int l = 0; l < NumCoefLanes; l++) begin
      if (!(tiles_done_i[l*TileW +: TileW] > tile_q)) begin
        tile_ready = 1'b0;
      end
    end
  end

  assign credit_ok = (32'(ff_fill) + 32'(d1_v_q) + 32'(pp_v)) < FifoDepth;
  assign issue     = tile_ready && credit_ok && !stop_i && !flush_i;
  assign last_n    = ((n_q + esc_pkg::NIdxW'(1)) == cfg_n_i);
  assign last_tile = ((tile_q + 1'b1) == cfg_num_tiles_i);

  always_comb begin
    n_d    = n_q;
    lane_d = lane_q;
    nl_d   = nl_q;
    tile_d = tile_q;
    if (issue) begin
      if (last_n) begin
        n_d    = '0;
        lane_d = '0;
        nl_d   = '0;
        tile_d = tile_q + 1'b1;
      end else begin
        n_d = n_q + 1'b1;
        if (32'(lane_q) == NumCoefLanes - 1) begin
          lane_d = '0;
          nl_d   = nl_q + 1'b1;
        end else begin
          lane_d = lane_q + 1'b1;
        end
      end
    end
    if (flush_i) begin
      n_d    = '0;
      lane_d = '0;
      nl_d   = '0;
      tile_d = '0;
    end
  end

  for (genvar l = 0; l < NumCoefLanes; l++) begin : gen_dr_en
    assign dr_en_o[l] = issue && (lane_q == LaneW'(l));
  end
  assign dr_half_o    = tile_q[0];
  assign dr_addr_o    = nl_q;
  assign drained_o    = tile_q;
  assign bias_re_o    = issue;
  assign bias_raddr_o = BiasAW'(n_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      n_q       <= '0;
      lane_q    <= '0;
      nl_q      <= '0;
      tile_q    <= '0;
      d1_v_q    <= 1'b0;
      d1_lane_q <= '0;
      d1_tag_q  <= '0;
    end else begin
      n_q    <= n_d;
      lane_q <= lane_d;
      nl_q   <= nl_d;
      tile_q <= tile_d;
      d1_v_q <= issue;
      if (issue) begin
        d1_lane_q <= lane_q;
        d1_tag_q  <= {n_q, tile_q, last_n && last_tile};
      end
    end
  end

  // ---------------------------------------------------------------------------
  // D1: lane select + post-processing
  // ---------------------------------------------------------------------------
  logic [PsumW-1:0]                    d1_acc;
  logic                                pp_valid;
  logic [NumPixLanes*esc_pkg::ActW-1:0] pp_data;
  logic [PsumW-1:0]                    pp_acc;
  logic [TagW-1:0]                     pp_tag;

  assign d1_acc = dr_acc_i[d1_lane_q*PsumW +: PsumW];

  esc_postproc #(
    .NumPixLanes(NumPixLanes),
    .TagW       (TagW)
  ) u_postproc (
    .clk_i,
    .rst_ni,
    .flush_i,
    .in_valid_i (d1_v_q && !flush_i),
    .in_acc_i   (d1_acc),
    .in_bias_i  (bias_rdata_i[esc_pkg::BiasW-1:0]),
    .in_mult_i  (bias_rdata_i[esc_pkg::BiasBeatMultLsb +: esc_pkg::BiasBeatMultW]),
    .in_shift_i (bias_rdata_i[esc_pkg::BiasBeatShiftLsb +: esc_pkg::BiasBeatShiftW]),
    .in_relu_i  (cfg_relu_i),
    .in_tag_i   (d1_tag_q),
    .out_valid_o(pp_valid),
    .out_data_o (pp_data),
    .out_acc_o  (pp_acc),
    .out_tag_o  (pp_tag)
  );
  assign pp_v = pp_valid;

  // ---------------------------------------------------------------------------
  // Output FIFO (pushed on credit: issue counts every beat in flight, so a push never meets a
  // full FIFO and pp_valid needs no ready)
  // ---------------------------------------------------------------------------
  logic ff_push, ff_in_ready;

  assign ff_push = pp_valid && !flush_i;

  esc_prim_fifo #(
    .Depth(FifoDepth),
    .Width(BeatW)
  ) u_out_fifo (
    .clk_i,
    .rst_ni,
    .flush_i,
    .in_valid_i (ff_push),
    .in_ready_o (ff_in_ready),
    .in_data_i  ({pp_data, pp_acc, pp_tag}),
    .out_valid_o(res_valid_o),
    .out_ready_i(res_ready_i),
    .out_data_o ({res_data_o, res_acc_o, res_n_o, res_tile_o, res_last_o}),
    .fill_o     (ff_fill)
  );

  assign idle_o = !d1_v_q && !pp_valid && !res_valid_o;

  ////////////////
  // Assertions //
  ////////////////

  // Stream rule (an abort may drop a pending beat, so the flush cycle is excluded).
  `ESC_ASSERT_STREAM(ResStream_A, res_valid_o, res_ready_i,
                     {res_data_o, res_acc_o, res_n_o, res_tile_o, res_last_o}, flush_i)
  `ESC_ASSERT_NEVER(DrainFifoOverflow_A, ff_push && !ff_in_ready)
  `ESC_ASSERT_KNOWN(ResValidKnown_A, res_valid_o)
  `ESC_COVER(ResBackpressure_C, res_valid_o && !res_ready_i)
  `ESC_COVER(DrainFifoFull_C, !ff_in_ready)

endmodule
