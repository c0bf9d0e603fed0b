package asl

// Hints returns advice about a definition that is valid but likely to fail
// at run time on payload size, with the path of each state concerned. The
// rules, both about the 256 KiB payload quota (MaxPayloadBytes):
//
//   - a Distributed Map without an ItemReader takes its items from the state
//     input, so the whole item list must fit in 256 KiB; reading them from
//     S3 with an ItemReader has no such limit;
//   - a Distributed Map without a ResultWriter whose ResultPath is not null
//     returns the array of every child's output inline, which must fit in
//     256 KiB; export results with a ResultWriter or discard them with
//     ResultPath null.
//
// Validate rejects literals that are already above the quota; Hints is for
// what only the data at run time decides.
func (m *StateMachine) Hints() []Problem {
	var hints []Problem
	_ = Walk(m, func(v Visit) error {
		s, ok := v.State.(*MapState)
		if !ok || !s.IsDistributed() {
			return nil
		}
		if s.ItemReader == nil {
			hints = append(hints, Problem{Path: v.Path, Message: "Distributed Map without an ItemReader: its items travel in the state input, limited to 256 KiB; read them from S3 with an ItemReader"})
		}
		if s.ResultWriter == nil && !s.ResultPath.IsNull() {
			hints = append(hints, Problem{Path: v.Path, Message: "Distributed Map without a ResultWriter: the array of all child outputs must fit in 256 KiB; add a ResultWriter or set ResultPath to null"})
		}
		return nil
	})
	return hints
}
