package asl

// Constructors of data-test Choice rules, one per comparison operator of
// the spec. Each returns a rule without Next: ChoiceBuilder.When adds it,
// and And, Or and Not nest it.

// StringEquals matches when the string at variable equals value.
func StringEquals(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringEquals: &value}
}

// StringEqualsPath matches when the string at variable equals the one at path.
func StringEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringEqualsPath: &path}
}

// StringLessThan matches when the string at variable is less than value.
func StringLessThan(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringLessThan: &value}
}

// StringLessThanPath matches when the string at variable is less than the one at path.
func StringLessThanPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringLessThanPath: &path}
}

// StringGreaterThan matches when the string at variable is greater than value.
func StringGreaterThan(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringGreaterThan: &value}
}

// StringGreaterThanPath matches when the string at variable is greater than the one at path.
func StringGreaterThanPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringGreaterThanPath: &path}
}

// StringLessThanEquals matches when the string at variable is less than or equal to value.
func StringLessThanEquals(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringLessThanEquals: &value}
}

// StringLessThanEqualsPath matches when the string at variable is less than or equal to the one at path.
func StringLessThanEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringLessThanEqualsPath: &path}
}

// StringGreaterThanEquals matches when the string at variable is greater than or equal to value.
func StringGreaterThanEquals(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringGreaterThanEquals: &value}
}

// StringGreaterThanEqualsPath matches when the string at variable is greater than or equal to the one at path.
func StringGreaterThanEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringGreaterThanEqualsPath: &path}
}

// StringMatches matches when the string at variable matches pattern, where * is a wildcard (escape a literal * with a backslash).
func StringMatches(variable string, pattern string) ChoiceRule {
	return ChoiceRule{Variable: variable, StringMatches: &pattern}
}

// NumericEquals matches when the number at variable equals value.
func NumericEquals(variable string, value float64) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericEquals: &value}
}

// NumericEqualsPath matches when the number at variable equals the one at path.
func NumericEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericEqualsPath: &path}
}

// NumericLessThan matches when the number at variable is less than value.
func NumericLessThan(variable string, value float64) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericLessThan: &value}
}

// NumericLessThanPath matches when the number at variable is less than the one at path.
func NumericLessThanPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericLessThanPath: &path}
}

// NumericGreaterThan matches when the number at variable is greater than value.
func NumericGreaterThan(variable string, value float64) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericGreaterThan: &value}
}

// NumericGreaterThanPath matches when the number at variable is greater than the one at path.
func NumericGreaterThanPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericGreaterThanPath: &path}
}

// NumericLessThanEquals matches when the number at variable is less than or equal to value.
func NumericLessThanEquals(variable string, value float64) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericLessThanEquals: &value}
}

// NumericLessThanEqualsPath matches when the number at variable is less than or equal to the one at path.
func NumericLessThanEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericLessThanEqualsPath: &path}
}

// NumericGreaterThanEquals matches when the number at variable is greater than or equal to value.
func NumericGreaterThanEquals(variable string, value float64) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericGreaterThanEquals: &value}
}

// NumericGreaterThanEqualsPath matches when the number at variable is greater than or equal to the one at path.
func NumericGreaterThanEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, NumericGreaterThanEqualsPath: &path}
}

// TimestampEquals matches when the timestamp at variable equals value.
func TimestampEquals(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampEquals: &value}
}

// TimestampEqualsPath matches when the timestamp at variable equals the one at path.
func TimestampEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampEqualsPath: &path}
}

// TimestampLessThan matches when the timestamp at variable is less than value.
func TimestampLessThan(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampLessThan: &value}
}

// TimestampLessThanPath matches when the timestamp at variable is less than the one at path.
func TimestampLessThanPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampLessThanPath: &path}
}

// TimestampGreaterThan matches when the timestamp at variable is greater than value.
func TimestampGreaterThan(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampGreaterThan: &value}
}

// TimestampGreaterThanPath matches when the timestamp at variable is greater than the one at path.
func TimestampGreaterThanPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampGreaterThanPath: &path}
}

// TimestampLessThanEquals matches when the timestamp at variable is less than or equal to value.
func TimestampLessThanEquals(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampLessThanEquals: &value}
}

// TimestampLessThanEqualsPath matches when the timestamp at variable is less than or equal to the one at path.
func TimestampLessThanEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampLessThanEqualsPath: &path}
}

// TimestampGreaterThanEquals matches when the timestamp at variable is greater than or equal to value.
func TimestampGreaterThanEquals(variable string, value string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampGreaterThanEquals: &value}
}

// TimestampGreaterThanEqualsPath matches when the timestamp at variable is greater than or equal to the one at path.
func TimestampGreaterThanEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, TimestampGreaterThanEqualsPath: &path}
}

// BooleanEquals matches when the boolean at variable equals value.
func BooleanEquals(variable string, value bool) ChoiceRule {
	return ChoiceRule{Variable: variable, BooleanEquals: &value}
}

// BooleanEqualsPath matches when the boolean at variable equals the one at path.
func BooleanEqualsPath(variable string, path string) ChoiceRule {
	return ChoiceRule{Variable: variable, BooleanEqualsPath: &path}
}

// IsNull tests the value at variable: it matches when "the value is null" is want.
func IsNull(variable string, want bool) ChoiceRule {
	return ChoiceRule{Variable: variable, IsNull: &want}
}

// IsPresent tests the value at variable: it matches when "the value exists in the input" is want.
func IsPresent(variable string, want bool) ChoiceRule {
	return ChoiceRule{Variable: variable, IsPresent: &want}
}

// IsNumeric tests the value at variable: it matches when "the value is a number" is want.
func IsNumeric(variable string, want bool) ChoiceRule {
	return ChoiceRule{Variable: variable, IsNumeric: &want}
}

// IsString tests the value at variable: it matches when "the value is a string" is want.
func IsString(variable string, want bool) ChoiceRule {
	return ChoiceRule{Variable: variable, IsString: &want}
}

// IsBoolean tests the value at variable: it matches when "the value is a boolean" is want.
func IsBoolean(variable string, want bool) ChoiceRule {
	return ChoiceRule{Variable: variable, IsBoolean: &want}
}

// IsTimestamp tests the value at variable: it matches when "the value is a timestamp string" is want.
func IsTimestamp(variable string, want bool) ChoiceRule {
	return ChoiceRule{Variable: variable, IsTimestamp: &want}
}

// And matches when every rule matches.
func And(rules ...ChoiceRule) ChoiceRule { return ChoiceRule{And: rules} }

// Or matches when at least one rule matches.
func Or(rules ...ChoiceRule) ChoiceRule { return ChoiceRule{Or: rules} }

// Not matches when rule does not.
func Not(rule ChoiceRule) ChoiceRule { return ChoiceRule{Not: &rule} }
