package report

import "math"

// Marker labels: each marked figure (expected loss, VaR, ES; on the
// payment-shock chart no change and the mean) is a vertical line from its
// label, in a row above the plot, down to the axis. The label sits beside
// its line, on the right or on the left, and the line of a marker labelled
// in a higher row passes through every row below it. placeLabels chooses
// each label's row and side so that, whenever that is possible:
//
//   - every label lies inside the chart;
//   - no line passes through another marker's label, or within labelPad of
//     it, so the line nearest a label is always its own;
//   - labels read to the right of their lines where they can, and in the
//     order the figures were given (expected loss first).
//
// One label per row, so labels never overlap each other. With at most five
// markers every arrangement is tried (5! orders x 2^5 sides).

// labelGap is the space between a line and its label; labelPad the
// clearance a label keeps from every other line.
const (
	labelGap = 4.0
	labelPad = 6.0
)

// labelSpec is one marker to place: its line's x and its label's width.
type labelSpec struct {
	x, width float64
}

// labelPlace is where a marker's label goes: its row (0 the top one) and
// side, and the extent of its text.
type labelPlace struct {
	row    int
	left   bool    // text ends labelGap left of the line (text-anchor end)
	x0, x1 float64 // the text's extent
}

// anchorX is the x of the text's anchor.
func (p labelPlace) anchorX(lineX float64) float64 {
	if p.left {
		return lineX - labelGap
	}
	return lineX + labelGap
}

// extent is the text's extent for a label of width w on a line at x.
func extent(x, w float64, left bool) (float64, float64) {
	if left {
		return x - labelGap - w, x - labelGap
	}
	return x + labelGap, x + labelGap + w
}

// placeLabels places the labels of specs, in rows 0 to len(specs)-1, within
// [minX, maxX]. It returns the placement of each spec, in the same order.
func placeLabels(specs []labelSpec, minX, maxX float64) []labelPlace {
	n := len(specs)
	if n == 0 {
		return nil
	}
	best := make([]labelPlace, n)
	bestCost := math.Inf(1)
	cur := make([]labelPlace, n)
	perm := make([]int, n) // perm[row] = spec
	for i := range perm {
		perm[i] = i
	}
	for {
		for sides := 0; sides < 1<<n; sides++ {
			for row, i := range perm {
				left := sides&(1<<i) != 0
				x0, x1 := extent(specs[i].x, specs[i].width, left)
				cur[i] = labelPlace{row: row, left: left, x0: x0, x1: x1}
			}
			if c := labelCost(specs, cur, minX, maxX); c < bestCost {
				bestCost = c
				copy(best, cur)
			}
		}
		if !nextPermutation(perm) {
			break
		}
	}
	return best
}

// labelCost scores an arrangement: labels outside the chart first, then
// lines through labels, then labels on the left, then rows out of the
// given order.
func labelCost(specs []labelSpec, ps []labelPlace, minX, maxX float64) float64 {
	var outside, crossings, left, disorder float64
	for i, p := range ps {
		if p.x0 < minX {
			outside += minX - p.x0
		}
		if p.x1 > maxX {
			outside += p.x1 - maxX
		}
		crossings += float64(linesThrough(specs, ps, i))
		if p.left {
			left++
		}
		disorder += math.Abs(float64(p.row - i))
	}
	return 1e6*boolf(outside > 0) + 1e3*outside + 1e2*crossings + left + 0.01*disorder
}

// linesThrough counts the lines of other markers that pass through label
// i or within labelPad of it: those labelled in a higher row.
func linesThrough(specs []labelSpec, ps []labelPlace, i int) int {
	n := 0
	for j := range specs {
		if j == i || ps[j].row >= ps[i].row {
			continue
		}
		if x := specs[j].x; x >= ps[i].x0-labelPad && x <= ps[i].x1+labelPad {
			n++
		}
	}
	return n
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// nextPermutation advances p to the next permutation in lexicographic
// order, reporting false after the last.
func nextPermutation(p []int) bool {
	i := len(p) - 2
	for i >= 0 && p[i] >= p[i+1] {
		i--
	}
	if i < 0 {
		return false
	}
	j := len(p) - 1
	for p[j] <= p[i] {
		j--
	}
	p[i], p[j] = p[j], p[i]
	for a, b := i+1, len(p)-1; a < b; a, b = a+1, b-1 {
		p[a], p[b] = p[b], p[a]
	}
	return true
}
