`include "esc_assert.svh"

// Activity event counters (registers EVT_*, esc_pkg::reg_addr_e): products issued by the BCU
// and the CAU, and the reads and writes of every on-chip memory, one event per access of one
// memory instance. They feed the energy model (docs/energy.md); the golden model predicts each
// of them exactly per pass (golden/include/esc/events.hpp, tb/test/test_events.cpp).
//
// * The write counters of the load-written buffers (IFMAP, BASIS, COEF, COLPTR, BIAS) restart
//   on CLEAR (clr_load_i), like LD_BEATS; every other counter restarts when a layer is
//   accepted (clr_run_i), like CYC_TOTAL.
// * Counters are RegDataW bits and wrap (a host reads them after every pass).
// * cnt_o holds counter i (register REG_EVT_BCU_MACS + i) at [i*RegDataW +: RegDataW].
module esc_events #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  localparam int unsigned NumEvt      = esc_pkg::NumEvt,
  localparam int unsigned CntW        = esc_pkg::RegDataW
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic                      clr_run_i,     // a layer was accepted
  input  logic                      clr_load_i,    // CTRL.CLEAR
  input  esc_pkg::ksp_reg_t         cfg_ksp_i,     // K of the running layer
  // front end
  input  logic                      bcu_step_i,    // BCU basis step (one basis read)
  input  logic                      ifmap_re_i,
  input  logic                      ifmap_we_i,
  input  logic                      basis_we_i,
  // back end, one bit per coefficient lane where a vector
  input  logic [NumCoefLanes-1:0]   issue_i,       // lane issued an entry (T products)
  input  logic [NumCoefLanes-1:0]   coef_re_i,     // coefficient word read
  input  logic                      coef_we_i,
  input  logic [NumCoefLanes-1:0]   colptr_re_i,
  input  logic                      colptr_we_i,
  input  logic [NumCoefLanes-1:0]   zf_re_i,       // Z word read (also the PSUM read)
  input  logic                      zf_we_i,       // Z word written into all lane copies
  input  logic [NumCoefLanes-1:0]   psum_dr_i,     // drain read of a lane's PSUM
  input  logic [NumCoefLanes-1:0]   psum_we_i,
  input  logic                      bias_re_i,
  input  logic                      bias_we_i,
  output logic [NumEvt*CntW-1:0]    cnt_o
);

  localparam int unsigned Base = 32'(esc_pkg::REG_EVT_BCU_MACS);
  localparam int unsigned T    = NumPixLanes;
  localparam int unsigned L    = NumCoefLanes;

  // Index of an event register's counter (an address argument: Yosys 0.23 takes no
  // package-typed function arguments).
  function automatic int unsigned idx(logic [esc_pkg::RegAddrW-1:0] a);
    idx = 32'(a) - Base;
  endfunction

  function automatic logic [CntW-1:0] popcount(logic [NumCoefLanes-1:0] v);
    popcount = '0;
    for (int i = 0; i < NumCoefLanes; i++) begin
      popcount = popcount + CntW'(v[i]);
    end
  endfunction

  logic [CntW-1:0] inc [NumEvt];
  logic [NumEvt-1:0] on_load;  // restarts on CLEAR instead of on a new layer
  logic [CntW-1:0] cnt_q [NumEvt];
  logic [CntW-1:0] kk;

  assign kk = CntW'(cfg_ksp_i.k) * CntW'(cfg_ksp_i.k);

  logic unused_ksp;
  assign unused_ksp = ^{cfg_ksp_i.stride, cfg_ksp_i.pad_t, cfg_ksp_i.pad_b, cfg_ksp_i.pad_l,
                        cfg_ksp_i.pad_r};

  always_comb begin
    for (int i = 0; i < NumEvt; i++) begin
      inc[i] = '0;
    end
    on_load = '0;
    inc[idx(esc_pkg::REG_EVT_BCU_MACS)]  = bcu_step_i ? CntW'(T) * kk : '0;
    inc[idx(esc_pkg::REG_EVT_CAU_MACS)]  = CntW'(T) * popcount(issue_i);
    inc[idx(esc_pkg::REG_EVT_IFMAP_RD)]  = CntW'(ifmap_re_i);
    inc[idx(esc_pkg::REG_EVT_IFMAP_WR)]  = CntW'(ifmap_we_i);
    inc[idx(esc_pkg::REG_EVT_BASIS_RD)]  = CntW'(bcu_step_i);
    inc[idx(esc_pkg::REG_EVT_BASIS_WR)]  = CntW'(basis_we_i);
    inc[idx(esc_pkg::REG_EVT_COEF_RD)]   = popcount(coef_re_i);
    inc[idx(esc_pkg::REG_EVT_COEF_WR)]   = CntW'(coef_we_i);
    inc[idx(esc_pkg::REG_EVT_COLPTR_RD)] = popcount(colptr_re_i);
    inc[idx(esc_pkg::REG_EVT_COLPTR_WR)] = CntW'(colptr_we_i);
    inc[idx(esc_pkg::REG_EVT_ZFIFO_RD)]  = popcount(zf_re_i);
    inc[idx(esc_pkg::REG_EVT_ZFIFO_WR)]  = zf_we_i ? CntW'(L) : '0;
    inc[idx(esc_pkg::REG_EVT_PSUM_RD)]   = popcount(zf_re_i) + popcount(psum_dr_i);
    inc[idx(esc_pkg::REG_EVT_PSUM_WR)]   = popcount(psum_we_i);
    inc[idx(esc_pkg::REG_EVT_BIAS_RD)]   = CntW'(bias_re_i);
    inc[idx(esc_pkg::REG_EVT_BIAS_WR)]   = CntW'(bias_we_i);
    on_load[idx(esc_pkg::REG_EVT_IFMAP_WR)]  = 1'b1;
    on_load[idx(esc_pkg::REG_EVT_BASIS_WR)]  = 1'b1;
    on_load[idx(esc_pkg::REG_EVT_COEF_WR)]   = 1'b1;
    on_load[idx(esc_pkg::REG_EVT_COLPTR_WR)] = 1'b1;
    on_load[idx(esc_pkg::REG_EVT_BIAS_WR)]   = 1'b1;
  end

  for (genvar i = 0; i < NumEvt; i++) begin : gen_cnt
    logic clr;
    assign clr = on_load[i] ? clr_load_i : clr_run_i;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        cnt_q[i] <= '0;
      end else if (clr) begin
        cnt_q[i] <= '0;
      end else begin
        cnt_q[i] <= cnt_q[i] + inc[i];
      end
    end
    assign cnt_o[i*CntW +: CntW] = cnt_q[i];
  end

  ////////////////
  // Assertions //
  ////////////////

  `ESC_ASSERT_INIT(EvtRegsContiguous_A,
                   (32'(esc_pkg::REG_EVT_BIAS_WR) - Base == NumEvt - 1) &&
                   (32'(esc_pkg::REG_EVT_CAU_MACS) - Base == 1))
  // Buffers are written by the load stream only, never in the cycle a layer is accepted.
  `ESC_ASSERT_NEVER(EvtLoadWriteAtStart_A,
                    clr_run_i && (ifmap_we_i || basis_we_i || coef_we_i || colptr_we_i ||
                                  bias_we_i))
  `ESC_ASSERT_KNOWN(EvtCntKnown_A, cnt_o)

endmodule
