// Formal properties of esc_prim_stream_reg, included at the end of the module under
// `ifdef FORMAL. See formal/README.md. Labels end in _P; scripts/formal.sh counts them per job.
// No environment assumption: the register must be safe for any input sequence.
`ifdef ESC_FTOP_esc_prim_stream_reg

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  logic f_in_fire, f_out_fire;
  assign f_in_fire  = in_valid_i && in_ready_o;
  assign f_out_fire = out_valid_o && out_ready_i;

  always @(*) begin
    if (rst_ni) begin
      // Never overwrite a held entry that is not leaving (no overflow), full throughput.
      StreamRegReadyRule_P: assert (in_ready_o == (!out_valid_o || out_ready_i));
    end
  end

  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // Output stream rule: a stalled beat stays, with the same data, unless flushed.
      if ($past(out_valid_o && !out_ready_i && !flush_i)) begin
        StreamRegOutStream_P: assert (out_valid_o && out_data_o == $past(out_data_o));
      end
      // A taken input is the next output, unless flushed.
      if ($past(f_in_fire && !flush_i)) begin
        StreamRegLoad_P: assert (out_valid_o && out_data_o == $past(in_data_i));
      end
      // Occupancy 0/1 = loads minus departures: nothing taken and the entry left -> empty
      // (no duplication, no underflow).
      if ($past(!f_in_fire && (!out_valid_o || out_ready_i))) begin
        StreamRegDrains_P: assert (!out_valid_o);
      end
      // Flush empties the register.
      if ($past(flush_i)) begin
        StreamRegFlushEmpties_P: assert (!out_valid_o);
      end
    end
  end

  // Reachability of the conditions the properties above depend on (scripts/formal.sh runs
  // yosys-smtbmc -c and fails if one is not reached: a property that cannot trigger is vacuous).
  always @(*) begin
    if (rst_ni) begin
      StreamRegStall_C:   cover (out_valid_o && !out_ready_i && !flush_i);
      StreamRegFullLoad_C: cover (out_valid_o && out_ready_i && in_valid_i && !flush_i);
      StreamRegFlushFull_C: cover (out_valid_o && flush_i);
    end
  end

`endif
