package calibration

import (
	"fmt"
	"math"
)

// The model's loan segments (MODEL.md section 3), as worker/loan names them.
const (
	ResidentialMortgage  = "residential_mortgage"
	HomeEquity           = "home_equity"
	CommercialRealEstate = "commercial_real_estate"
	CommercialTerm       = "commercial_term"
	CommercialLine       = "commercial_line"
	CreditCard           = "credit_card"
	PersonalAuto         = "personal_auto"
	PersonalUnsecured    = "personal_unsecured"
)

// Segments lists the model's segments in report order.
var Segments = []string{
	ResidentialMortgage, HomeEquity, CommercialRealEstate, CommercialTerm,
	CommercialLine, CreditCard, PersonalAuto, PersonalUnsecured,
}

// FitWindow is the sample MODEL.md asks for: 2006-2010, quarterly.
var FitWindow = struct{ First, Last Quarter }{
	First: Quarter{Year: 2006, Q: 1},
	Last:  Quarter{Year: 2010, Q: 4},
}

// PrimaryLag is the lag, in quarters, of unemployment behind the charge-off
// rate in the reported fit. Zero: over 2006-2010 the contemporaneous
// regression fits best for both real-estate series (R^2 0.72 against about
// 0.6 at one quarter and 0.5 at two), because real-estate charge-offs rose with
// house prices before unemployment did; lagged fits are reported beside it
// (FitSeries) as a sensitivity, and they give smaller elasticities.
const PrimaryLag = 0

// segmentSource says which transcribed Federal Reserve series a segment's
// elasticity is fitted to.
type segmentSource struct {
	// series is the charge-off series: a FRED ID of the Fed release series
	// (testdata/chargeoff_2006_2010.csv) or a FedSeriesID of the Fed's NSA
	// tables (testdata/fed_chargeoff_delinquency_nsa_2006_2010.csv).
	series string
	// delinquency is the same loan category's delinquency-rate series
	// (FedSeriesID), fitted the same way by DelinquencyFits: a PD-side
	// check free of loss severity.
	delinquency string
	// priceIndex, when set, is the price index (HousePriceIndex,
	// CREPriceIndex) the elasticity is fitted jointly with.
	priceIndex string
	note       string
}

// segmentMap is the mapping of the Fed release's loan types to the model's
// segments. The release's "Residential" is loans secured by 1-4 family
// properties including home equity lines, so first liens and HELOCs share
// one series; its "Commercial" real estate excludes farmland; C&I term loans
// and lines share the C&I series; "Other" consumer loans (auto, student,
// other personal; auto is split out only from 2015) stand for both auto and
// unsecured personal loans.
var segmentMap = map[string]segmentSource{
	ResidentialMortgage: {series: "CORSFRMACBN", priceIndex: HousePriceIndex,
		delinquency: FedSeriesID(MeasureDelinquency, CategoryResidential),
		note:        "Fed release 'residential' (1-4 family, incl. HELOCs), NSA: the SA copy stored lacks 2010Q4"},
	HomeEquity: {series: "CORSFRMACBN", priceIndex: HousePriceIndex,
		delinquency: FedSeriesID(MeasureDelinquency, CategoryResidential),
		note:        "same series as first liens: the release does not split HELOCs out"},
	CommercialRealEstate: {series: "CORCREXFACBN", priceIndex: CREPriceIndex,
		delinquency: FedSeriesID(MeasureDelinquency, CategoryCRE),
		note:        "Fed release 'commercial real estate' excl. farmland, NSA"},
	CommercialTerm: {series: FedSeriesID(MeasureChargeOff, CategoryCandI),
		delinquency: FedSeriesID(MeasureDelinquency, CategoryCandI),
		note:        "Fed release 'C&I loans', NSA (term loans and lines are not split)"},
	CommercialLine: {series: FedSeriesID(MeasureChargeOff, CategoryCandI),
		delinquency: FedSeriesID(MeasureDelinquency, CategoryCandI),
		note:        "same series as commercial_term"},
	CreditCard: {series: FedSeriesID(MeasureChargeOff, CategoryCreditCards),
		delinquency: FedSeriesID(MeasureDelinquency, CategoryCreditCards),
		note:        "Fed release 'consumer loans: credit cards', NSA"},
	PersonalAuto: {series: FedSeriesID(MeasureChargeOff, CategoryOtherConsumer),
		delinquency: FedSeriesID(MeasureDelinquency, CategoryOtherConsumer),
		note:        "Fed release 'consumer loans: other' (auto, student, personal; no auto split before 2015), NSA"},
	PersonalUnsecured: {series: FedSeriesID(MeasureChargeOff, CategoryOtherConsumer),
		delinquency: FedSeriesID(MeasureDelinquency, CategoryOtherConsumer),
		note:        "same series as personal_auto"},
}

