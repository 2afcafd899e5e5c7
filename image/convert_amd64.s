//go:build !purego

#include "textflag.h"

// YUV → BGR24 with SSSE3 (SSE2 and PSHUFB; convert_amd64.go checks the CPU
// has it), eight pixels per step, exactly the arithmetic of the fixed-point
// formula in convert.go: per pixel
// and channel clamp8((298*(Y-16) + 128 + chroma term) >> 8), where the chroma
// terms are 516*(U-128) for B, -100*(U-128) - 208*(V-128) for G and
// 409*(V-128) for R. PMADDWL multiplies 16-bit pairs and adds them into exact
// 32-bit sums, PSRAL is the arithmetic >>8, and PACKSSLW then PACKUSWB
// saturate to 0..255, which is clamp8 (the sums >>8 lie in -277..534).
// convert_simd.go declares the functions and calls them row by row.

// 16-bit words, the same in every pair or lane.
DATA ones<>+0(SB)/8, $0x0001000100010001
DATA ones<>+8(SB)/8, $0x0001000100010001
GLOBL ones<>(SB), RODATA|NOPTR, $16

// (298, -4640): 298*Y - 4640 = 298*(Y-16) + 128 from the pair (Y, 1).
DATA kY<>+0(SB)/8, $0xEDE0012AEDE0012A
DATA kY<>+8(SB)/8, $0xEDE0012AEDE0012A
GLOBL kY<>(SB), RODATA|NOPTR, $16

// (516, 0) times the pair (U-128, V-128): B's chroma term.
DATA kB<>+0(SB)/8, $0x0000020400000204
DATA kB<>+8(SB)/8, $0x0000020400000204
GLOBL kB<>(SB), RODATA|NOPTR, $16

// (-100, -208): G's chroma term.
DATA kG<>+0(SB)/8, $0xFF30FF9CFF30FF9C
DATA kG<>+8(SB)/8, $0xFF30FF9CFF30FF9C
GLOBL kG<>(SB), RODATA|NOPTR, $16

// (0, 409): R's chroma term.
DATA kR<>+0(SB)/8, $0x0199000001990000
DATA kR<>+8(SB)/8, $0x0199000001990000
GLOBL kR<>(SB), RODATA|NOPTR, $16

DATA w128<>+0(SB)/8, $0x0080008000800080
DATA w128<>+8(SB)/8, $0x0080008000800080
GLOBL w128<>(SB), RODATA|NOPTR, $16

DATA lowBytes<>+0(SB)/8, $0x00FF00FF00FF00FF
DATA lowBytes<>+8(SB)/8, $0x00FF00FF00FF00FF
GLOBL lowBytes<>(SB), RODATA|NOPTR, $16

// PSHUFB patterns: from B0-B7 G0-G7 (shufBG*) and R0-R7 (shufR*), bytes
// 0-15 (*0) and 16-23 (*1) of eight BGR pixels; 0x80 makes a zero byte.
DATA shufBG0<>+0(SB)/8, $0x0A02800901800800
DATA shufBG0<>+8(SB)/8, $0x05800C04800B0380
GLOBL shufBG0<>(SB), RODATA|NOPTR, $16

DATA shufR0<>+0(SB)/8, $0x8080018080008080
DATA shufR0<>+8(SB)/8, $0x8004808003808002
GLOBL shufR0<>(SB), RODATA|NOPTR, $16

DATA shufBG1<>+0(SB)/8, $0x800F07800E06800D
DATA shufBG1<>+8(SB)/8, $0x8080808080808080
GLOBL shufBG1<>(SB), RODATA|NOPTR, $16

DATA shufR1<>+0(SB)/8, $0x0780800680800580
DATA shufR1<>+8(SB)/8, $0x8080808080808080
GLOBL shufR1<>(SB), RODATA|NOPTR, $16

// LOADCONST puts the constants in X8-X15 (X15 only for YUYV).
#define LOADCONST \
	PXOR    X8, X8            \
	MOVOU   ones<>(SB), X9    \
	MOVOU   kY<>(SB), X10     \
	MOVOU   kB<>(SB), X11     \
	MOVOU   kG<>(SB), X12     \
	MOVOU   kR<>(SB), X13     \
	MOVOU   w128<>(SB), X14   \
	MOVOU   lowBytes<>(SB), X15

