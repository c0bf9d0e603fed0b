package calibration

import (
	"fmt"
	"strconv"
)

// MixLine is one printed line of the loan-composition table in
// testdata/h8_mix.csv (FDIC Quarterly Banking Profile, Table II-A, 2018 Q2,
// all FDIC-insured institutions), in millions of dollars.
type MixLine struct {
	Line       string
	AmountMUSD int64
}

// The printed lines mix.go reads; the names are the table's own.
const (
	lineRealEstate   = "Loans secured by real estate"
	lineResidential  = "1-4 Family residential mortgages"
	lineNonfarmNonre = "Nonfarm nonresidential"
	lineConstruction = "Construction and development"
	lineHomeEquity   = "Home equity lines"
	lineCandI        = "Commercial & industrial loans"
	lineIndividuals  = "Loans to individuals"
	lineCreditCards  = "Credit cards"
	lineFarm         = "Farm loans"
	lineOther        = "Other loans & leases"
	lineUnearned     = "Less: Unearned income"
	lineTotal        = "Total loans & leases"
)

// MixLines returns the printed lines of testdata/h8_mix.csv by line name.
func MixLines() (map[string]int64, error) {
	header, rows, err := readCSV(mixFile)
	if err != nil {
		return nil, err
	}
	var idx [3]int
	for i, name := range []string{"kind", "line", "amount_musd"} {
		if idx[i], err = column(mixFile, header, name); err != nil {
			return nil, err
		}
	}
	out := map[string]int64{}
	for n, row := range rows {
		if row[idx[0]] != "printed" {
			continue
		}
		v, err := strconv.ParseInt(row[idx[2]], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("read %s row %d: %w", mixFile, n+1, err)
		}
		out[row[idx[1]]] = v
	}
	return out, nil
}

// Share is one segment's share of the modelled loan book, by exposure.
type Share struct {
	Segment string
	// Share of the modelled book (real estate + C&I + loans to
	// individuals); the shares sum to 1.
	Share float64
	// AmountMUSD is the dollar amount behind the share, millions.
	AmountMUSD float64
	// Basis says which printed lines make the amount, and marks any split
	// the table does not print as judgement.
	Basis string
}

// Judgement splits the table does not print (MODEL.md section 3's mix):
// C&I into term (15) and lines (12), and non-card loans to individuals into
// auto (7) and unsecured personal (6).
const (
	termShareOfCandI       = 15.0 / 27.0
	autoShareOfNonCardIndv = 7.0 / 13.0
)

// ExposureMix maps the FDIC table to the model's segments. The modelled
// book is real-estate loans, C&I loans and loans to individuals; farm loans
// and "other loans & leases" (loans to financial institutions, leases,
// ...) have no model segment and are left out (ModelledCoverage reports the
// share kept). Commercial real estate is everything secured by real estate
// that is not 1-4 family or a home equity line: nonfarm nonresidential,
// construction, and the unprinted remainder (multifamily and farmland).
func ExposureMix() ([]Share, error) {
	l, err := MixLines()
	if err != nil {
		return nil, err
	}
	for _, name := range []string{lineRealEstate, lineResidential, lineNonfarmNonre, lineConstruction, lineHomeEquity, lineCandI, lineIndividuals, lineCreditCards} {
		if _, ok := l[name]; !ok {
			return nil, fmt.Errorf("exposure mix: %s has no printed line %q", mixFile, name)
		}
	}
	re := float64(l[lineRealEstate])
	resi, heloc := float64(l[lineResidential]), float64(l[lineHomeEquity])
	cre := re - resi - heloc
	ci := float64(l[lineCandI])
	cards := float64(l[lineCreditCards])
	nonCard := float64(l[lineIndividuals]) - cards
	book := re + ci + float64(l[lineIndividuals])
	shares := []Share{
		{ResidentialMortgage, 0, resi, "printed: 1-4 family residential mortgages"},
		{HomeEquity, 0, heloc, "printed: home equity lines"},
		{CommercialRealEstate, 0, cre, "real estate less 1-4 family and home equity: nonfarm nonresidential + construction + unprinted multifamily and farmland"},
		{CommercialTerm, 0, ci * termShareOfCandI, "printed C&I x 15/27 (judgement: MODEL.md's term/line split)"},
		{CommercialLine, 0, ci * (1 - termShareOfCandI), "printed C&I x 12/27 (judgement: MODEL.md's term/line split)"},
		{CreditCard, 0, cards, "printed: credit cards"},
		{PersonalAuto, 0, nonCard * autoShareOfNonCardIndv, "loans to individuals less cards, x 7/13 (judgement: auto not printed)"},
		{PersonalUnsecured, 0, nonCard * (1 - autoShareOfNonCardIndv), "loans to individuals less cards, x 6/13 (judgement)"},
	}
	for i := range shares {
		shares[i].Share = shares[i].AmountMUSD / book
	}
	return shares, nil
}

// ModelledCoverage is the share of total loans and leases that ExposureMix
// covers (the rest is farm loans and other loans and leases).
func ModelledCoverage() (float64, error) {
	l, err := MixLines()
	if err != nil {
		return 0, err
	}
	book := l[lineRealEstate] + l[lineCandI] + l[lineIndividuals]
	return float64(book) / float64(l[lineTotal]), nil
}