// Fit is the unemployment elasticity of one segment's hazard: eta in
// h(t) ∝ exp(eta (u - u0)), per percentage point of unemployment, estimated
// as the OLS coefficient of unemployment in a regression of ln(charge-off
// rate) on the unemployment rate (FitSeries) or, for the real-estate
// segments, on unemployment and ln(price index) (FitSeriesJoint; Joint set).
type Fit struct {
	// Segment is the model segment (ResidentialMortgage, ...).
	Segment string
	// Fitted is true for every estimate (all segments have data since
	// the Fed's NSA tables were transcribed).
	Fitted bool
	// Series is the FRED ID, or the FedSeriesID, of the series fitted.
	Series string
	// SeasonalAdjustment of the fitted series, "SA" or "NSA".
	SeasonalAdjustment string
	// LagQuarters is how far unemployment lags the charge-off quarter.
	LagQuarters int
	// Eta is the slope, per percentage point of unemployment.
	Eta float64
	// SE is the classical OLS standard error of Eta.
	SE float64
	// SEHAC is the Newey-West (Bartlett kernel) standard error of Eta, with
	// HACLags lags; quarterly charge-off rates are strongly autocorrelated,
	// so this is the one to read.
	SEHAC   float64
	HACLags int
	// Intercept is ln(charge-off rate in percent) at zero unemployment.
	Intercept float64
	// R2 is the coefficient of determination; N the number of quarters.
	R2 float64
	N  int
	// First and Last are the charge-off quarters fitted.
	First, Last Quarter
	// Note says what the segment was mapped to.
	Note string
	// NetOfPayment is set when the fitted rate was divided by the
	// segment's PaymentMultiplier (NetFits).
	NetOfPayment bool
	// Joint is set when the fit had ln(price index) as a second regressor:
	// its coefficient, the regressors' collinearity, and the
	// unemployment-only fit for comparison. Nil for FitSeries.
	Joint *JointFit
}

// FitElasticities fits eta for every model segment, in Segments order, on
// the embedded transcriptions: ln(charge-off rate) on unemployment lagged
// PrimaryLag quarters, over FitWindow.
//
// The real-estate etas stay the unemployment-only slopes: the joint fit with
// the price index (JointFits), which would hold prices fixed as the model's
// eta means, is not usable on these data (docs/calibration.md, "Joint fit
// with the price indices": wrong-signed coefficients, regressors correlated
// -0.92 and -0.94).
func FitElasticities() ([]Fit, error) {
	return fitEach(func(_ string, s segmentSource) (Fit, error) { return FitSeries(s.series, PrimaryLag) })
}

// DelinquencyFits fits, for every model segment in Segments order, the
// same regression on the segment's delinquency rate (the Fed's NSA
// delinquency table): ln(delinquency rate) on unemployment at PrimaryLag
// over FitWindow. Delinquency carries no loss severity, so its slope is a
// PD-side elasticity; docs/calibration.md compares it with the charge-off
// slope, and the mortgage default eta is bounded by it.
func DelinquencyFits() ([]Fit, error) {
	return fitEach(func(_ string, s segmentSource) (Fit, error) { return FitSeries(s.delinquency, PrimaryLag) })
}

// fitEach fits every segment, in Segments order, with fit, and labels each
// fit with its segment and source note.
func fitEach(fit func(segment string, src segmentSource) (Fit, error)) ([]Fit, error) {
	out := make([]Fit, 0, len(Segments))
	for _, seg := range Segments {
		src := segmentMap[seg]
		f, err := fit(seg, src)
		if err != nil {
			return nil, fmt.Errorf("fit %s: %w", seg, err)
		}
		f.Segment, f.Note = seg, src.note
		out = append(out, f)
	}
	return out, nil
}

// JointFits fits, for each segment with a price index (residential,
// home equity: house prices; CRE: CRE prices), ln(charge-off rate) on
// unemployment and ln(price index) at PrimaryLag over FitWindow
// (FitSeriesJoint), in Segments order. Reported beside FitElasticities for
// comparison; not used for the model's parameters (see FitElasticities).
func JointFits() ([]Fit, error) {
	var out []Fit
	for _, seg := range Segments {
		src := segmentMap[seg]
		if src.priceIndex == "" {
			continue
		}
		f, err := FitSeriesJoint(src.series, src.priceIndex, PrimaryLag)
		if err != nil {
			return nil, fmt.Errorf("joint fit %s: %w", seg, err)
		}
		f.Segment, f.Note = seg, src.note
		out = append(out, f)
	}
	return out, nil
}

