package model

// Stream tags keep the scenario streams and the loan streams apart: the
// scenario seed is splitmix64(runSeed ^ tagScenario ^ s), so no scenario
// shares a stream with another scenario or with any loan for the same run.
const (
	tagScenario uint64 = 0x5ce7a210_00000000
	tagSecond   uint64 = 0x9e3779b97f4a7c15 // second PCG word: splitmix64 of the first ^ this
)

// splitmix64 is Steele, Lea and Flood's SplitMix64 finaliser (as in Java's
// SplittableRandom and Vigna's xoshiro seeding): a bijective avalanche mix of
// x + golden gamma.
func splitmix64(x uint64) uint64 {
	z := x + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// fnv1a64 hashes a loan id (64-bit FNV-1a) without allocating.
func fnv1a64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// pcgSeeds turns one 64-bit stream seed into the two words rand.PCG takes.
func pcgSeeds(seed uint64) (uint64, uint64) {
	return seed, splitmix64(seed ^ tagSecond)
}

// ScenarioSeed is the seed of scenario s's stream:
// splitmix64(runSeed ^ tagScenario ^ s) (MODEL.md, reproducibility).
func ScenarioSeed(runSeed uint64, s int) uint64 {
	return splitmix64(runSeed ^ tagScenario ^ uint64(s))
}

// LoanSeed is the seed of a loan's stream:
// splitmix64(runSeed ^ splitmix64(fnv1a64(loanID))) (MODEL.md). It depends on
// nothing but the run seed and the id, so a loan draws the same numbers in
// any batch, on any worker, in any order.
func LoanSeed(runSeed uint64, loanID string) uint64 {
	return splitmix64(runSeed ^ splitmix64(fnv1a64(loanID)))
}

// uniform maps 64 random bits to [0, 1) with 53 bits of precision, the same
// mapping as math/rand/v2's Float64. x>>11 fits an int64, whose conversion
// is one instruction on amd64 (a uint64's needs a test of the top bit).
func uniform(x uint64) float64 {
	return float64(int64(x>>11)) * (1.0 / (1 << 53))
}
