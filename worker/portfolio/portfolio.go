// Package portfolio generates the fictitious loan portfolio the pipeline
// simulates. Loan i of seed s is a pure function of (s, i): any shard can be
// generated, regenerated after a crash, or checked, anywhere, in any order,
// by any number of workers, and gives the same bytes.
//
// The data are built to be internally consistent, unlike the sample's: every
// payment comes from the amortisation formula, a variable rate is its index
// plus a margin priced off the borrower's score or grade, incomes are drawn so
// that debt-to-income is realistic, commercial net operating income so that
// debt-service coverage is, and secured loans carry collateral. Every loan
// passes loan.Validate (tested on 200,000 loans).
//
// # Index levels (MODEL.md)
//
// Fed funds r0 = 4.33%, prime = fed funds + 3% = 7.33%, SOFR = fed funds =
// 4.33%. Valuation date DefaultAsOf = 2025-06-01 (loan.DefaultAsOf).
//
// # Distributions
//
// Z is an approximately standard normal draw (Irwin-Hall: the sum of four
// uniforms, centred and scaled to unit variance, bounded at +-3.46; see
// normal). U(a,b) is uniform. Money is rounded to cents (balances) or whole
// dollars (amounts, incomes, NOI, collateral), rates to 1e-6, margins to 1bp.
//
//	Field                  Segment                     Distribution
//	segment                all                         personal_unsecured 40%, personal_auto 30%, commercial_term 12%,
//	                                                   commercial_real_estate 10%, commercial_line 8%
//	term_months            personal_unsecured          24 15%, 36 35%, 48 20%, 60 30%
//	                       personal_auto               36 15%, 48 25%, 60 35%, 72 25%
//	                       commercial_term             36 20%, 60 40%, 84 25%, 120 15%
//	                       commercial_real_estate      120 30%, 180 20%, 240 25%, 300 25%
//	                       commercial_line             12 25%, 24 25%, 36 30%, 60 20% (facility maturity)
//	amount                 personal_unsecured          12,000 x e^(0.6Z), clamped to 1,000-100,000, to $100
//	                       personal_auto               28,000 x e^(0.4Z), clamped to 5,000-120,000, to $100
//	                       commercial_term             400,000 x e^(0.9Z), clamped to 50,000-10,000,000, to $1,000
//	                       commercial_real_estate      2,500,000 x e^(0.8Z), clamped to 250,000-50,000,000, to $1,000
//	                       commercial_line (limit)     250,000 x e^(0.8Z), clamped to 25,000-5,000,000, to $1,000
//	age (months)           all                         uniform integer 0 .. term-1; remaining_months = term - age
//	origination_date       all                         DefaultAsOf - (age + 1) months, day uniform 1-28 (age =
//	                                                   payments made; the first falls due a month after origination)
//	balance                amortising                  scheduled balance after age payments at current_rate
//	                       commercial_line             limit x U(0.10, 0.90) drawn; interest only
//	credit_score           personal                    round(705 + 65Z), clamped to 300-850
//	risk_grade             commercial                  1 3%, 2 7%, 3 14%, 4 20%, 5 20%, 6 15%, 7 10%, 8 6%, 9 3%, 10 2%
//	rate type              personal_unsecured          fixed 85%; variable 15%: prime, reset 1 month, no caps
//	                       personal_auto               fixed 100%
//	                       commercial_term             fixed 40%; variable 60%: prime, reset 1 month, no caps
//	                       commercial_real_estate      fixed 30%; variable 70%: SOFR ARM, reset 12 months,
//	                                                   periodic cap 2%, lifetime cap 5%
//	                       commercial_line             variable 100%: prime, reset 1 month, no caps
//	margin / rate          personal_unsecured          margin = 1% + 0.06% x (850 - score) + 0.75% Z, in [0, 20%];
//	                                                   rate = prime + margin (fixed loans: same price, no index)
//	                       personal_auto               rate = fed funds + 0.5% + 0.05% x (850 - score) + 0.5% Z, >= 2%
//	                       commercial_term             variable: margin = 0.25% x grade + 0.25% Z; fixed: rate =
//	                                                   fed funds + 1.75% + 0.3% x grade + 0.25% Z
//	                       commercial_real_estate      variable: margin = 1.8% + 0.3% x grade + 0.25% Z; fixed: rate =
//	                                                   fed funds + 1.5% + 0.3% x grade + 0.25% Z
//	                       commercial_line             margin = 0.5% + 0.25% x grade + 0.25% Z
//	                       (worse score or grade, higher margin; margins clamped to [0, 20%])
//	DTI                    personal                    (payment + other debt) / (income / 12) = 10% + 50% x Beta(2,4):
//	                                                   range 10-60%, mean 26.7%, 88.8% within 15-45%, 0.05% above 55%
//	monthly_other_debt     personal                    payment x (1 - s) / s, s = this loan's share of debt service,
//	                                                   U(0.20, 0.60)
//	annual_income          personal                    12 x (payment + other debt) / DTI
//	DSCR                   commercial                  NOI / (12 x payment) = 1.15 + 0.85 x U^1.5: range 1.15-2.0,
//	                                                   mean 1.49 (payment is interest only for lines)
//	collateral_value       personal_auto               amount / U(0.80, 1.10) at origination, depreciated 15% a year
//	                       commercial_term             60% secured: amount x U(0.8, 1.5); 40% unsecured (0)
//	                       commercial_real_estate      amount / U(0.55, 0.75) (loan-to-value at origination)
//	                       commercial_line             50% secured: limit x U(0.5, 1.0); 50% unsecured (0)
//	id                     all                         prefix (default "L") + i zero-padded to 10 digits
//
// Payments of variable loans are computed at today's rate as if it had held
// since origination: the record has no rate history, and the model needs
// only today's payment as its A(0).
//
// # Reproducibility
//
// Loan i is drawn from a PCG seeded with splitmix64 of (seed, i), in a fixed
// draw order. The generator calls neither math.Exp nor math.Log, whose amd64
// versions pick an FMA code path at run time by CPU: it uses its own exp
// (exp below) and loan.Amortize's integer powers by repeated squaring, so the
// same binary writes the same bytes on any machine.
//
// # Corruption
//
// The Corrupt option damages a deterministic fraction of records, each in one
// of the ways listed by CorruptKinds, every one of which loan.Decode or
// loan.Validate rejects with a known loan.Kind; Corruption(i) says which
// records and how, so fault tests can demand that rejected == corrupted.
package portfolio

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Index levels at the valuation date (MODEL.md).
const (
	FedFundsAnnual = 0.0433
	PrimeAnnual    = FedFundsAnnual + 0.03
	SOFRAnnual     = FedFundsAnnual
)