// CHROMA turns the bytes U0 V0 U1 V1 U2 V2 U3 V3 in the low half of X1 into
// the 16-bit pairs (U-128, V-128) of pixels 0-3 in X1 and 4-7 in X2 (each
// chroma sample serves two pixels).
#define CHROMA \
	PUNPCKLWL X1, X1 \
	MOVO      X1, X2 \
	PUNPCKLBW X8, X1 \
	PUNPCKHBW X8, X2 \
	PSUBW     X14, X1 \
	PSUBW     X14, X2

// CHANNEL computes one channel of eight pixels as bytes in the low half of
// R from the chroma pairs in X1 (pixels 0-3) and X2 (4-7), the Y terms in
// X3 and X4 and the chroma factors K. T is scratch.
#define CHANNEL(K, R, T) \
	MOVO     X1, R  \
	PMADDWL  K, R   \
	PADDL    X3, R  \
	PSRAL    $8, R  \
	MOVO     X2, T  \
	PMADDWL  K, T   \
	PADDL    X4, T  \
	PSRAL    $8, T  \
	PACKSSLW T, R   \
	PACKUSWB R, R

// BGR8 converts eight pixels, Y as 16-bit words in X0 and the chroma pairs
// in X1 and X2 (see CHROMA), and writes their 24 bytes of BGR to (DI). It
// uses X0-X7: the Y terms of pixels 0-3 in X3 and 4-7 in X4; the eight B, G
// and R bytes in X5, X6 and X7; B and G joined in X5, then PSHUFB picks
// bytes 0-15 of the BGR output from X5 and X7 (the shufBG0 and shufR0
// patterns, ORed) and bytes 16-23 likewise.
#define BGR8 \
	MOVO      X0, X3 \
	PUNPCKLWL X9, X3 \
	PMADDWL   X10, X3 \
	MOVO      X0, X4 \
	PUNPCKHWL X9, X4 \
	PMADDWL   X10, X4 \
	CHANNEL(X11, X5, X6) \
	CHANNEL(X12, X6, X7) \
	CHANNEL(X13, X7, X0) \
	PUNPCKLQDQ X6, X5 \
	MOVOU     shufBG0<>(SB), X0 \
	MOVO      X5, X1 \
	PSHUFB    X0, X1 \
	MOVOU     shufR0<>(SB), X0 \
	MOVO      X7, X2 \
	PSHUFB    X0, X2 \
	POR       X2, X1 \
	MOVOU     X1, (DI) \
	MOVOU     shufBG1<>(SB), X0 \
	PSHUFB    X0, X5 \
	MOVOU     shufR1<>(SB), X0 \
	PSHUFB    X0, X7 \
	POR       X7, X5 \
	MOVQ      X5, 16(DI)

// func i420ToBGRSIMD(dst, y, u, v *byte, n int)
TEXT ·i420ToBGRSIMD(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ u+16(FP), BX
	MOVQ v+24(FP), CX
	MOVQ n+32(FP), DX
	LOADCONST
	TESTQ DX, DX
	JLE  i420done

i420loop:
	MOVQ      (SI), X0
	PUNPCKLBW X8, X0
	MOVL      (BX), X1
	MOVL      (CX), X2
	PUNPCKLBW X2, X1
	CHROMA
	BGR8
	ADDQ $8, SI
	ADDQ $4, BX
	ADDQ $4, CX
	ADDQ $24, DI
	DECQ DX
	JNZ  i420loop

i420done:
	RET

// func nv12ToBGRSIMD(dst, y, uv *byte, n int)
TEXT ·nv12ToBGRSIMD(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ uv+16(FP), BX
	MOVQ n+24(FP), DX
	LOADCONST
	TESTQ DX, DX
	JLE  nv12done

nv12loop:
	MOVQ      (SI), X0
	PUNPCKLBW X8, X0
	MOVQ      (BX), X1
	CHROMA
	BGR8
	ADDQ $8, SI
	ADDQ $8, BX
	ADDQ $24, DI
	DECQ DX
	JNZ  nv12loop

nv12done:
	RET

// func yuyvToBGRSIMD(dst, src *byte, n int)
TEXT ·yuyvToBGRSIMD(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), DX
	LOADCONST
	TESTQ DX, DX
	JLE  yuyvdone

yuyvloop:
	MOVOU     (SI), X0
	MOVO      X0, X1
	PAND      X15, X0
	PSRLW     $8, X1
	MOVO      X1, X2
	PUNPCKLLQ X1, X1
	PUNPCKHLQ X2, X2
	PSUBW     X14, X1
	PSUBW     X14, X2
	BGR8
	ADDQ $16, SI
	ADDQ $24, DI
	DECQ DX
	JNZ  yuyvloop

yuyvdone:
	RET
