// ESCALATE accelerator: parameters, types, register map, load targets, error codes.
//
// This package is the single source of the hardware configuration. The top-level
// parameters default to the values below; the C++ host side never copies them: it
// reads them back from the read-only capability registers (REG_CAP_*), so a netlist
// built with other parameters (synth sweeps, gate-level sim) is driven correctly.
package esc_pkg;

  // ---------------------------------------------------------------------------
  // Default configuration (see docs/architecture.md for why these values)
  // ---------------------------------------------------------------------------
  localparam int unsigned NumPixLanes   = 4;      // T: output pixels per tile
  localparam int unsigned NumCoefLanes  = 8;      // L: coefficient lanes (PSUM banks)
  localparam int unsigned MaxBases      = 8;      // M_MAX
  localparam int unsigned MaxKernel     = 3;      // K_MAX (K = 1 and 3 supported)
  localparam int unsigned MaxTaps       = MaxKernel * MaxKernel;
  localparam int unsigned MaxChannels   = 512;    // C_MAX
  localparam int unsigned MaxFilters    = 512;    // N_MAX
  localparam int unsigned IfmapBytes    = 65536;  // C*H*W capacity in bytes
  localparam int unsigned CoefDepth     = 32768;  // entries per coefficient lane (power of 2)
  localparam int unsigned ZFifoDepth    = 8;      // Z slots between BCU and CAU
  localparam int unsigned MaxDim        = 1023;   // H, W upper bound (10-bit counters)

  // Datapath widths (SPEC section 3)
  localparam int unsigned ActW   = 8;   // activations, outputs
  localparam int unsigned BasisW = 8;   // basis taps
  localparam int unsigned MidW   = 16;  // Zq
  localparam int unsigned CoefW  = 8;   // stored coefficient width (4-bit mode uses [-8,7])
  localparam int unsigned AccW   = 32;  // accumulators
  localparam int unsigned MultW  = 16;  // requant multiplier (unsigned)
  localparam int unsigned ShiftW = 6;   // requant shift
  localparam int unsigned ZShiftW = 5;  // zshift

  // Host interface widths
  localparam int unsigned RegAddrW = 6;   // word address of 32-bit registers
  localparam int unsigned LdAddrW  = 24;
  localparam int unsigned LdDataW  = 72;
  localparam int unsigned DimW     = 16;  // C, N, H, W registers
  localparam int unsigned TileW    = 24;  // tile / pixel indices

  // ---------------------------------------------------------------------------
  // Register map (32-bit words, word addresses)
  // ---------------------------------------------------------------------------
  typedef enum logic [RegAddrW-1:0] {
    REG_CTRL       = 6'h00,  // W: bit0 START, bit1 ABORT, bit2 CLEAR (errors, done, load fault)
    REG_STATUS     = 6'h01,  // R: bit0 busy, bit1 done, bit2 error, [15:8] error code
    REG_C          = 6'h02,  // input channels
    REG_N          = 6'h03,  // output channels
    REG_H          = 6'h04,  // input height (as loaded)
    REG_W          = 6'h05,  // input width
    REG_KSP        = 6'h06,  // [3:0] K, [7:4] stride, [11:8] pad_t, [15:12] pad_b,
                             // [19:16] pad_l, [23:20] pad_r
    REG_M          = 6'h07,  // bases in use (1..MaxBases)
    REG_ZSHIFT     = 6'h08,  // [4:0] zshift
    REG_MODE       = 6'h09,  // bit0 coef4 (COEF_W=4), bit1 relu, bit2 basis per input channel
    REG_CYC_TOTAL  = 6'h10,  // R: cycles from START to done/error
    REG_CYC_BCU    = 6'h11,  // R: cycles the BCU issued a basis MAC step
    REG_CYC_CAU    = 6'h12,  // R: cycles at least one CAU lane issued a coefficient
    REG_CYC_STALL  = 6'h13,  // R: busy cycles in which neither BCU nor CAU did work
    REG_RES_BEATS  = 6'h14,  // R: result beats sent in the last layer
    REG_LD_BEATS   = 6'h15,  // R: load beats accepted since the last CLEAR
    REG_CAP_T      = 6'h20,  // R: NumPixLanes
    REG_CAP_L      = 6'h21,  // R: NumCoefLanes
    REG_CAP_MMAX   = 6'h22,  // R: MaxBases
    REG_CAP_KMAX   = 6'h23,  // R: MaxKernel
    REG_CAP_CMAX   = 6'h24,  // R: MaxChannels
    REG_CAP_NMAX   = 6'h25,  // R: MaxFilters
    REG_CAP_IFMAP  = 6'h26,  // R: IfmapBytes
    REG_CAP_COEF   = 6'h27,  // R: CoefDepth (entries per lane)
    REG_CAP_CPSTR  = 6'h28,  // R: column-pointer address stride per lane
    REG_CAP_MAXDIM = 6'h29,  // R: MaxDim
    REG_CAP_ID     = 6'h2F   // R: 32'h45534331 ("ESC1")
  } reg_addr_e;

  localparam logic [31:0] CapId = 32'h4553_4331;

  // CTRL bits
  localparam int unsigned CtrlStart = 0;
  localparam int unsigned CtrlAbort = 1;
  localparam int unsigned CtrlClear = 2;

  // ---------------------------------------------------------------------------
  // Load stream targets (ld_tgt_i) -- formats in docs/architecture.md
  // ---------------------------------------------------------------------------
  typedef enum logic [2:0] {
    TGT_IFMAP  = 3'd0,  // addr: 8-byte word of the CHW byte stream; data[63:0]
    TGT_BASIS  = 3'd1,  // addr: cb*MaxBases + m; data[8*tap +: 8], tap = i*K + j
    TGT_COEF   = 3'd2,  // addr: lane*CoefDepth + idx; data[7:0] a, [15:8] m, [31:16] n
    TGT_COLPTR = 3'd3,  // addr: lane*ColPtrStride + c (c = 0..C); data[23:0] entry index
    TGT_BIAS   = 3'd4   // addr: n; data[31:0] bias, [47:32] mult, [53:48] shift
  } ld_tgt_e;

  // ---------------------------------------------------------------------------
  // Error codes (REG_STATUS[15:8]); 0 = no error
  // ---------------------------------------------------------------------------
  typedef enum logic [7:0] {
    ERR_NONE        = 8'd0,
    ERR_BAD_M       = 8'd1,   // M = 0 or M > MaxBases
    ERR_BAD_K       = 8'd2,   // K not in {1, 3}
    ERR_BAD_STRIDE  = 8'd3,   // stride not in {1, 2}
    ERR_BAD_PAD     = 8'd4,   // any pad > K - 1
    ERR_BAD_DIM     = 8'd5,   // C, N, H or W is 0, or the output is empty
    ERR_CAP_C       = 8'd6,   // C > MaxChannels
    ERR_CAP_N       = 8'd7,   // N > MaxFilters
    ERR_CAP_IFMAP   = 8'd8,   // C*H*W > IfmapBytes, or H/W > MaxDim
    ERR_COEF_PTR    = 8'd9,   // column pointers decrease or exceed CoefDepth (found while running)
    ERR_COEF_INDEX  = 8'd10,  // entry with n >= N or m >= M (found while running)
    ERR_COEF_RANGE  = 8'd11,  // 4-bit mode and a coefficient outside [-8, 7] (found while running)
    ERR_LOAD_ADDR   = 8'd12,  // load beat with an out-of-range address or bad target (latched)
    ERR_LOAD_INDEX  = 8'd13,  // COEF load with n mod L != lane, n >= MaxFilters or m >= MaxBases
    ERR_BUSY        = 8'd14,  // START while busy
    ERR_ABORTED     = 8'd15   // ABORT while busy
  } err_code_e;

endpackage