// Generator produces loans for one seed. It holds a random source and an id
// buffer, so it is not safe for concurrent use: give each goroutine its own
// (New is cheap). Two Generators with the same seed and options produce
// identical loans.
type Generator struct {
	seed      uint64
	corrupt   float64
	threshold uint64 // record i is corrupted when its corruption hash < threshold
	prefix    string
	pcg       rand.PCG
	arena     []byte    // ids are carved from here; see id
	scratch   loan.Loan // for encoding
	buf       []byte    // for corrupting encoded records
}

// Option configures a Generator.
type Option func(*Generator) error

// Corrupt makes the generator damage the given fraction (0 to 1) of the
// records it encodes, chosen deterministically from (seed, i). Loan still
// returns the clean loan; AppendJSONL and AppendJSON write the damage.
func Corrupt(fraction float64) Option {
	return func(g *Generator) error {
		if !(fraction >= 0 && fraction <= 1) {
			return fmt.Errorf("corrupt fraction is %v; allowed: 0 to 1", fraction)
		}
		g.corrupt = fraction
		return nil
	}
}

// IDPrefix sets the text before the zero-padded index in every id (default
// "L"). Use distinct prefixes to merge portfolios of different seeds without
// id collisions.
func IDPrefix(prefix string) Option {
	return func(g *Generator) error {
		if len(prefix) > 64 {
			return fmt.Errorf("id prefix is %d bytes; allowed: at most 64", len(prefix))
		}
		for i := 0; i < len(prefix); i++ {
			if c := prefix[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return fmt.Errorf("id prefix %q has %q; allowed: printable ASCII except space, quotes, backslash, <, > and &", prefix, c)
			}
		}
		g.prefix = prefix
		return nil
	}
}

// New returns a generator for seed.
func New(seed uint64, opts ...Option) (*Generator, error) {
	g := &Generator{seed: seed, prefix: "L"}
	var errs []error
	for _, o := range opts {
		if err := o(g); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("portfolio options: %w", err)
	}
	switch {
	case g.corrupt >= 1:
		g.threshold = math.MaxUint64
	case g.corrupt > 0:
		g.threshold = uint64(g.corrupt * 0x1p64)
	}
	return g, nil
}

// Seed returns the generator's seed.
func (g *Generator) Seed() uint64 { return g.seed }

// ID returns the id of loan i without generating the loan.
func (g *Generator) ID(i uint64) string { return string(g.appendID(nil, i)) }

func (g *Generator) appendID(dst []byte, i uint64) []byte {
	dst = append(dst, g.prefix...)
	var digits [20]byte
	n := strconv.AppendUint(digits[:0], i, 10)
	for k := len(n); k < 10; k++ {
		dst = append(dst, '0')
	}
	return append(dst, n...)
}

// idArenaBytes is the size of the blocks ids are carved from: about a
// thousand ids per allocation.
const idArenaBytes = 16 << 10

// id returns loan i's id as a string without allocating per loan: the bytes
// are appended to a block that is only ever appended to, never rewritten, so
// a string over them stays immutable; a full block is left to the garbage
// collector (it lives while any of its ids does) and a new one started.
func (g *Generator) id(i uint64) string {
	if cap(g.arena)-len(g.arena) < len(g.prefix)+20 {
		g.arena = make([]byte, 0, idArenaBytes)
	}
	start := len(g.arena)
	g.arena = g.appendID(g.arena, i)
	b := g.arena[start:]
	return unsafe.String(&b[0], len(b))
}

// reseed points the random source at loan i's stream.
func (g *Generator) reseed(i uint64) {
	a := splitmix64(g.seed ^ tagLoan)
	g.pcg.Seed(splitmix64(a^splitmix64(i)), splitmix64(a+i))
}

// Random stream tags keep the loan stream and the corruption choice apart.
const (
	tagLoan    = 0x6c6f616e5f6c6f61 // "loan_loa"
	tagCorrupt = 0x636f72727570745f // "corrupt_"
)

// splitmix64 is Steele, Lea and Flood's SplitMix64 finaliser: a bijective
// mixer that turns structured inputs (seed, index) into well-spread seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
