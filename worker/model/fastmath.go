package model

import (
	"math"
	"math/big"
)

// oneMinusExpNeg returns 1 - exp(-x) for x >= 0. Below smallHazard it sums
// the Taylor series (smallPD), which costs a handful of multiplies instead
// of an exp; that is the common case for a one-year conditional default
// probability. Above it, oneMinusExp (table-driven, no division), which is
// several times faster than math.Expm1 and as exact there: 1 - e^-x >
// 0.06 loses no digits to the subtraction. Hot loops call smallPD directly
// when x < smallHazard, because the compiler inlines smallPD but not this
// function.
func oneMinusExpNeg(x float64) float64 {
	if x < smallHazard {
		return smallPD(x)
	}
	return oneMinusExp(-x)
}

// smallHazard is where smallPD stops: its relative error below 1e-15.
const smallHazard = 0.0625

// smallPD is 1 - exp(-x) for 0 <= x < smallHazard, the Taylor series to the
// x^9 term. float64() conversions stop the compiler from fusing
// multiply-adds, so every platform rounds alike.
func smallPD(x float64) float64 {
	p := float64(x*(-1.0/362880)) + 1.0/40320
	p = float64(x*p) - 1.0/5040
	p = float64(x*p) + 1.0/720
	p = float64(x*p) - 1.0/120
	p = float64(x*p) + 1.0/24
	p = float64(x*p) - 1.0/6
	p = float64(x*p) + 0.5
	p = float64(x*p) - 1
	return -float64(x * p)
}

// powTable evaluates x^gamma for the payment ratio by linear interpolation on
// a grid of step 1/powTableSteps over [0, powTableMax] (relative error about
// 1e-9 near x = 1 for gamma = 1.15), and math.Pow outside it. Interpolating a
// monotone table keeps x^gamma monotone, which the PD monotonicity tests need.
type powTable struct {
	gamma float64
	y     []float64
}

const (
	powTableSteps = 4096
	powTableMax   = 4
)

func newPowTable(gamma float64) powTable {
	y := make([]float64, powTableSteps*powTableMax+2)
	for k := range y {
		y[k] = powDet(float64(k)/powTableSteps, gamma)
	}
	return powTable{gamma: gamma, y: y}
}

func (t *powTable) pow(x float64) float64 {
	f := x * powTableSteps
	if f >= 0 && f < powTableSteps*powTableMax {
		k := int(f)
		y := t.y[k : k+2 : k+2]
		return y[0] + float64((f-float64(k))*(y[1]-y[0]))
	}
	return t.outside(x)
}

// outside is pow beyond the table, kept out of line so pow inlines.
func (t *powTable) outside(x float64) float64 { return powDet(x, t.gamma) }

// expDet is exp(x) computed the same way on every CPU. math.Exp on amd64
// picks an FMA code path at run time when the CPU has one (math/exp_amd64.go),
// so two hosts running one binary could differ in the last bit; a retried
// batch landing on another Fargate host must not. This is the classic
// fdlibm/FreeBSD e_exp.c algorithm (reduction by ln 2 split in hi and lo, a
// degree-5 minimax polynomial, Remez), within 1 ulp, with float64()
// conversions so the compiler cannot fuse multiply-adds either.
func expDet(x float64) float64 {
	const (
		ln2Hi     = 6.93147180369123816490e-01
		ln2Lo     = 1.90821492927058770002e-10
		log2e     = 1.44269504088896338700e+00
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28)
		p1        = 1.66666666666666657415e-01
		p2        = -2.77777777770155933842e-03
		p3        = 6.61375632143793436117e-05
		p4        = -1.65339022054652515390e-06
		p5        = 4.13813679705723846039e-08
	)
	switch {
	case math.IsNaN(x):
		return x
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	var k int
	if x < 0 {
		k = int(float64(log2e*x) - 0.5)
	} else {
		k = int(float64(log2e*x) + 0.5)
	}
	hi := x - float64(float64(k)*ln2Hi)
	lo := float64(k) * ln2Lo
	r := hi - lo
	t := r * r
	q := float64(t*p5) + p4
	q = float64(t*q) + p3
	q = float64(t*q) + p2
	q = float64(t*q) + p1
	c := r - float64(t*q)
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	if k >= -1021 && k <= 1023 {
		// y is in [0.5, 2], so y*2^k is normal and the product exact: the
		// same value as math.Ldexp(y, k), without its call.
		return y * math.Float64frombits(uint64(k+1023)<<52)
	}
	return math.Ldexp(y, k)
}

// powDet is x^y for x > 0 computed the same way on every CPU (math.Pow
// calls math.Exp for a fractional y); math.Log has no FMA path on amd64.
func powDet(x, y float64) float64 {
	switch {
	case x == 0:
		if y == 0 {
			return 1
		}
		return 0
	case x == 1 || y == 0:
		return 1
	}
	return expDet(float64(y * math.Log(x)))
}

