// Formal properties of esc_psum_bank (the PSUM double buffer), included at the end of the module
// under `ifdef FORMAL. See formal/README.md. Labels end in _P; scripts/formal.sh counts them.
//
// Environment (the double-buffer ownership rule, asserted in simulation by
// PsumRdDrainConflict_A / PsumWrDrainConflict_A): the lane never reads or writes the half the
// drain is reading in the same cycle.
//
// Two property sets: without ESC_F_PSUM_DATA the valid-bit bookkeeping (proven by k-induction);
// with it the data path through the two RAMs (bounded: Yosys 0.23 cannot name the RAM array
// inside u_ram from here, so the induction invariant "array holds the shadow" cannot be stated).
`ifdef ESC_FTOP_esc_psum_bank

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  always @(*) begin
    PsumRdDrainConflict_A_env: assume (!(rd_en_i && dr_en_i && (rd_half_i == dr_half_i)));
    PsumWrDrainConflict_A_env: assume (!(wr_en_i && dr_en_i && (wr_half_i == dr_half_i)));
  end

  // One symbolic entry (half, address) and its shadow: valid (written since the last clear or
  // drain read) and the last data the lane wrote there.
  (* anyconst *) logic             f_half;
  (* anyconst *) logic [AddrW-1:0] f_addr;
  logic             f_vld;
  logic [Width-1:0] f_data;
  logic             f_wr_hit, f_rd_hit, f_dr_hit;
  assign f_wr_hit = wr_en_i && wr_half_i == f_half && wr_addr_i == f_addr;
  assign f_rd_hit = rd_en_i && rd_half_i == f_half && rd_addr_i == f_addr;
  assign f_dr_hit = dr_en_i && dr_half_i == f_half && dr_addr_i == f_addr;
  always @(*) assume (32'(f_addr) < Depth);

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_vld <= 1'b0;
    end else if (clear_i) begin
      f_vld <= 1'b0;
    end else if (f_wr_hit) begin
      f_vld <= 1'b1;
    end else if (f_dr_hit) begin
      f_vld <= 1'b0;
    end
  end
  always @(posedge clk_i) if (f_wr_hit) f_data <= wr_data_i;

`ifndef ESC_F_PSUM_DATA
  always @(*) begin
    if (rst_ni) begin
      // The valid bit of the entry is exactly the shadow (written, not yet drained or cleared).
      PsumValidBit_P: assert (vld_q[(f_half ? VIdxW'(Depth) : '0) + VIdxW'(f_addr)] == f_vld);
    end
  end
  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // A never-written, drained or cleared entry reads as zero on either port.
      if ($past(f_dr_hit && !f_vld)) PsumDrainZeroIfInvalid_P: assert (dr_data_o == '0);
      if ($past(f_rd_hit && !f_vld)) PsumLaneZeroIfInvalid_P:  assert (rd_data_o == '0);
      // Clear (start / abort) empties both halves in one cycle.
      if ($past(clear_i)) PsumClearEmpties_P: assert (vld_q == '0);
    end
  end
  // Reachability (yosys-smtbmc -c; an unreached cover fails the job).
  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni) begin
      PsumDrainConsumed_C: cover (f_dr_hit && !f_vld && $past(f_dr_hit));
      PsumLaneInvalid_C:   cover (f_rd_hit && !f_vld);
      PsumClearFull_C:     cover (clear_i && f_vld);
    end
  end
`else
  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // Handover: what the lane accumulated into a half is what the drain reads out of it,
      // once (the read consumes the entry: PsumValidBit_P/PsumDrainZeroIfInvalid_P).
      if ($past(f_dr_hit && f_vld)) PsumDrainReturnsLastWrite_P: assert (dr_data_o == $past(f_data));
      // The lane's read-modify-write sees its own last write (old data on a same-cycle write).
      if ($past(f_rd_hit && f_vld)) PsumLaneReturnsLastWrite_P:  assert (rd_data_o == $past(f_data));
    end
  end
  // Reachability (yosys-smtbmc -c; an unreached cover fails the job): a drain of an entry
  // written while the drain owned the other half (the handover), and a lane read-modify-write.
  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni) begin
      PsumHandover_C: cover (f_dr_hit && f_vld && f_data != '0 && $past(dr_en_i && dr_half_i != f_half));
      PsumLaneRmw_C:  cover (f_rd_hit && f_vld && f_wr_hit);
    end
  end
`endif

`endif
