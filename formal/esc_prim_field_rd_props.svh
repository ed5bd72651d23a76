// Formal properties of esc_prim_field_rd (Fields > 1), included in its gen_select block under
// `ifdef FORMAL. See formal/README.md. Labels end in _P; scripts/formal.sh counts them per job.
// No environment assumption: any take, first, index and RAM word.
`ifdef ESC_FTOP_esc_prim_field_rd

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  // Environment: the contract FieldRdSequential_A checks in simulation.
  always @(*) begin
    if (rst_ni && take_i && !first_i && idx_i[SelW-1:0] != '0) begin
      assume (taken_q && idx_i == last_idx_q + 1'b1);
    end
  end

  // Shadow of the RAM: the word address it read last (its read data holds until the next read).
  reg              f_read_any = 1'b0;
  reg [AddrW-1:0]  f_word_q;
  always @(posedge clk_i) begin
    if (rst_ni && ram_re_o) begin
      f_read_any <= 1'b1;
      f_word_q   <= ram_addr_o;
    end
  end

  always @(*) begin
    if (rst_ni) begin
      // A take reads the RAM at the word that holds its field ...
      if (ram_re_o) FieldRdReadAddr_P: assert (ram_addr_o == idx_i[SelW +: AddrW]);
      // ... or needs no read because the held word already is that word.
      if (take_i && !ram_re_o) begin
        FieldRdHeldWordRight_P: assert (f_read_any && f_word_q == idx_i[SelW +: AddrW]);
      end
      // No read without a take.
      if (!take_i) FieldRdNoReadIdle_P: assert (!ram_re_o);
      // Invariant (makes the proof inductive): after a take, the held word and the slot are
      // those of the index taken last.
      if (taken_q) begin
        FieldRdHeldIsLast_P: assert (f_read_any && f_word_q == last_idx_q[SelW +: AddrW] &&
                                     sel_q == last_idx_q[SelW-1:0]);
      end
    end
  end

  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // The field out is the slot of the index taken last (held while nothing is taken).
      if ($past(take_i)) FieldRdSlotOfTake_P: assert (sel_q == $past(idx_i[SelW-1:0]));
      if (!$past(take_i)) FieldRdSlotHeld_P: assert (sel_q == $past(sel_q));
    end
    if (rst_ni) FieldRdFieldOut_P: assert (field_o == ram_word_i[sel_q*FieldW +: FieldW]);
  end

  always @(*) begin
    if (rst_ni) begin
      FieldRdMidWord_C: cover (take_i && !ram_re_o && idx_i[SelW-1:0] != '0);
      FieldRdFirstMid_C: cover (take_i && first_i && idx_i[SelW-1:0] != '0);
    end
  end

`endif
