// BCU (basis convolution unit): T pixel lanes x K_MAX^2 int8 x int8 multipliers. Each
// cycle it applies one basis m to the T windows of the current (tile, channel) group:
//   Z[m][t]  = sum_tap B[cb][m][tap] * win[t][tap]                (exact, 20 bits)
//   Zq[m][t] = sat16(rshift_round_half_up(Z, zshift))             (SPEC section 3)
// and assembles a Z slot (MaxBases*T*MidW bits, Zq[m][t] at [(m*T+t)*MidW +: MidW], m >= M
// zero) that it sends to esc_cau on the z valid/ready stream.
//
// Pipeline (one basis step per cycle, M steps per group, no bubbles between groups):
//   issue  : read B[cb*MaxBases + m] (synchronous basis buffer). The first step of a group
//            takes the group from the window generator into the compute register (win_q).
//   mac    : (one cycle later) T*9 products, adder tree, round, saturate -> slot register.
//   output : a complete slot moves to the z output register (z_valid_o) when it is free.
// The pipeline stalls only when a complete slot cannot move because z_ready_i is low.
module esc_bcu #(
  parameter int unsigned NumPixLanes = esc_pkg::NumPixLanes,
  parameter int unsigned MaxBases    = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels = esc_pkg::MaxChannels,
  // Address width of one BASIS bank (esc_top passes the build's; default: a per-channel store)
  parameter int unsigned BasisAddrW  = esc_pkg::idx_width(esc_pkg::basis_depth(MaxBases,
                                                                               MaxChannels, 1)),
  parameter int unsigned ZDataW      = esc_pkg::z_data_width(NumPixLanes, MaxBases),
  localparam int unsigned MIdxW      = esc_pkg::MIdxW,
  localparam int unsigned WinW       = esc_pkg::MaxTaps * esc_pkg::ActW  // one 3x3 window
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          start_i,
  input  logic                          abort_i,
  input  logic [MIdxW-1:0]              cfg_m_i,          // 1..MaxBases
  input  logic [esc_pkg::ZShiftW-1:0]   cfg_zshift_i,
  input  logic                          cfg_basis_per_ch_i,
  // Groups of T windows from the window generator
  input  logic                          grp_valid_i,
  output logic                          grp_ready_o,
  input  logic [NumPixLanes*WinW-1:0]   grp_win_i,
  input  logic [esc_pkg::DimW-1:0]      grp_c_i,
  // Basis buffer read port
  output logic                          basis_re_o,
  output logic [BasisAddrW-1:0]         basis_raddr_o,
  input  logic [esc_pkg::LdDataW-1:0]   basis_rdata_i,
  // Z slots to esc_cau
  output logic                          z_valid_o,
  input  logic                          z_ready_i,
  output logic [ZDataW-1:0]             z_data_o,
  // Status
  output logic                          active_o,  // a basis step was issued this cycle
  output logic                          busy_o
);
`include "esc_assert.svh"

  localparam int unsigned T     = NumPixLanes;
  localparam int unsigned MW    = esc_pkg::MidW;
  localparam int unsigned SlotW = T * MW;  // one basis m for all T pixels
  localparam int unsigned Taps  = esc_pkg::MaxTaps;
  localparam int unsigned AW    = esc_pkg::ActW;
  localparam int unsigned BW    = esc_pkg::BasisW;
  localparam int unsigned ProdW = AW + BW;

  // ---------------------------------------------------------------------------
  // Issue stage
  // ---------------------------------------------------------------------------
  logic                     iss_valid_d, iss_valid_q;  // steps m_q..M-1 still to issue
  logic [MIdxW-1:0]         m_d, m_q;
  logic [esc_pkg::DimW-1:0] cb_d, cb_q;
  logic [T*WinW-1:0]        win_d, win_q;
  logic                     stall, iss_fire, iss_last;
  logic [MIdxW-1:0]         iss_m;
  logic [esc_pkg::DimW-1:0] iss_cb;

  // MAC stage
  logic       s1_valid_d, s1_valid_q, s1_last_d, s1_last_q, s1_fire;
  logic [MIdxW-1:0] s1_m_d, s1_m_q;

  // Slot assembly and output
  logic [ZDataW-1:0] asm_d, asm_q;
  logic              asm_full_d, asm_full_q, out_free, move;

  assign move     = asm_full_q && out_free;
  assign stall    = s1_valid_q && asm_full_q && !out_free;

  assign grp_ready_o = !stall && !iss_valid_q;
  assign iss_fire    = !stall && (iss_valid_q || grp_valid_i);
  assign iss_m       = iss_valid_q ? m_q : 8'd0;
  assign iss_cb      = !cfg_basis_per_ch_i ? '0 : (iss_valid_q ? cb_q : grp_c_i);
  assign iss_last    = (iss_m == cfg_m_i - 8'd1);

  assign basis_re_o    = iss_fire;
  assign basis_raddr_o = BasisAddrW'(32'(iss_cb) * MaxBases + 32'(iss_m));
  assign active_o      = iss_fire;

  always_comb begin
    iss_valid_d = iss_valid_q;
    m_d         = m_q;
    cb_d        = cb_q;
    win_d       = win_q;
    if (iss_fire) begin
      if (!iss_valid_q) begin  // first step of a new group: take it into win_q
        win_d = grp_win_i;
        cb_d  = grp_c_i;
      end
      iss_valid_d = !iss_last;
      m_d         = iss_m + 8'd1;
    end
    if (abort_i || start_i) begin
      iss_valid_d = 1'b0;
      m_d         = '0;
    end
  end

  always_comb begin
    s1_valid_d = s1_valid_q;
    s1_m_d     = s1_m_q;
    s1_last_d  = s1_last_q;
    if (!stall) begin
      s1_valid_d = iss_fire;
      s1_m_d     = iss_m;
      s1_last_d  = iss_last;
    end
    if (abort_i || start_i) s1_valid_d = 1'b0;
  end
  assign s1_fire = s1_valid_q && !stall;

  // ---------------------------------------------------------------------------
  // MAC stage: T lanes x 9 taps, round half up, saturate to MidW
  // ---------------------------------------------------------------------------
  logic [SlotW-1:0] zq_all;
  for (genvar t = 0; t < T; t++) begin : gen_lane
    logic [Taps*ProdW-1:0] prod;  // signed ActW x BasisW products
    logic signed [23:0] sum;
    logic signed [39:0] v, r;
    logic signed [MW-1:0] zq;
    for (genvar tap = 0; tap < Taps; tap++) begin : gen_tap
      assign prod[tap*ProdW +: ProdW] = $signed(win_q[(t*Taps+tap)*AW +: AW]) *
                                        $signed(basis_rdata_i[tap*BW +: BW]);
    end
    always_comb begin
      sum = '0;
      for (int tap = 0; tap < Taps; tap++) begin
        sum = sum + $signed({{(24 - ProdW){prod[tap*ProdW+ProdW-1]}}, prod[tap*ProdW +: ProdW]});
      end
    end
    // Explicit sign extension (no size casts of signed expressions), the same in every tool.
    assign v = {{16{sum[23]}}, sum};
    always_comb begin
      if (cfg_zshift_i == '0) begin
        r = v;
      end else begin
        r = (v + (40'sd1 <<< (cfg_zshift_i - 1'b1))) >>> cfg_zshift_i;
      end
      if (r > 40'sd32767) begin
        zq = 16'sh7fff;
      end else if (r < -40'sd32768) begin
        zq = 16'sh8000;
      end else begin
        zq = r[MW-1:0];
      end
    end
    assign zq_all[t*MW +: MW] = zq;
  end

  // ---------------------------------------------------------------------------
  // Slot assembly and z output register
  // ---------------------------------------------------------------------------
  always_comb begin
    asm_d      = asm_q;
    asm_full_d = asm_full_q && !move;
    if (s1_fire) begin
      for (int m = 0; m < MaxBases; m++) begin
        if (s1_m_q == MIdxW'(m)) asm_d[m*SlotW +: SlotW] = zq_all;
      end
      if (s1_last_q) asm_full_d = 1'b1;
    end
    if (abort_i || start_i) begin
      asm_full_d = 1'b0;
    end
    if (start_i) asm_d = '0;  // bases m >= M stay zero for the whole layer
  end

  // A complete slot moves to the output register when that is empty or being emptied
  // (out_free); start and abort drop a slot waiting there.
  esc_prim_stream_reg #(
    .Width(ZDataW)
  ) u_zout (
    .clk_i,
    .rst_ni,
    .flush_i    (abort_i || start_i),
    .in_valid_i (asm_full_q),
    .in_ready_o (out_free),
    .in_data_i  (asm_q),
    .out_valid_o(z_valid_o),
    .out_ready_i(z_ready_i),
    .out_data_o (z_data_o)
  );

  assign busy_o = iss_valid_q || s1_valid_q || asm_full_q || z_valid_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      iss_valid_q <= 1'b0;
      m_q         <= '0;
      cb_q        <= '0;
      win_q       <= '0;
      s1_valid_q  <= 1'b0;
      s1_m_q      <= '0;
      s1_last_q   <= 1'b0;
      asm_q       <= '0;
      asm_full_q  <= 1'b0;
    end else begin
      iss_valid_q <= iss_valid_d;
      m_q         <= m_d;
      cb_q        <= cb_d;
      win_q       <= win_d;
      s1_valid_q  <= s1_valid_d;
      s1_m_q      <= s1_m_d;
      s1_last_q   <= s1_last_d;
      asm_q       <= asm_d;
      asm_full_q  <= asm_full_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  // z stream rule (an abort flushes the stream on purpose).
  `ESC_ASSERT_STREAM(BcuZStream_A, z_valid_o, z_ready_i, z_data_o, abort_i)
  `ESC_ASSERT_KNOWN(BcuZValidKnown_A, z_valid_o)
  `ESC_ASSERT_KNOWN(BcuGrpReadyKnown_A, grp_ready_o)
  `ESC_ASSERT(BcuMInRange_A, iss_fire |-> (iss_m < cfg_m_i && 32'(cfg_m_i) <= MaxBases))
  // A complete slot is never overwritten before it moved to the output register.
  `ESC_ASSERT_NEVER(BcuSlotOverwrite_A, s1_fire && asm_full_q && !move)
  `ESC_COVER(BcuZBackpressure_C, z_valid_o && !z_ready_i)
  `ESC_COVER(BcuStall_C, stall)
  `ESC_COVER(BcuPerChannelBasis_C, iss_fire && cfg_basis_per_ch_i && iss_cb != '0)
  `ESC_COVER(BcuSaturate_C, s1_fire && (gen_lane[0].r > 40'sd32767 || gen_lane[0].r < -40'sd32768))
endmodule
