package asl

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mapState checks a Map's fields and validates its processor as a scope.
func (v *validator) mapState(sc *Scope, path string, s *MapState, express bool) {
	switch {
	case s.ItemProcessor == nil && s.Iterator == nil:
		v.add(path, "a Map state needs an ItemProcessor")
	case s.ItemProcessor != nil && s.Iterator != nil:
		v.add(path, "sets both ItemProcessor and its legacy form Iterator; keep ItemProcessor")
	}
	v.exclusive(path, "ItemSelector", s.ItemSelector != nil, "Parameters", s.Parameters != nil)
	v.template(path, "ItemSelector", s.ItemSelector)
	v.template(path, "Parameters", s.Parameters)
	v.template(path, "ResultSelector", s.ResultSelector)

	distributed := false
	childExpress := express
	if p := s.ItemProcessor; p != nil && p.ProcessorConfig != nil {
		cfg := p.ProcessorConfig
		cp := joinPath(joinPath(path, "ItemProcessor"), "ProcessorConfig")
		switch cfg.Mode {
		case ModeDistributed:
			distributed = true
			switch cfg.ExecutionType {
			case ExecutionStandard:
			case ExecutionExpress:
				childExpress = true
			case "":
				v.add(joinPath(cp, "ExecutionType"), "is required when Mode is %s (%s or %s)", ModeDistributed, ExecutionStandard, ExecutionExpress)
			default:
				v.add(joinPath(cp, "ExecutionType"), "must be %s or %s, not %q", ExecutionStandard, ExecutionExpress, cfg.ExecutionType)
			}
		case ModeInline, "":
			if cfg.ExecutionType != "" {
				v.add(joinPath(cp, "ExecutionType"), "is only allowed when Mode is %s", ModeDistributed)
			}
		default:
			v.add(joinPath(cp, "Mode"), "must be %s or %s, not %q", ModeInline, ModeDistributed, cfg.Mode)
		}
	}

	v.exclusive(path, "MaxConcurrency", s.MaxConcurrency != nil, "MaxConcurrencyPath", s.MaxConcurrencyPath != "")
	if c := s.MaxConcurrency; c != nil {
		switch {
		case *c < 0:
			v.add(joinPath(path, "MaxConcurrency"), "must not be negative (0 means no limit), not %d", *c)
		case distributed && *c > MaxDistributedConcurrency:
			v.add(joinPath(path, "MaxConcurrency"), "a Distributed Map runs at most %d child executions at once, not %d", MaxDistributedConcurrency, *c)
		}
	}

	if !distributed {
		only := []struct {
			name string
			set  bool
		}{
			{"ItemReader", s.ItemReader != nil},
			{"ItemBatcher", s.ItemBatcher != nil},
			{"ResultWriter", s.ResultWriter != nil},
			{"ToleratedFailurePercentage", s.ToleratedFailurePercentage != nil},
			{"ToleratedFailurePercentagePath", s.ToleratedFailurePercentagePath != ""},
			{"ToleratedFailureCount", s.ToleratedFailureCount != nil},
			{"ToleratedFailureCountPath", s.ToleratedFailureCountPath != ""},
			{"Label", s.Label != ""},
		}
		for _, f := range only {
			if f.set {
				v.add(joinPath(path, f.name), "is only allowed on a Distributed Map (ItemProcessor.ProcessorConfig.Mode %s)", ModeDistributed)
			}
		}
	}

	v.exclusive(path, "ToleratedFailurePercentage", s.ToleratedFailurePercentage != nil, "ToleratedFailurePercentagePath", s.ToleratedFailurePercentagePath != "")
	v.exclusive(path, "ToleratedFailureCount", s.ToleratedFailureCount != nil, "ToleratedFailureCountPath", s.ToleratedFailureCountPath != "")
	if p := s.ToleratedFailurePercentage; p != nil && (*p < 0 || *p > 100) {
		v.add(joinPath(path, "ToleratedFailurePercentage"), "must be in [0, 100], not %g", *p)
	}
	if c := s.ToleratedFailureCount; c != nil && *c < 0 {
		v.add(joinPath(path, "ToleratedFailureCount"), "must not be negative, not %d", *c)
	}
	if s.Label != "" {
		v.label(joinPath(path, "Label"), s.Label)
	}
	if b := s.ItemBatcher; b != nil {
		v.itemBatcher(joinPath(path, "ItemBatcher"), b)
	}
	if r := s.ItemReader; r != nil {
		v.itemReader(joinPath(path, "ItemReader"), r)
	}
	if w := s.ResultWriter; w != nil {
		if w.Resource == "" && w.WriterConfig == nil {
			v.add(joinPath(path, "ResultWriter"), "needs a Resource (arn:aws:states:::s3:putObject) or a WriterConfig")
		}
		v.template(joinPath(path, "ResultWriter"), "Parameters", w.Parameters)
	}

	for _, child := range childScopes(sc, Visit{Path: path, State: s, Scope: sc}) {
		v.scope(child, childExpress)
	}
}

