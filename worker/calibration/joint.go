package calibration

import (
	"fmt"
	"math"
)

// The price indices a real-estate segment's elasticity is fitted jointly
// with: columns of testdata/price_index_2005_2010.csv (Federal Reserve, 2025
// stress test scenarios, Table 1A historic domestic).
const (
	HousePriceIndex = "house_price_index" // "House Price Index (Level)"
	CREPriceIndex   = "cre_price_index"   // "Commercial Real Estate Price Index (Level)"
)

const priceIndexFile = "testdata/price_index_2005_2010.csv"

// PriceIndex returns one column of testdata/price_index_2005_2010.csv
// (HousePriceIndex or CREPriceIndex), quarter to index level.
func PriceIndex(name string) (map[Quarter]float64, error) {
	out, err := quarterColumn(priceIndexFile, name)
	if err != nil {
		return nil, err
	}
	for q, v := range out {
		if !(v > 0) {
			return nil, fmt.Errorf("read %s: %s %v in %s has no logarithm", priceIndexFile, name, v, q)
		}
	}
	return out, nil
}

// JointFit is the second regressor of a real-estate segment's fit: eta is
// then the unemployment elasticity holding the property price index fixed,
// which is what the model's eta means (the model carries the price channel
// itself, through the LTV hazard term and the LGD).
type JointFit struct {
	// PriceIndex is the column fitted (HousePriceIndex or CREPriceIndex),
	// lagged as unemployment is (Fit.LagQuarters).
	PriceIndex string
	// Beta is the coefficient of ln(price index): the elasticity of the
	// charge-off rate to the price level, holding unemployment fixed.
	Beta, BetaSE, BetaSEHAC float64
	// CorrUP is the sample correlation of unemployment and ln(price index)
	// over the fitted quarters, and VIF = 1/(1 - CorrUP^2) the factor by
	// which their collinearity inflates each coefficient's variance.
	CorrUP, VIF float64
	// Univariate is the unemployment-only fit of the same series, lag and
	// quarters, kept for comparison (it absorbs the price channel).
	Univariate Fit
}

// FitSeriesJoint regresses ln(rate) of one transcribed series on
// unemployment and ln(price index), both lagged lag quarters, over the
// quarters of FitWindow the series has, with the same standard errors as
// FitSeries (classical and Newey-West). The returned Fit's Eta is the
// unemployment coefficient; Joint holds the price coefficient and the
// univariate fit.
func FitSeriesJoint(id, index string, lag int) (Fit, error) {
	uni, err := FitSeries(id, lag)
	if err != nil {
		return Fit{}, err
	}
	all, err := ChargeOffs()
	if err != nil {
		return Fit{}, err
	}
	u, err := Unemployment()
	if err != nil {
		return Fit{}, err
	}
	p, err := PriceIndex(index)
	if err != nil {
		return Fit{}, err
	}
	var x [][]float64
	var y []float64
	for _, o := range all[id].Obs {
		if o.Quarter.Before(FitWindow.First) || FitWindow.Last.Before(o.Quarter) {
			continue
		}
		q := o.Quarter.Add(-lag)
		pq, ok := p[q]
		if !ok {
			return Fit{}, fmt.Errorf("fit series %s: no %s for %s", id, index, q)
		}
		x = append(x, []float64{u[q], math.Log(pq)})
		y = append(y, math.Log(o.Pct))
	}
	r, err := OLSMulti(x, y)
	if err != nil {
		return Fit{}, fmt.Errorf("fit series %s on unemployment and %s: %w", id, index, err)
	}
	f := uni
	f.Eta, f.Intercept, f.SE, f.SEHAC, f.HACLags, f.R2, f.N = r.Coef[1], r.Coef[0], r.SE[1], r.SEHAC[1], r.HACLags, r.R2, r.N
	j := &JointFit{PriceIndex: index, Beta: r.Coef[2], BetaSE: r.SE[2], BetaSEHAC: r.SEHAC[2], Univariate: uni}
	j.CorrUP = correlation(x, 0, 1)
	j.VIF = 1 / (1 - j.CorrUP*j.CorrUP)
	f.Joint = j
	return f, nil
}

func correlation(x [][]float64, a, b int) float64 {
	n := float64(len(x))
	var ma, mb float64
	for _, r := range x {
		ma += r[a]
		mb += r[b]
	}
	ma /= n
	mb /= n
	var saa, sbb, sab float64
	for _, r := range x {
		da, db := r[a]-ma, r[b]-mb
		saa += da * da
		sbb += db * db
		sab += da * db
	}
	return sab / math.Sqrt(saa*sbb)
}

// MultiRegression is a least-squares fit with an intercept and k regressors.
// Coef[0] is the intercept, Coef[j] the coefficient of regressor j (1..k);
// SE and SEHAC index the same way.
type MultiRegression struct {
	Coef, SE, SEHAC []float64
	// HACLags is floor(4 (N/100)^(2/9)), as in OLS.
	HACLags int
	R2      float64
	N       int
}

