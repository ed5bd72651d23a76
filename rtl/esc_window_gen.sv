// Window generator: walks the Basis-First loop nest on the input side and gathers, one per
// cycle, the KxK input window of each of the T output pixels of a (tile, channel) group.
//
// Loop order: for tile k, for channel c, for t in 0..T-1: pixel p = k*T + t (raster order,
// tiles may cross rows). No dividers: the pixel is tracked as (x, ix0 = x*s - pad_l,
// iy0 = y*s - pad_t, row_off = iy0*W) and stepped incrementally; the state at the start of
// the tile is saved and restored for every channel; the channel offset c*H*W is
// accumulated. Per window row i the leftmost tap address is c*H*W + (iy0+i)*W + ix0.
// Taps with iy outside [0,H), ix outside [0,W), i or j >= K, or p >= Ho*Wo read zero
// (K = 1 uses tap 0 only). Tap i*3 + j of window t sits at grp_win_o[(t*9 + i*3 + j)*8 +: 8].
//
// Pipeline: issue (counters -> IFMAP read) -> land (1 cycle later: bytes masked into the
// gather register). The gather register and the BCU's compute register form the double
// buffer: a completed group is offered on grp_valid_o (combinationally in the cycle its
// last window lands) and moves to the BCU on grp_ready_i; the first window of the next
// group is issued in that same cycle, so with the BCU keeping pace a group takes exactly
// max(M, T) cycles. Issue stalls only while a complete group waits for the BCU.
module esc_window_gen #(
  parameter int unsigned NumPixLanes = esc_pkg::NumPixLanes,
  parameter int unsigned IfmapBytes  = esc_pkg::IfmapBytes,
  parameter int unsigned ByteAddrW   = $clog2(IfmapBytes)
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              start_i,
  input  logic                              abort_i,
  // Layer configuration (validated, stable while running)
  input  logic [esc_pkg::DimW-1:0]          cfg_c_i,
  input  logic [esc_pkg::DimW-1:0]          cfg_h_i,
  input  logic [esc_pkg::DimW-1:0]          cfg_w_i,
  input  logic                              cfg_k3_i,       // 1: K = 3, 0: K = 1
  input  logic                              cfg_stride2_i,  // 1: stride 2, 0: stride 1
  input  logic [1:0]                        cfg_pad_t_i,
  input  logic [1:0]                        cfg_pad_l_i,
  input  logic [esc_pkg::DimW-1:0]          cfg_wo_i,
  input  logic [esc_pkg::TileW-1:0]         cfg_hw_i,
  input  logic [esc_pkg::TileW-1:0]         cfg_num_pix_i,
  input  logic [esc_pkg::TileW-1:0]         cfg_num_tiles_i,
  // IFMAP read port
  output logic                              rd_en_o,
  output logic [3*ByteAddrW-1:0]            rd_addr_o,
  input  logic [9*8-1:0]                    rd_data_i,
  // Completed groups of T windows
  output logic                              grp_valid_o,
  input  logic                              grp_ready_i,
  output logic [NumPixLanes*9*8-1:0]        grp_win_o,
  output logic [esc_pkg::DimW-1:0]          grp_c_o,
  output logic                              busy_o
);
`include "esc_assert.svh"

  localparam int unsigned T   = NumPixLanes;
  localparam int unsigned TW  = (T > 1) ? $clog2(T) : 1;
  localparam int unsigned SW  = 26;  // signed working width for offsets and coordinates
  localparam int unsigned WinW = 9 * 8;

  // ---------------------------------------------------------------------------
  // Configuration in signed form
  // ---------------------------------------------------------------------------
  logic signed [SW-1:0] h_s, w_s, s_s, sw_s, pad_l_s, pad_t_s, row_init_s, hw_s;
  assign h_s     = $signed(SW'(cfg_h_i));
  assign w_s     = $signed(SW'(cfg_w_i));
  assign hw_s    = $signed(SW'(cfg_hw_i));
  assign s_s     = cfg_stride2_i ? SW'(2) : SW'(1);
  assign sw_s    = cfg_stride2_i ? (w_s <<< 1) : w_s;
  assign pad_l_s = $signed(SW'(cfg_pad_l_i));
  assign pad_t_s = $signed(SW'(cfg_pad_t_i));
  assign row_init_s = -((cfg_pad_t_i[1] ? (w_s <<< 1) : SW'(0)) + (cfg_pad_t_i[0] ? w_s : SW'(0)));

  // ---------------------------------------------------------------------------
  // Issue stage state
  // ---------------------------------------------------------------------------
  logic                       run_d, run_q;
  logic [esc_pkg::TileW-1:0]  k_d, k_q, p0_d, p0_q;
  logic [esc_pkg::DimW-1:0]   c_d, c_q;
  logic [TW-1:0]              t_d, t_q;
  logic signed [SW-1:0]       chan_d, chan_q;
  // running pixel
  logic [esc_pkg::DimW-1:0]   x_d, x_q;
  logic signed [SW-1:0]       ix_d, ix_q, iy_d, iy_q, row_d, row_q;
  // pixel at the start of the tile
  logic [esc_pkg::DimW-1:0]   tx_d, tx_q;
  logic signed [SW-1:0]       tix_d, tix_q, tiy_d, tiy_q, trow_d, trow_q;
  logic                       res_d, res_q;  // last window of a group issued, not yet taken

  // Landing stage
  logic                       land_valid_d, land_valid_q, land_last_d, land_last_q;
  logic [TW-1:0]              land_t_d, land_t_q;
  logic [8:0]                 land_mask_d, land_mask_q;
  logic [esc_pkg::DimW-1:0]   land_c_d, land_c_q;

  // Gather register
  logic [T*WinW-1:0]          gather_d, gather_q;
  logic [esc_pkg::DimW-1:0]   gather_c_d, gather_c_q;
  logic                       cmpl_d, cmpl_q;

  logic xfer, fire;

  // Next pixel in raster order
  logic [esc_pkg::DimW-1:0] nx;
  logic signed [SW-1:0]     nix, niy, nrow;
  always_comb begin
    if (x_q == cfg_wo_i - 1'b1) begin
      nx   = '0;
      nix  = -pad_l_s;
      niy  = iy_q + s_s;
      nrow = row_q + sw_s;
    end else begin
      nx   = x_q + 1'b1;
      nix  = ix_q + s_s;
      niy  = iy_q;
      nrow = row_q;
    end
  end

  // Addresses and tap masks of the current window
  logic signed [SW-1:0] base;
  logic [2:0]           r_ok, c_ok;
  logic                 p_ok;
  logic [8:0]           tap_ok;
  assign base = chan_q + row_q + ix_q;
  for (genvar i = 0; i < 3; i++) begin : gen_row
    logic signed [SW-1:0] a, iy, ix;
    assign a  = base + SW'(i) * w_s;
    assign iy = iy_q + SW'(i);
    assign ix = ix_q + SW'(i);
    assign rd_addr_o[i*ByteAddrW +: ByteAddrW] = a[ByteAddrW-1:0];
    assign r_ok[i] = (i == 0 || cfg_k3_i) && (iy >= 0) && (iy < h_s);
    assign c_ok[i] = (i == 0 || cfg_k3_i) && (ix >= 0) && (ix < w_s);
    logic unused_a;
    assign unused_a = ^a[SW-1:ByteAddrW];
  end
  always_comb begin
    p_ok = (p0_q + esc_pkg::TileW'(t_q)) < cfg_num_pix_i;
    for (int i = 0; i < 3; i++) begin
      for (int j = 0; j < 3; j++) begin
        tap_ok[i*3+j] = r_ok[i] && c_ok[j] && p_ok;
      end
    end
  end

  assign grp_valid_o = cmpl_q || (land_valid_q && land_last_q);
  assign xfer        = grp_valid_o && grp_ready_i;
  assign fire        = run_q && (!res_q || xfer);
  assign rd_en_o     = fire;

  always_comb begin
    run_d  = run_q;
    k_d    = k_q;
    p0_d   = p0_q;
    c_d    = c_q;
    t_d    = t_q;
    chan_d = chan_q;
    x_d    = x_q;
    ix_d   = ix_q;
    iy_d   = iy_q;
    row_d  = row_q;
    tx_d   = tx_q;
    tix_d  = tix_q;
    tiy_d  = tiy_q;
    trow_d = trow_q;
    res_d  = res_q;

    land_valid_d = fire;
    land_last_d  = (t_q == TW'(T - 1));
    land_t_d     = t_q;
    land_mask_d  = tap_ok;
    land_c_d     = c_q;

    if (xfer) res_d = 1'b0;

    if (fire) begin
      if (t_q != TW'(T - 1)) begin
        t_d  = t_q + 1'b1;
        x_d  = nx;
        ix_d = nix;
        iy_d = niy;
        row_d = nrow;
      end else begin
        t_d   = '0;
        res_d = 1'b1;
        if (c_q != cfg_c_i - 1'b1) begin
          c_d    = c_q + 1'b1;
          chan_d = chan_q + hw_s;
          x_d    = tx_q;
          ix_d   = tix_q;
          iy_d   = tiy_q;
          row_d  = trow_q;
        end else begin
          c_d    = '0;
          chan_d = '0;
          if (k_q != cfg_num_tiles_i - 1'b1) begin
            k_d    = k_q + 1'b1;
            p0_d   = p0_q + esc_pkg::TileW'(T);
            x_d    = nx;
            ix_d   = nix;
            iy_d   = niy;
            row_d  = nrow;
            tx_d   = nx;
            tix_d  = nix;
            tiy_d  = niy;
            trow_d = nrow;
          end else begin
            run_d = 1'b0;
          end
        end
      end
    end

    if (start_i) begin
      run_d  = 1'b1;
      k_d    = '0;
      p0_d   = '0;
      c_d    = '0;
      t_d    = '0;
      chan_d = '0;
      x_d    = '0;
      ix_d   = -pad_l_s;
      iy_d   = -pad_t_s;
      row_d  = row_init_s;
      tx_d   = '0;
      tix_d  = -pad_l_s;
      tiy_d  = -pad_t_s;
      trow_d = row_init_s;
      res_d  = 1'b0;
    end
    if (abort_i) begin
      run_d        = 1'b0;
      res_d        = 1'b0;
      land_valid_d = 1'b0;
    end
  end

  // Landing: mask the 9 bytes into slot land_t of the gather register.
  always_comb begin
    gather_d   = gather_q;
    gather_c_d = gather_c_q;
    if (land_valid_q) begin
      gather_c_d = land_c_q;
      for (int t = 0; t < T; t++) begin
        if (land_t_q == TW'(t)) begin
          for (int b = 0; b < 9; b++) begin
            gather_d[(t*9+b)*8 +: 8] = land_mask_q[b] ? rd_data_i[b*8 +: 8] : 8'd0;
          end
        end
      end
    end
    cmpl_d = grp_valid_o && !xfer && !abort_i && !start_i;
  end

  assign grp_win_o = gather_d;
  assign grp_c_o   = gather_c_d;
  assign busy_o    = run_q || land_valid_q || cmpl_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      run_q        <= 1'b0;
      k_q          <= '0;
      p0_q         <= '0;
      c_q          <= '0;
      t_q          <= '0;
      chan_q       <= '0;
      x_q          <= '0;
      ix_q         <= '0;
      iy_q         <= '0;
      row_q        <= '0;
      tx_q         <= '0;
      tix_q        <= '0;
      tiy_q        <= '0;
      trow_q       <= '0;
      res_q        <= 1'b0;
      land_valid_q <= 1'b0;
      land_last_q  <= 1'b0;
      land_t_q     <= '0;
      land_mask_q  <= '0;
      land_c_q     <= '0;
      gather_q     <= '0;
      gather_c_q   <= '0;
      cmpl_q       <= 1'b0;
    end else begin
      run_q        <= run_d;
      k_q          <= k_d;
      p0_q         <= p0_d;
      c_q          <= c_d;
      t_q          <= t_d;
      chan_q       <= chan_d;
      x_q          <= x_d;
      ix_q         <= ix_d;
      iy_q         <= iy_d;
      row_q        <= row_d;
      tx_q         <= tx_d;
      tix_q        <= tix_d;
      tiy_q        <= tiy_d;
      trow_q       <= trow_d;
      res_q        <= res_d;
      land_valid_q <= land_valid_d;
      land_last_q  <= land_last_d;
      land_t_q     <= land_t_d;
      land_mask_q  <= land_mask_d;
      land_c_q     <= land_c_d;
      gather_q     <= gather_d;
      gather_c_q   <= gather_c_d;
      cmpl_q       <= cmpl_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT_STREAM(WgenGrpStream_A, grp_valid_o && !abort_i, grp_ready_i, grp_win_o)
  `ESC_ASSERT_KNOWN(WgenGrpValidKnown_A, grp_valid_o)
  `ESC_ASSERT_KNOWN(WgenRdEnKnown_A, rd_en_o)
  // No window-buffer overflow: a window never lands on a completed, untaken group.
  `ESC_ASSERT_NEVER(WgenGatherOverflow_A, land_valid_q && cmpl_q)
  // Issue never runs more than one group ahead of the BCU.
  `ESC_ASSERT_NEVER(WgenIssueWhileReserved_A, fire && res_q && !xfer)
  `ESC_ASSERT(WgenTileInRange_A, run_q |-> (k_q < cfg_num_tiles_i && c_q < cfg_c_i))
  `ESC_COVER(WgenStride2_C, fire && cfg_stride2_i)
  `ESC_COVER(WgenPadTap_C, fire && p_ok && cfg_k3_i && (r_ok != 3'b111 || c_ok != 3'b111))
  `ESC_COVER(WgenK1_C, fire && !cfg_k3_i)
  `ESC_COVER(WgenPastEnd_C, fire && !p_ok)
  `ESC_COVER(WgenWaitBcu_C, grp_valid_o && !grp_ready_i)
endmodule
