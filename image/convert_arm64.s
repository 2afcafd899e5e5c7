//go:build !purego

#include "textflag.h"

// YUV → BGR24 with Advanced SIMD (NEON), eight pixels per step, exactly the
// arithmetic of the fixed-point formula in convert.go, as convert_amd64.s:
// per pixel and channel clamp8((298*(Y-16) + 128 + chroma term) >> 8), with
// 516*(U-128) for B, -100*(U-128) - 208*(V-128) for G and 409*(V-128) for R.
// SMULL/SMLAL give exact 32-bit sums of 16-bit products, SQSHRN #8 is the
// arithmetic >>8 narrowed to 16 bits (the sums >>8 lie in -277..534, so it
// never saturates), SQXTUN saturates to 0..255 (clamp8), and ST3 interleaves
// B, G and R. Go's assembler has no mnemonics for SMULL, SMLAL, SQSHRN and
// SQXTUN, so they are WORDs, each with the GNU assembler's spelling beside
// it; the registers are fixed:
//
//	V0: Y, widened to 16 bits    V1, V2: U-128, V-128 per pixel
//	V3, V4: 298*Y - 4640, pixels 0-3 and 4-7 (32 bits)
//	V5, V6: a channel's sums     V20, V21, V22: B, G, R bytes
//	V25-V31: the constants 409, -208, -100, 516, -4640 (32 bits), 128, 298

// SETUP loads the constants.
#define SETUP \
	MOVD $298, R5    \
	VDUP R5, V31.H8  \
	MOVD $128, R5    \
	VDUP R5, V30.H8  \
	MOVD $-4640, R5  \
	VDUP R5, V29.S4  \
	MOVD $516, R5    \
	VDUP R5, V28.H8  \
	MOVD $-100, R5   \
	VDUP R5, V27.H8  \
	MOVD $-208, R5   \
	VDUP R5, V26.H8  \
	MOVD $409, R5    \
	VDUP R5, V25.H8

// BGR8 converts eight pixels, the Y bytes in V0 and each pixel's U and V
// bytes in V1 and V2 (8B each), and stores their 24 bytes of BGR at R0,
// advancing R0.
#define BGR8 \
	VUXTL V0.B8, V0.H8 \
	VUXTL V1.B8, V1.H8 \
	VUXTL V2.B8, V2.H8 \
	VSUB  V30.H8, V1.H8, V1.H8 \
	VSUB  V30.H8, V2.H8, V2.H8 \
	WORD  $0x0e7fc003 \ // smull  v3.4s, v0.4h, v31.4h
	WORD  $0x4e7fc004 \ // smull2 v4.4s, v0.8h, v31.8h
	VADD  V29.S4, V3.S4, V3.S4 \
	VADD  V29.S4, V4.S4, V4.S4 \
	VMOV  V3.B16, V5.B16 \
	VMOV  V4.B16, V6.B16 \
	WORD  $0x0e7c8025 \ // smlal   v5.4s, v1.4h, v28.4h
	WORD  $0x4e7c8026 \ // smlal2  v6.4s, v1.8h, v28.8h
	WORD  $0x0f1894b4 \ // sqshrn  v20.4h, v5.4s, #8
	WORD  $0x4f1894d4 \ // sqshrn2 v20.8h, v6.4s, #8
	WORD  $0x2e212a94 \ // sqxtun  v20.8b, v20.8h
	VMOV  V3.B16, V5.B16 \
	VMOV  V4.B16, V6.B16 \
	WORD  $0x0e7b8025 \ // smlal   v5.4s, v1.4h, v27.4h
	WORD  $0x0e7a8045 \ // smlal   v5.4s, v2.4h, v26.4h
	WORD  $0x4e7b8026 \ // smlal2  v6.4s, v1.8h, v27.8h
	WORD  $0x4e7a8046 \ // smlal2  v6.4s, v2.8h, v26.8h
	WORD  $0x0f1894b5 \ // sqshrn  v21.4h, v5.4s, #8
	WORD  $0x4f1894d5 \ // sqshrn2 v21.8h, v6.4s, #8
	WORD  $0x2e212ab5 \ // sqxtun  v21.8b, v21.8h
	VMOV  V3.B16, V5.B16 \
	VMOV  V4.B16, V6.B16 \
	WORD  $0x0e798045 \ // smlal   v5.4s, v2.4h, v25.4h
	WORD  $0x4e798046 \ // smlal2  v6.4s, v2.8h, v25.8h
	WORD  $0x0f1894b6 \ // sqshrn  v22.4h, v5.4s, #8
	WORD  $0x4f1894d6 \ // sqshrn2 v22.8h, v6.4s, #8
	WORD  $0x2e212ad6 \ // sqxtun  v22.8b, v22.8h
	VST3.P [V20.B8, V21.B8, V22.B8], 24(R0)

// SPLITUV turns U0 V0 U1 V1 U2 V2 U3 V3 in V1 into U0 U0 U1 U1 U2 U2 U3 U3
// in V1 and the Vs likewise in V2.
#define SPLITUV \
	VUZP2 V1.B8, V1.B8, V2.B8 \
	VUZP1 V1.B8, V1.B8, V1.B8 \
	VZIP1 V1.B8, V1.B8, V1.B8 \
	VZIP1 V2.B8, V2.B8, V2.B8

// func i420ToBGRSIMD(dst, y, u, v *byte, n int)
TEXT ·i420ToBGRSIMD(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD y+8(FP), R1
	MOVD u+16(FP), R2
	MOVD v+24(FP), R3
	MOVD n+32(FP), R4
	SETUP
	CMP  $0, R4
	BLE  i420done

i420loop:
	FMOVD.P 8(R1), F0
	FMOVS.P 4(R2), F1
	FMOVS.P 4(R3), F2
	VZIP1   V1.B8, V1.B8, V1.B8
	VZIP1   V2.B8, V2.B8, V2.B8
	BGR8
	SUBS    $1, R4
	BNE     i420loop

i420done:
	RET

// func nv12ToBGRSIMD(dst, y, uv *byte, n int)
TEXT ·nv12ToBGRSIMD(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD y+8(FP), R1
	MOVD uv+16(FP), R2
	MOVD n+24(FP), R4
	SETUP
	CMP  $0, R4
	BLE  nv12done

nv12loop:
	FMOVD.P 8(R1), F0
	FMOVD.P 8(R2), F1
	SPLITUV
	BGR8
	SUBS    $1, R4
	BNE     nv12loop

nv12done:
	RET

// func yuyvToBGRSIMD(dst, src *byte, n int)
TEXT ·yuyvToBGRSIMD(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R4
	SETUP
	CMP  $0, R4
	BLE  yuyvdone

yuyvloop:
	VLD2.P 16(R1), [V0.B8, V1.B8]
	SPLITUV
	BGR8
	SUBS   $1, R4
	BNE    yuyvloop

yuyvdone:
	RET