func (v *validator) itemBatcher(path string, b *ItemBatcher) {
	v.exclusive(path, "MaxItemsPerBatch", b.MaxItemsPerBatch != nil, "MaxItemsPerBatchPath", b.MaxItemsPerBatchPath != "")
	v.exclusive(path, "MaxInputBytesPerBatch", b.MaxInputBytesPerBatch != nil, "MaxInputBytesPerBatchPath", b.MaxInputBytesPerBatchPath != "")
	if b.MaxItemsPerBatch == nil && b.MaxItemsPerBatchPath == "" && b.MaxInputBytesPerBatch == nil && b.MaxInputBytesPerBatchPath == "" {
		v.add(path, "needs at least one of MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch and MaxInputBytesPerBatchPath")
	}
	if n := b.MaxItemsPerBatch; n != nil && *n < 1 {
		v.add(joinPath(path, "MaxItemsPerBatch"), "must be at least 1, not %d", *n)
	}
	if n := b.MaxInputBytesPerBatch; n != nil && (*n < 1 || *n > MaxPayloadBytes) {
		v.add(joinPath(path, "MaxInputBytesPerBatch"), "must be in [1, %d] (256 KiB), not %d", MaxPayloadBytes, *n)
	}
	v.template(path, "BatchInput", b.BatchInput)
}

func (v *validator) itemReader(path string, r *ItemReader) {
	if r.Resource == "" {
		v.add(joinPath(path, "Resource"), "is required (e.g. arn:aws:states:::s3:getObject)")
	}
	c := r.ReaderConfig
	if c == nil {
		return
	}
	cp := joinPath(path, "ReaderConfig")
	switch c.InputType {
	case "", InputCSV, InputJSON, InputJSONL, InputManifest, InputParquet:
	default:
		v.add(joinPath(cp, "InputType"), "must be one of %s, %s, %s, %s, %s, not %q", InputCSV, InputJSON, InputJSONL, InputManifest, InputParquet, c.InputType)
	}
	switch c.CSVHeaderLocation {
	case "", CSVHeaderFirstRow:
		if len(c.CSVHeaders) > 0 {
			v.add(joinPath(cp, "CSVHeaders"), "is only allowed with CSVHeaderLocation %s", CSVHeaderGiven)
		}
	case CSVHeaderGiven:
		if len(c.CSVHeaders) == 0 {
			v.add(joinPath(cp, "CSVHeaders"), "is required with CSVHeaderLocation %s", CSVHeaderGiven)
		}
	default:
		v.add(joinPath(cp, "CSVHeaderLocation"), "must be %s or %s, not %q", CSVHeaderFirstRow, CSVHeaderGiven, c.CSVHeaderLocation)
	}
	if c.CSVHeaderLocation != "" && c.InputType != InputCSV {
		v.add(joinPath(cp, "CSVHeaderLocation"), "is only allowed with InputType %s", InputCSV)
	}
	switch c.CSVDelimiter {
	case "", "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB":
		if c.CSVDelimiter != "" && c.InputType != InputCSV {
			v.add(joinPath(cp, "CSVDelimiter"), "is only allowed with InputType %s", InputCSV)
		}
	default:
		v.add(joinPath(cp, "CSVDelimiter"), "must be one of COMMA, PIPE, SEMICOLON, SPACE, TAB, not %q", c.CSVDelimiter)
	}
	v.exclusive(cp, "MaxItems", c.MaxItems != nil, "MaxItemsPath", c.MaxItemsPath != "")
	if n := c.MaxItems; n != nil && (*n < 1 || *n > MaxReaderItems) {
		v.add(joinPath(cp, "MaxItems"), "must be in [1, %d], not %d", MaxReaderItems, *n)
	}
	v.template(path, "Parameters", r.Parameters)
}

// label checks a Distributed Map Label: at most 40 characters, no
// whitespace, brackets, wildcards or special characters (developer guide,
// "Map state in Distributed mode", Label).
func (v *validator) label(path, label string) {
	if n := utf8.RuneCountInString(label); n > MaxLabelLength {
		v.add(path, "is %d characters, more than the %d allowed", n, MaxLabelLength)
	}
	if i := strings.IndexFunc(label, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>{}[]?*"#%\^|~`+"`"+`$&,;:/`, r)
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(label[i:])
		v.add(path, "must not contain whitespace, brackets, wildcards or special characters; found %q", r)
	}
}
