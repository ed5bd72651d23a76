// Formal properties of esc_zfifo (one writer, NumReaders readers), included at the end of the
// module under `ifdef FORMAL. See formal/README.md. Labels end in _P; scripts/formal.sh counts.
//
// Environment (asserted in simulation by ZfifoUnderflow_A): a reader releases a slot only when
// it has one (its release pointer is behind the write pointer), except in a flush cycle.
`ifdef ESC_FTOP_esc_zfifo

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  always @(*) begin
    ZfifoUnderflow_A_env: assume ((release_i & rd_empty & {NumReaders{!flush_i}}) == '0);
  end

`ifndef ESC_F_ZFIFO_DATA
  // Reference count of slots accepted since reset or flush (mod 2 * Depth, as the pointers).
  logic [PtrW-1:0] f_pushed;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)      f_pushed <= '0;
    else if (flush_i) f_pushed <= '0;
    else if (push)    f_pushed <= f_pushed + 1'b1;
  end

  // Per reader: slots held (written, not released) and slots reserved (incl. the staged one).
  logic [NumReaders-1:0] f_held_ok, f_resv_ok;
  always @(*) begin
    for (int r = 0; r < NumReaders; r++) begin
      f_held_ok[r] = 32'(PtrW'(wr_ptr_q - rel_ptr_q[r])) <= Depth;
      f_resv_ok[r] = 32'(PtrW'(res_ptr - rel_ptr_q[r])) <= Depth;
    end
  end

  always @(*) begin
    if (rst_ni) begin
      // Occupancy: accepted slots = slots written + the one being copied; no reader ever has
      // more than Depth slots outstanding (no overflow) or a negative count (no underflow).
      ZfifoPushCount_P:     assert (res_ptr == f_pushed);
      ZfifoHeldBound_P:     assert (&f_held_ok);
      ZfifoReservedBound_P: assert (&f_resv_ok);
      // A slot is accepted only with a free index and never over a slot still being copied.
      ZfifoNoOverflow_P:    assert (!(push && full_o));
      ZfifoStagingSafe_P:   assert (!(push && stg_v_q && !stg_last));
    end
  end

  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // Flush drops every slot in one cycle.
      if ($past(flush_i)) begin
        ZfifoFlushEmpties_P: assert (empty_o && !full_o && wr_ptr_o == '0 && !stg_v_q);
      end
      // A slot becomes readable only once its last word was copied, one slot at a time.
      if (!$past(flush_i) && wr_ptr_o != $past(wr_ptr_o)) begin
        ZfifoVisibleAfterCopy_P: assert ($past(stg_last) && wr_ptr_o == $past(wr_ptr_o) + 1'b1);
      end
    end
  end

  // Reachability of the conditions the properties above depend on (scripts/formal.sh runs
  // yosys-smtbmc -c and fails if one is not reached: a property that cannot trigger is vacuous).
  always @(*) begin
    if (rst_ni) begin
      ZfifoFull_C:        cover (full_o && enable_i);
      ZfifoPushOnLast_C:  cover (push && stg_last);
      ZfifoFlushBusy_C:   cover (flush_i && !empty_o && stg_v_q);
      ZfifoRelease_C:     cover (|release_i && !flush_i);
    end
  end

`else
  // Data path (bounded, like psum_data: the RAM arrays inside u_ram cannot be named here for an
  // induction invariant). One symbolic reader, one accepted slot and one word of it: while the
  // reader holds that slot, reading (slot index, word) returns the word as it was pushed.
  // Environment: cfg_m_i does not change while slots are in flight (it is a configuration
  // register, frozen while busy: RegsCfgFrozenWhileBusy_P / RegsCfgStable_A); here it is held
  // constant after reset.
  always @(posedge clk_i) begin
    if (f_past_valid && $past(rst_ni)) ZfifoCfgMStable_A_env: assume (cfg_m_i == $past(cfg_m_i));
  end
  (* anyconst *) logic [31:0]          f_r;
  (* anyconst *) logic [WordIdxW-1:0]  f_word;
  (* anyseq *)   logic                 f_pick;
  always @(*) begin
    assume (f_r < NumReaders);
    assume (32'(f_word) < NumWords && f_word <= last_word);
  end
  logic             f_armed;
  logic [PtrW-1:0]  f_ptr;
  logic [WordW-1:0] f_val;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_armed <= 1'b0;
    end else if (flush_i) begin
      f_armed <= 1'b0;
    end else if (!f_armed && push && f_pick) begin
      f_armed <= 1'b1;
      f_ptr   <= res_ptr;
      f_val   <= wr_data_i[f_word*WordW +: WordW];
    end else if (f_armed && release_i[f_r] && rel_ptr_q[f_r] == f_ptr) begin
      f_armed <= 1'b0;
    end
  end
  logic f_held, f_rd_hit;
  // The tracked slot is written (before wr_ptr) and not yet released by the reader.
  assign f_held   = f_armed && (PtrW'(f_ptr - rel_ptr_q[f_r]) < PtrW'(wr_ptr_q - rel_ptr_q[f_r]));
  assign f_rd_hit = rd_en_i[f_r] && rd_slot_i[f_r*IdxW +: IdxW] == f_ptr[IdxW-1:0] &&
                    rd_word_i[f_r*WordIdxW +: WordIdxW] == f_word;
  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      if ($past(f_held && f_rd_hit && !flush_i)) begin
        ZfifoReadsPushedWord_P: assert (rd_data_o[f_r*WordW +: WordW] == $past(f_val));
      end
      ZfifoSlotRead_C: cover ($past(f_held && f_rd_hit) && f_word == 1'b1 && rel_ptr_q[f_r] != '0);
    end
  end
`endif

`endif