// FitSeries regresses ln(rate) of one transcribed series on unemployment
// lagged lag quarters, over the quarters of FitWindow the series has.
func FitSeries(id string, lag int) (Fit, error) { return fitSeries(id, lag, nil) }

// fitSeries is FitSeries of ln(rate) - ln(div[quarter]) (nil div: 0).
func fitSeries(id string, lag int, div map[Quarter]float64) (Fit, error) {
	all, err := allSeries()
	if err != nil {
		return Fit{}, err
	}
	s, ok := all[id]
	if !ok {
		return Fit{}, fmt.Errorf("fit series %s: not in %s, %s or %s", id, chargeOffFile, fedTablesFile, autoFlowFile)
	}
	u, err := Unemployment()
	if err != nil {
		return Fit{}, err
	}
	var x, y []float64
	f := Fit{Fitted: true, Series: id, SeasonalAdjustment: s.SeasonalAdjustment, LagQuarters: lag}
	for _, o := range s.Obs {
		if o.Quarter.Before(FitWindow.First) || FitWindow.Last.Before(o.Quarter) {
			continue
		}
		if o.Pct <= 0 {
			return Fit{}, fmt.Errorf("fit series %s: %s rate %.2f has no logarithm", id, o.Quarter, o.Pct)
		}
		uq, ok := u[o.Quarter.Add(-lag)]
		if !ok {
			return Fit{}, fmt.Errorf("fit series %s: no unemployment for %s", id, o.Quarter.Add(-lag))
		}
		if len(x) == 0 {
			f.First = o.Quarter
		}
		f.Last = o.Quarter
		yq := math.Log(o.Pct)
		if div != nil {
			d, ok := div[o.Quarter]
			if !ok || !(d > 0) {
				return Fit{}, fmt.Errorf("fit series %s: no positive divisor for %s", id, o.Quarter)
			}
			yq -= math.Log(d)
		}
		x = append(x, uq)
		y = append(y, yq)
	}
	r, err := OLS(x, y)
	if err != nil {
		return Fit{}, fmt.Errorf("fit series %s: %w", id, err)
	}
	f.Eta, f.Intercept, f.SE, f.SEHAC, f.HACLags, f.R2, f.N = r.Slope, r.Intercept, r.SE, r.SEHAC, r.HACLags, r.R2, r.N
	return f, nil
}

// Regression is a simple (one-regressor) least-squares fit.
type Regression struct {
	Slope, Intercept float64
	// SE is the classical standard error of the slope, sqrt(s^2 / Sxx).
	SE float64
	// SEHAC is the Newey-West standard error of the slope with HACLags
	// lags, HACLags = floor(4 (N/100)^(2/9)) (Newey and West 1994).
	SEHAC   float64
	HACLags int
	R2      float64
	N       int
}

// OLS fits y = a + b x by least squares.
func OLS(x, y []float64) (Regression, error) {
	n := len(x)
	if n != len(y) {
		return Regression{}, fmt.Errorf("ols: %d x values but %d y values", n, len(y))
	}
	if n < 3 {
		return Regression{}, fmt.Errorf("ols: %d points, need at least 3", n)
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return Regression{}, fmt.Errorf("ols: x does not vary")
	}
	b := sxy / sxx
	a := my - b*mx
	e := make([]float64, n)
	var sse float64
	for i := range x {
		e[i] = y[i] - a - b*x[i]
		sse += e[i] * e[i]
	}
	r := Regression{Slope: b, Intercept: a, N: n, SE: math.Sqrt(sse / float64(n-2) / sxx)}
	if syy > 0 {
		r.R2 = 1 - sse/syy
	}
	// Newey-West: the slope's variance is sum_{l} w_l sum_t g_t g_{t-l}
	// (both orders) over Sxx^2, with g_t = (x_t - mean x) e_t.
	r.HACLags = int(math.Floor(4 * math.Pow(float64(n)/100, 2.0/9)))
	g := make([]float64, n)
	for i := range x {
		g[i] = (x[i] - mx) * e[i]
	}
	var s float64
	for i := range g {
		s += g[i] * g[i]
	}
	for l := 1; l <= r.HACLags; l++ {
		w := 1 - float64(l)/float64(r.HACLags+1)
		var c float64
		for i := l; i < n; i++ {
			c += g[i] * g[i-l]
		}
		s += 2 * w * c
	}
	// Small-sample scaling n/(n-2), as for the classical estimate.
	r.SEHAC = math.Sqrt(s*float64(n)/float64(n-2)) / sxx
	return r, nil
}

// Elasticities returns NetFits at gamma as segment to eta, the form the
// model's Params take.
func Elasticities(gamma float64) (map[string]float64, error) {
	fits, err := NetFits(gamma)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(fits))
	for _, f := range fits {
		out[f.Segment] = f.Eta
	}
	return out, nil
}