// oneMinusExp is 1 - e^x for x <= 0, the denominator of the annuity factor
// i/(1 - (1+i)^-n), the same on every CPU. It follows Tang's table-driven
// exp (ACM TOMS 15(2), 1989): x = (256m + j)*ln2/256 + r with |r| <=
// ln2/512, e^x = 2^m * 2^(j/256) * (1 + p(r)), p the Taylor polynomial of
// e^r - 1 to r^5 (truncation below 1e-20), and the 256 values 2^(j/256) as
// a head and a tail whose sum is exact to about 2^-106. Computing
// ((1 - 2^m*head) - 2^m*tail) - 2^m*head*p instead of 1 - e^x keeps the
// first subtraction exact (Sterbenz) where e^x is close to 1, so the result
// is within a few ulps also for a short remaining term at a low rate, where
// 1 - e^x loses up to half its digits; and only the last multiply and
// subtraction wait for the polynomial. It has no division. The arithmetic
// is oneMinusExpBlock's, on a block of one, so the two cannot drift apart;
// the margin grid and the monthly-reset kernel call the block directly
// (TestKernelMatchesTheExactAnnuity checks the kernel).
func oneMinusExp(x float64) float64 {
	a := [1]float64{x}
	oneMinusExpBlock(a[:])
	return a[0]
}

const (
	expTableBits = 8
	expTableMask = 1<<expTableBits - 1
	expInvStep   = (1 << expTableBits) / math.Ln2
	// ln2/256 in two parts (fdlibm's ln2 hi and lo over 256): the head has
	// 21 trailing zero bits, so k*expStepHi is exact for |k| < 2^21.
	expStepHi = 6.93147180369123816490e-01 / (1 << expTableBits)
	expStepLo = 1.90821492927058770002e-10 / (1 << expTableBits)
	// expRound = 1.5*2^52: adding it rounds to an integer k held in the low
	// bits of the sum, without a float-to-int conversion.
	expRound     = 0x1.8p52
	expRoundBits = 0x4338000000000000
	expMinArg    = -700.0
)

// exp2Hi[j] + exp2Lo[j] = 2^(j/256) to about 2^-106, from math/big (exact
// integer arithmetic, so the same everywhere): 2^(1/256) by eight square
// roots of 2 at 256 bits, then its powers.
var exp2Hi, exp2Lo = func() (hi, lo [1 << expTableBits]float64) {
	const prec = 256
	root := new(big.Float).SetPrec(prec).SetInt64(2)
	for range expTableBits {
		root.Sqrt(root)
	}
	v := new(big.Float).SetPrec(prec).SetInt64(1)
	rest := new(big.Float).SetPrec(prec)
	for j := range hi {
		hi[j], _ = v.Float64()
		rest.Sub(v, new(big.Float).SetFloat64(hi[j]))
		lo[j], _ = rest.Float64()
		v.Mul(v, root)
	}
	return hi, lo
}()

// expTab is exp(x), the same on every CPU, by Tang's table-driven method
// as oneMinusExp: x = (256m + j) ln2/256 + r, e^x = 2^m 2^(j/256) e^r with
// e^r - 1 to r^5 and 2^(j/256) as a head and a tail. It is within about one
// ulp, has no division, and is about twice as fast as expDet; the hazard
// terms and tables use it. Outside [-700, 700] it is expDet.
func expTab(x float64) float64 {
	if !(x > expMinArg && x < -expMinArg) {
		return expDet(x)
	}
	r, k := expReduce(x)
	p := expPoly(r)
	hi, lo := expHead(k)
	return (hi + (lo + float64(hi*p))) * expScale(k)
}

// expReduce is the table-driven reduction expTab and oneMinusExp share,
// for x inside (expMinArg, -expMinArg): x = (256m + j) ln2/256 + r, k =
// 256m + j, so e^x = 2^m 2^(j/256) e^r; expPoly gives e^r - 1, expHead
// 2^(j/256) as a head and a tail, expScale 2^m. All four inline, so the
// kernels that cannot afford a call (walkBatch, fixedLam,
// oneMinusExpBlock) use them as they would their own copy.
func expReduce(x float64) (r float64, k int64) {
	fm := float64(x*expInvStep) + expRound
	kf := fm - expRound
	return float64(x-float64(kf*expStepHi)) - float64(kf*expStepLo), int64(math.Float64bits(fm) - expRoundBits)
}

// expPoly is e^r - 1 to r^5, for |r| <= ln2/512.
func expPoly(r float64) float64 {
	r2 := r * r
	q := float64(r*(1.0/120)) + 1.0/24
	q = float64(r2*q) + (float64(r*(1.0/6)) + 0.5)
	return float64(r2*q) + r
}

// expHead is 2^(j/256), j = k mod 256, as a head and a tail.
func expHead(k int64) (hi, lo float64) { return exp2Hi[k&expTableMask], exp2Lo[k&expTableMask] }

// expScale is 2^m, m = k div 256.
func expScale(k int64) float64 { return math.Float64frombits(uint64((k>>expTableBits)+1023) << 52) }

// oneMinusExpBlock replaces each x in xs (x <= 0) by oneMinusExp(x), bit
// for bit: the same operations written out in a loop without calls, so
// the CPU overlaps one element's chain with the next's. The margin grid
// and the monthly-reset kernel use it.
func oneMinusExpBlock(xs []float64) {
	for b, x := range xs {
		if !(x > expMinArg) {
			xs[b] = 1 - expDet(x)
			continue
		}
		r, k := expReduce(x)
		p := expPoly(r)
		hi, lo := expHead(k)
		scale := expScale(k)
		hs := float64(hi * scale) // exact: scale is a power of 2
		xs[b] = ((1 - hs) - float64(scale*lo)) - float64(hs*p)
	}
}
