// Window generator: walks the Basis-First loop nest on the input side and gathers the KxK
// input windows of the T output pixels of each (tile, channel) group.
//
// Loop order: for tile k, for channel c: the T pixels p = k*T + t (raster order, a tile may
// cross output rows). No dividers: the coordinates of the T pixels of a tile,
// (x, ix0 = x*s - pad_l, iy0 = y*s - pad_t, row_off = iy0*W), are stepped incrementally (a
// chain of T raster steps from the last pixel of the previous tile) and held in per-tile
// registers for all C channels; the channel offset c*H*W is accumulated.
//
// Reads: the pixels of a tile that share an output row form a "row group". For each row
// group and kernel row i < K, one IFMAP segment read at c*H*W + (iy0+i)*W + ix0(first pixel)
// returns the bytes of kernel row i of every window in the group. A group therefore costs
// K reads per output row it touches (K when the tile stays in one row, which is every tile
// when T divides Wo). One cycle after a read the bytes land in the gather register, masked to
// zero for taps with iy outside [0,H), ix outside [0,W), j >= K (K = 1: tap 0 only) or
// p >= Ho*Wo. Tap i*3 + j of window t sits at grp_win_o[(t*9 + i*3 + j)*8 +: 8].
//
// Double buffer: the gather register and the BCU's compute register. A completed group is
// offered on grp_valid_o (combinationally in the cycle its last read lands) and moves to the
// BCU on grp_ready_i; the first read of the next group is issued in that same cycle. A
// group thus takes max(M, reads) cycles; issue stalls only while a complete group waits.
module esc_window_gen #(
  parameter int unsigned NumPixLanes = esc_pkg::NumPixLanes,
  parameter int unsigned IfmapBytes  = esc_pkg::IfmapBytes,
  parameter int unsigned SegWords    = esc_pkg::seg_words(NumPixLanes),
  parameter int unsigned ByteAddrW   = $clog2(IfmapBytes),
  localparam int unsigned WordW      = esc_pkg::IfmapBeatBytesW,  // one IFMAP word
  localparam int unsigned WinW       = esc_pkg::MaxTaps * esc_pkg::ActW  // one 3x3 window
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
  // IFMAP segment read port
  output logic                              rd_en_o,
  output logic [ByteAddrW-1:0]              rd_addr_o,
  input  logic [SegWords*WordW-1:0]         rd_data_i,
  // Completed groups of T windows
  output logic                              grp_valid_o,
  input  logic                              grp_ready_i,
  output logic [NumPixLanes*WinW-1:0]       grp_win_o,
  output logic [esc_pkg::DimW-1:0]          grp_c_o,
  output logic                              busy_o
);
`include "esc_assert.svh"

  localparam int unsigned T    = NumPixLanes;
  localparam int unsigned TW   = $clog2(T + 1);  // holds 0..T
  localparam int unsigned SW   = 26;             // signed working width for coordinates
  localparam int unsigned DW   = esc_pkg::DimW;
  localparam int unsigned OffW = $clog2(SegWords * 8);

  // ---------------------------------------------------------------------------
  // Configuration in signed form
  // ---------------------------------------------------------------------------
  logic signed [SW-1:0] h_s, w_s, hw_s, s_s, sw_s, pad_l_s, pad_t_s, row_init_s;
  assign h_s        = $signed(SW'(cfg_h_i));
  assign w_s        = $signed(SW'(cfg_w_i));
  assign hw_s       = $signed(SW'(cfg_hw_i));
  assign s_s        = cfg_stride2_i ? SW'(2) : SW'(1);
  assign sw_s       = cfg_stride2_i ? (w_s <<< 1) : w_s;
  assign pad_l_s    = $signed(SW'(cfg_pad_l_i));
  assign pad_t_s    = $signed(SW'(cfg_pad_t_i));
  assign row_init_s = -((cfg_pad_t_i[1] ? (w_s <<< 1) : SW'(0)) +
                        (cfg_pad_t_i[0] ? w_s : SW'(0)));

  // ---------------------------------------------------------------------------
  // Per-tile pixel registers (flattened: pixel t at [t*W +: W])
  // ---------------------------------------------------------------------------
  logic [T*DW-1:0] px_d, px_q;    // x
  logic [T*SW-1:0] pix_d, pix_q;  // ix0 = x*s - pad_l
  logic [T*SW-1:0] piy_d, piy_q;  // iy0 = y*s - pad_t
  logic [T*SW-1:0] prow_d, prow_q;  // iy0 * W
  logic [T*SW-1:0] prb_d, prb_q;  // iy0 * W + ix0 (row base of tap (0,0))
  logic [T-1:0]    pok_d, pok_q;  // p < Ho*Wo
  logic [T-1:0]    pnew_d, pnew_q;  // pixel t > 0 starts a new row group
  logic [3*T-1:0]  pcol_d, pcol_q;  // column j of window t inside [0,W) and j < K

  logic                      run_d, run_q;
  logic [esc_pkg::TileW-1:0] k_d, k_q, p0_d, p0_q, p0_next;
  logic [DW-1:0]             c_d, c_q;
  logic signed [SW-1:0]      chan_d, chan_q;
  logic [TW-1:0]             cur_t_d, cur_t_q;  // first pixel of the current row group
  logic [1:0]                cur_i_d, cur_i_q;  // kernel row
  logic                      res_d, res_q;      // last read of a group issued, not yet taken
  logic                      tile_load;         // load the per-tile registers

  // Raster-step chain: pixel 0 of the next tile is one step after pixel T-1 of this tile
  // (or the first pixel of the layer on start), pixel t is one step after pixel t-1.
  logic [DW-1:0]        cx;
  logic signed [SW-1:0] cix, ciy, crow;
  assign p0_next = start_i ? '0 : p0_q + esc_pkg::TileW'(T);
  always_comb begin
    cx   = px_q[(T-1)*DW +: DW];
    cix  = $signed(pix_q[(T-1)*SW +: SW]);
    ciy  = $signed(piy_q[(T-1)*SW +: SW]);
    crow = $signed(prow_q[(T-1)*SW +: SW]);
    for (int t = 0; t < T; t++) begin
      if (t == 0 && start_i) begin
        cx   = '0;
        cix  = -pad_l_s;
        ciy  = -pad_t_s;
        crow = row_init_s;
      end else if (cx == cfg_wo_i - 1'b1) begin
        cx   = '0;
        cix  = -pad_l_s;
        ciy  = ciy + s_s;
        crow = crow + sw_s;
      end else begin
        cx  = cx + 1'b1;
        cix = cix + s_s;
      end
      px_d[t*DW +: DW]   = cx;
      pix_d[t*SW +: SW]  = cix;
      piy_d[t*SW +: SW]  = ciy;
      prow_d[t*SW +: SW] = crow;
      prb_d[t*SW +: SW]  = crow + cix;
      pok_d[t]           = (p0_next + esc_pkg::TileW'(t)) < cfg_num_pix_i;
      pnew_d[t]          = (t != 0) && (cx == '0) && pok_d[t];
      for (int j = 0; j < 3; j++) begin
        pcol_d[t*3+j] = (j == 0 || cfg_k3_i) && (cix + SW'(j) >= 0) && (cix + SW'(j) < w_s);
      end
    end
    if (!tile_load) begin
      px_d   = px_q;
      pix_d  = pix_q;
      piy_d  = piy_q;
      prow_d = prow_q;
      prb_d  = prb_q;
      pok_d  = pok_q;
      pnew_d = pnew_q;
      pcol_d = pcol_q;
    end
  end

  // ---------------------------------------------------------------------------
  // Issue stage
  // ---------------------------------------------------------------------------
  logic signed [SW-1:0] cur_rb, cur_iy, iw, addr, row_iy;
  logic                 row_ok, last_row, grp_last;
  logic [TW-1:0]        next_start;
  logic [T-1:0]         members;
  logic [3*T-1:0]       tapmask;
  logic                 xfer, fire;

  always_comb begin
    cur_rb = '0;
    cur_iy = '0;
    for (int t = 0; t < T; t++) begin
      if (cur_t_q == TW'(t)) begin
        cur_rb = $signed(prb_q[t*SW +: SW]);
        cur_iy = $signed(piy_q[t*SW +: SW]);
      end
    end
    iw     = (cur_i_q == 2'd0) ? SW'(0) : ((cur_i_q == 2'd1) ? w_s : (w_s <<< 1));
    addr   = chan_q + cur_rb + iw;
    row_iy = cur_iy + SW'(cur_i_q);
    row_ok = (row_iy >= 0) && (row_iy < h_s);
    next_start = TW'(T);
    for (int t = T - 1; t > 0; t--) begin
      if (TW'(t) > cur_t_q && pnew_q[t]) next_start = TW'(t);
    end
    for (int t = 0; t < T; t++) begin
      members[t] = (TW'(t) >= cur_t_q) && (TW'(t) < next_start);
      for (int j = 0; j < 3; j++) begin
        tapmask[t*3+j] = members[t] && row_ok && pok_q[t] && pcol_q[t*3+j];
      end
    end
    last_row = cfg_k3_i ? (cur_i_q == 2'd2) : 1'b1;
    grp_last = last_row && (next_start == TW'(T));
  end

  assign rd_addr_o = addr[ByteAddrW-1:0];

  // Landing stage
  logic                 land_valid_d, land_valid_q, land_last_d, land_last_q;
  logic [1:0]           land_i_d, land_i_q;
  logic [2:0]           land_off_d, land_off_q;
  logic [TW-1:0]        land_first_d, land_first_q;
  logic [T-1:0]         land_mem_d, land_mem_q;
  logic [3*T-1:0]       land_mask_d, land_mask_q;
  logic [DW-1:0]        land_c_d, land_c_q;

  // Gather register
  logic [T*WinW-1:0]    gather_d, gather_q;
  logic [DW-1:0]        gather_c_d, gather_c_q;
  logic                 cmpl_d, cmpl_q;

  assign grp_valid_o = cmpl_q || (land_valid_q && land_last_q);
  assign xfer        = grp_valid_o && grp_ready_i;
  assign fire        = run_q && (!res_q || xfer);
  assign rd_en_o     = fire;

  always_comb begin
    run_d     = run_q;
    k_d       = k_q;
    p0_d      = p0_q;
    c_d       = c_q;
    chan_d    = chan_q;
    cur_t_d   = cur_t_q;
    cur_i_d   = cur_i_q;
    res_d     = res_q;
    tile_load = 1'b0;

    land_valid_d = fire;
    land_last_d  = grp_last;
    land_i_d     = cur_i_q;
    land_off_d   = addr[2:0];
    land_first_d = cur_t_q;
    land_mem_d   = members;
    land_mask_d  = tapmask;
    land_c_d     = c_q;

    if (xfer) res_d = 1'b0;

    if (fire) begin
      if (!last_row) begin
        cur_i_d = cur_i_q + 2'd1;
      end else begin
        cur_i_d = '0;
        if (next_start != TW'(T)) begin
          cur_t_d = next_start;
        end else begin
          cur_t_d = '0;
          res_d   = 1'b1;
          if (c_q != cfg_c_i - 1'b1) begin
            c_d    = c_q + 1'b1;
            chan_d = chan_q + hw_s;
          end else begin
            c_d    = '0;
            chan_d = '0;
            if (k_q != cfg_num_tiles_i - 1'b1) begin
              k_d       = k_q + 1'b1;
              p0_d      = p0_next;
              tile_load = 1'b1;
            end else begin
              run_d = 1'b0;
            end
          end
        end
      end
    end

    if (start_i) begin
      run_d     = 1'b1;
      k_d       = '0;
      p0_d      = '0;
      c_d       = '0;
      chan_d    = '0;
      cur_t_d   = '0;
      cur_i_d   = '0;
      res_d     = 1'b0;
      tile_load = 1'b1;
    end
    if (abort_i) begin
      run_d        = 1'b0;
      res_d        = 1'b0;
      land_valid_d = 1'b0;
    end
  end

  // Landing: kernel row land_i of every window in the row group; row 0 clears the window
  // first (K = 1 never reads rows 1 and 2).
  logic [3*T*OffW-1:0] offs;  // byte of tap (i, j) of window t in the segment
  logic [TW-1:0]       dt;    // window t's place in the row group (TW bits, then widened)
  always_comb begin
    dt = '0;
    for (int t = 0; t < T; t++) begin
      dt = TW'(t) - land_first_q;
      for (int j = 0; j < 3; j++) begin
        offs[(t*3+j)*OffW +: OffW] = OffW'(land_off_q) + OffW'(j) +
            (OffW'(dt) << (cfg_stride2_i ? 1 : 0));
      end
    end
  end

  always_comb begin
    gather_d   = gather_q;
    gather_c_d = gather_c_q;
    if (land_valid_q) begin
      gather_c_d = land_c_q;
      for (int t = 0; t < T; t++) begin
        if (land_mem_q[t]) begin
          if (land_i_q == 2'd0) gather_d[t*WinW +: WinW] = '0;
          for (int j = 0; j < 3; j++) begin
            for (int i = 0; i < 3; i++) begin
              if (land_i_q == 2'(i)) begin
                gather_d[(t*9 + i*3 + j)*8 +: 8] =
                    land_mask_q[t*3+j] ? rd_data_i[offs[(t*3+j)*OffW +: OffW]*8 +: 8] : 8'd0;
              end
            end
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
      px_q         <= '0;
      pix_q        <= '0;
      piy_q        <= '0;
      prow_q       <= '0;
      prb_q        <= '0;
      pok_q        <= '0;
      pnew_q       <= '0;
      pcol_q       <= '0;
      run_q        <= 1'b0;
      k_q          <= '0;
      p0_q         <= '0;
      c_q          <= '0;
      chan_q       <= '0;
      cur_t_q      <= '0;
      cur_i_q      <= '0;
      res_q        <= 1'b0;
      land_valid_q <= 1'b0;
      land_last_q  <= 1'b0;
      land_i_q     <= '0;
      land_off_q   <= '0;
      land_first_q <= '0;
      land_mem_q   <= '0;
      land_mask_q  <= '0;
      land_c_q     <= '0;
      gather_q     <= '0;
      gather_c_q   <= '0;
      cmpl_q       <= 1'b0;
    end else begin
      px_q         <= px_d;
      pix_q        <= pix_d;
      piy_q        <= piy_d;
      prow_q       <= prow_d;
      prb_q        <= prb_d;
      pok_q        <= pok_d;
      pnew_q       <= pnew_d;
      pcol_q       <= pcol_d;
      run_q        <= run_d;
      k_q          <= k_d;
      p0_q         <= p0_d;
      c_q          <= c_d;
      chan_q       <= chan_d;
      cur_t_q      <= cur_t_d;
      cur_i_q      <= cur_i_d;
      res_q        <= res_d;
      land_valid_q <= land_valid_d;
      land_last_q  <= land_last_d;
      land_i_q     <= land_i_d;
      land_off_q   <= land_off_d;
      land_first_q <= land_first_d;
      land_mem_q   <= land_mem_d;
      land_mask_q  <= land_mask_d;
      land_c_q     <= land_c_d;
      gather_q     <= gather_d;
      gather_c_q   <= gather_c_d;
      cmpl_q       <= cmpl_d;
    end
  end

  logic unused_bits;
  assign unused_bits = ^{addr[SW-1:ByteAddrW]};

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  // Stream rule, except that ABORT may withdraw a stalled group (found by the stress run).
  `ESC_ASSERT_STREAM(WgenGrpStream_A, grp_valid_o, grp_ready_i, grp_win_o, abort_i)
  `ESC_ASSERT_KNOWN(WgenGrpValidKnown_A, grp_valid_o)
  `ESC_ASSERT_KNOWN(WgenRdEnKnown_A, rd_en_o)
  // No window-buffer overflow: a read never lands on a completed, untaken group.
  `ESC_ASSERT_NEVER(WgenGatherOverflow_A, land_valid_q && cmpl_q)
  // Issue never runs more than one group ahead of the BCU.
  `ESC_ASSERT_NEVER(WgenIssueWhileReserved_A, fire && res_q && !xfer)
  `ESC_ASSERT(WgenTileInRange_A, run_q |-> (k_q < cfg_num_tiles_i && c_q < cfg_c_i))
  `ESC_ASSERT(WgenCurTInRange_A, run_q |-> (cur_t_q < TW'(T)))
  // Every tile starts with an in-range pixel (tiles = ceil(Ho*Wo / T)).
  `ESC_ASSERT(WgenTileHasPixel_A, run_q |-> pok_q[0])
  // The segment read per row must hold every tap of T pixels (stride 2) plus the byte offset.
  `ESC_ASSERT_INIT(WgenSegWordsEnough_A, SegWords * 8 >= 7 + 2 * (T - 1) + 3)
  `ESC_COVER(WgenStride2_C, fire && cfg_stride2_i)
  `ESC_COVER(WgenPadTap_C, fire && members[0] && pok_q[0] && cfg_k3_i && (!row_ok || !pcol_q[0]))
  `ESC_COVER(WgenK1_C, fire && !cfg_k3_i)
  `ESC_COVER(WgenRowCross_C, fire && next_start != TW'(T))
  `ESC_COVER(WgenPastEnd_C, fire && !pok_q[T-1])
  `ESC_COVER(WgenWaitBcu_C, grp_valid_o && !grp_ready_i)
endmodule
