// Formal properties of esc_prim_field_rd (Fields > 1), included in its gen_select block under
// `ifdef FORMAL. See formal/README.md. Labels end in _P; scripts/formal.sh counts them per job.
// No environment assumption: any take, first, index and RAM word.
`ifdef ESC_FTOP_esc_prim_field_rd

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  always @(*) begin
    if (rst_ni) begin
      // The RAM is read exactly for a take that starts a run or enters a new word, at the
      // word that holds the field.
      FieldRdReadExact_P: assert (ram_re_o == (take_i && (first_i || idx_i[SelW-1:0] == '0)));
      FieldRdReadAddr_P: assert (ram_addr_o == idx_i[SelW +: AddrW]);
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