// OLSMulti fits y = b0 + sum_j b_j x[t][j-1] by least squares. SE is the
// classical s^2 (X'X)^-1; SEHAC the Newey-West sandwich (Bartlett weights,
// HACLags lags) scaled by n/(n-p), p the number of coefficients. With one
// regressor both reduce exactly to OLS's.
func OLSMulti(x [][]float64, y []float64) (MultiRegression, error) {
	n := len(y)
	if n != len(x) {
		return MultiRegression{}, fmt.Errorf("ols: %d x rows but %d y values", len(x), n)
	}
	if n == 0 {
		return MultiRegression{}, fmt.Errorf("ols: no data")
	}
	p := len(x[0]) + 1
	if n <= p {
		return MultiRegression{}, fmt.Errorf("ols: %d points for %d coefficients", n, p)
	}
	row := func(t int) []float64 {
		r := make([]float64, p)
		r[0] = 1
		copy(r[1:], x[t])
		return r
	}
	xtx := make([][]float64, p)
	for i := range xtx {
		xtx[i] = make([]float64, p)
	}
	xty := make([]float64, p)
	for t := 0; t < n; t++ {
		if len(x[t]) != p-1 {
			return MultiRegression{}, fmt.Errorf("ols: row %d has %d regressors, want %d", t, len(x[t]), p-1)
		}
		r := row(t)
		for i := 0; i < p; i++ {
			xty[i] += r[i] * y[t]
			for j := 0; j < p; j++ {
				xtx[i][j] += r[i] * r[j]
			}
		}
	}
	inv, err := invert(xtx)
	if err != nil {
		return MultiRegression{}, fmt.Errorf("ols: %w", err)
	}
	b := make([]float64, p)
	for i := range b {
		for j := range b {
			b[i] += inv[i][j] * xty[j]
		}
	}
	e := make([]float64, n)
	var my, sse, syy float64
	for t := range y {
		my += y[t]
	}
	my /= float64(n)
	for t := 0; t < n; t++ {
		r := row(t)
		fit := 0.0
		for i := range b {
			fit += b[i] * r[i]
		}
		e[t] = y[t] - fit
		sse += e[t] * e[t]
		syy += (y[t] - my) * (y[t] - my)
	}
	out := MultiRegression{Coef: b, SE: make([]float64, p), SEHAC: make([]float64, p), N: n}
	if syy > 0 {
		out.R2 = 1 - sse/syy
	}
	s2 := sse / float64(n-p)
	for i := range b {
		out.SE[i] = math.Sqrt(s2 * inv[i][i])
	}
	// Newey-West: S = sum_l w_l sum_t (g_t g_{t-l}' + g_{t-l} g_t'), g_t = x_t e_t.
	out.HACLags = int(math.Floor(4 * math.Pow(float64(n)/100, 2.0/9)))
	g := make([][]float64, n)
	for t := 0; t < n; t++ {
		g[t] = row(t)
		for i := range g[t] {
			g[t][i] *= e[t]
		}
	}
	s := make([][]float64, p)
	for i := range s {
		s[i] = make([]float64, p)
	}
	for l := 0; l <= out.HACLags; l++ {
		w := 1 - float64(l)/float64(out.HACLags+1)
		for t := l; t < n; t++ {
			for i := 0; i < p; i++ {
				for j := 0; j < p; j++ {
					c := g[t][i] * g[t-l][j]
					if l == 0 {
						s[i][j] += c
					} else {
						s[i][j] += w * (c + g[t-l][i]*g[t][j])
					}
				}
			}
		}
	}
	scale := float64(n) / float64(n-p)
	for i := 0; i < p; i++ {
		v := 0.0
		for a := 0; a < p; a++ {
			for c := 0; c < p; c++ {
				v += inv[i][a] * s[a][c] * inv[c][i]
			}
		}
		out.SEHAC[i] = math.Sqrt(v * scale)
	}
	return out, nil
}

// invert returns the inverse of a small symmetric positive-definite matrix
// by Gauss-Jordan elimination with partial pivoting.
func invert(m [][]float64) ([][]float64, error) {
	p := len(m)
	a := make([][]float64, p)
	for i := range m {
		a[i] = make([]float64, 2*p)
		copy(a[i], m[i])
		a[i][p+i] = 1
	}
	for c := 0; c < p; c++ {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		if math.Abs(a[piv][c]) < 1e-12*math.Abs(m[c][c]) || a[piv][c] == 0 {
			return nil, fmt.Errorf("regressors are collinear")
		}
		a[c], a[piv] = a[piv], a[c]
		d := a[c][c]
		for k := range a[c] {
			a[c][k] /= d
		}
		for r := 0; r < p; r++ {
			if r == c || a[r][c] == 0 {
				continue
			}
			f := a[r][c]
			for k := range a[r] {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	out := make([][]float64, p)
	for i := range a {
		out[i] = a[i][p:]
	}
	return out, nil
}
