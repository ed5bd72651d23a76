// Formal properties of esc_prim_ram_1r1w, included at the end of the module under `ifdef FORMAL.
// See formal/README.md. Labels end in _P; scripts/formal.sh counts them per job.
//
// Environment: addresses stay inside the array when the port is enabled. When the RAM is the
// proof top this is assumed; inside another block's proof (esc_psum_bank) it is asserted, and in
// simulation RamWaddrRange_A / RamRaddrRange_A assert it.
`ifdef ESC_FTOP_esc_prim_ram_1r1w

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;

  always @(*) begin
    RamWaddrInRange_A_env: assume (!we_i || 32'(waddr_i) < Depth);
    RamRaddrInRange_A_env: assume (!re_i || 32'(raddr_i) < Depth);
  end

  // One symbolic address; f_data shadows what the array holds there once it was written.
  (* anyconst *) logic [AddrW-1:0] f_addr;
  logic             f_written;
  logic [Width-1:0] f_data;
  initial f_written = 1'b0;
  always @(posedge clk_i) begin
    if (we_i && waddr_i == f_addr) begin
      f_written <= 1'b1;
      f_data    <= wdata_i;
    end
  end
  always @(*) assume (32'(f_addr) < Depth);

  always @(*) begin
    // Internal invariant (makes the induction step inductive): the array holds the shadow.
    if (f_written) RamHoldsLastWrite_P: assert (mem_q[f_addr] == f_data);
  end

  always @(posedge clk_i) begin
    if (f_past_valid) begin
      // Read returns the last data written to that address; a read in the same cycle as a
      // write to it returns the OLD data ($past(f_data) is the shadow before that write).
      if ($past(re_i && raddr_i == f_addr && f_written)) begin
        RamReadLastWrite_P: assert (rdata_o == $past(f_data));
      end
      // Read data holds while re_i is low.
      if (!$past(re_i)) begin
        RamReadHolds_P: assert (rdata_o == $past(rdata_o));
      end
    end
  end

  // Reachability of the conditions the properties above depend on (scripts/formal.sh runs
  // yosys-smtbmc -c and fails if one is not reached: a property that cannot trigger is vacuous).
  always @(*) begin
    if (f_past_valid) begin
      RamReadWritten_C:   cover (re_i && raddr_i == f_addr && f_written && !we_i);
      RamReadDuringWrite_C: cover (re_i && raddr_i == f_addr && f_written && we_i &&
                                   waddr_i == f_addr && wdata_i != f_data);
      RamIdleRead_C:      cover (!re_i && f_written);
    end
  end

`else
  // Inside another block's proof: the environment assumption above becomes an obligation.
  always @(*) begin
    if (rst_ni) begin
      RamWaddrInRange_P: assert (!we_i || 32'(waddr_i) < Depth);
      RamRaddrInRange_P: assert (!re_i || 32'(raddr_i) < Depth);
    end
  end
`endif
