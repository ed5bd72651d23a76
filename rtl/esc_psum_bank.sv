`include "esc_assert.svh"

// PSUM bank of one coefficient lane: two halves (tile parity k%2), each Depth x Width with a
// synchronous read, plus one valid bit per (half, address) so that a never-written partial sum
// reads as zero. The lane owns the read/write port of the half it accumulates into; the drain
// owns the read port of the other half. A drain read clears the valid bit (the entry is
// consumed), clear_i clears all of them (start / abort), a lane write sets it.
// Read data of both ports is already masked to zero when the valid bit was clear.
module esc_psum_bank #(
  parameter int unsigned Depth = 64,
  parameter int unsigned Width = 128,
  localparam int unsigned AddrW = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned VIdxW = $clog2(2 * Depth)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             clear_i,
  // lane read port (data one cycle later)
  input  logic             rd_en_i,
  input  logic             rd_half_i,
  input  logic [AddrW-1:0] rd_addr_i,
  output logic [Width-1:0] rd_data_o,
  // lane write port
  input  logic             wr_en_i,
  input  logic             wr_half_i,
  input  logic [AddrW-1:0] wr_addr_i,
  input  logic [Width-1:0] wr_data_i,
  // drain read port (data one cycle later)
  input  logic             dr_en_i,
  input  logic             dr_half_i,
  input  logic [AddrW-1:0] dr_addr_i,
  output logic [Width-1:0] dr_data_o
);

  logic [2*Depth-1:0] vld_q, vld_d;
  logic               rd_vld_q, rd_vld_d, dr_vld_q, dr_vld_d;
  logic               rd_half_q, dr_half_q;
  logic [1:0]         ram_re, ram_we;
  logic [AddrW-1:0]   ram_raddr [2];
  logic [Width-1:0]   ram_rdata [2];

  // Flat valid-bit index of (half, addr): half * Depth + addr.
  logic [VIdxW-1:0] wr_vidx, rd_vidx, dr_vidx;
  assign wr_vidx = (wr_half_i ? VIdxW'(Depth) : '0) + VIdxW'(wr_addr_i);
  assign rd_vidx = (rd_half_i ? VIdxW'(Depth) : '0) + VIdxW'(rd_addr_i);
  assign dr_vidx = (dr_half_i ? VIdxW'(Depth) : '0) + VIdxW'(dr_addr_i);

  always_comb begin
    vld_d = vld_q;
    if (clear_i) begin
      vld_d = '0;
    end else begin
      if (wr_en_i) begin
        vld_d[wr_vidx] = 1'b1;
      end
      if (dr_en_i) begin
        vld_d[dr_vidx] = 1'b0;
      end
    end
    rd_vld_d = rd_en_i ? vld_q[rd_vidx] : rd_vld_q;
    dr_vld_d = dr_en_i ? vld_q[dr_vidx] : dr_vld_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vld_q     <= '0;
      rd_vld_q  <= 1'b0;
      dr_vld_q  <= 1'b0;
      rd_half_q <= 1'b0;
      dr_half_q <= 1'b0;
    end else begin
      vld_q     <= vld_d;
      rd_vld_q  <= rd_vld_d;
      dr_vld_q  <= dr_vld_d;
      rd_half_q <= rd_en_i ? rd_half_i : rd_half_q;
      dr_half_q <= dr_en_i ? dr_half_i : dr_half_q;
    end
  end

  for (genvar h = 0; h < 2; h++) begin : gen_half
    // The drain has the read port of the half it drains; otherwise the lane has it.
    assign ram_re[h]    = (dr_en_i && (dr_half_i == 1'(h))) || (rd_en_i && (rd_half_i == 1'(h)));
    assign ram_raddr[h] = (dr_en_i && (dr_half_i == 1'(h))) ? dr_addr_i : rd_addr_i;
    assign ram_we[h]    = wr_en_i && (wr_half_i == 1'(h));

    esc_prim_ram_1r1w #(
      .Depth(Depth),
      .Width(Width)
    ) u_ram (
      .clk_i,
      .rst_ni,
      .we_i   (ram_we[h]),
      .waddr_i(wr_addr_i),
      .wdata_i(wr_data_i),
      .re_i   (ram_re[h]),
      .raddr_i(ram_raddr[h]),
      .rdata_o(ram_rdata[h])
    );
  end

  assign rd_data_o = rd_vld_q ? ram_rdata[rd_half_q] : '0;
  assign dr_data_o = dr_vld_q ? ram_rdata[dr_half_q] : '0;

  ////////////////
  // Assertions //
  ////////////////

  // The lane never touches the half the drain is reading.
  `ESC_ASSERT_NEVER(PsumRdDrainConflict_A, rd_en_i && dr_en_i && (rd_half_i == dr_half_i))
  `ESC_ASSERT_NEVER(PsumWrDrainConflict_A, wr_en_i && dr_en_i && (wr_half_i == dr_half_i))
  `ESC_ASSERT_KNOWN(PsumVldKnown_A, vld_q)

`ifdef FORMAL
  `include "esc_psum_bank_props.svh"
`endif

endmodule
