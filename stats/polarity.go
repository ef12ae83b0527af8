package stats

// Polarity says which direction of an indicator's value is good. It is the
// `polarity` field of an indicator definition (PRODUCT.md).
type Polarity string

// The four polarities. Only HigherIsBetter and LowerIsBetter have a direction:
// for CloserIsBetter (judged against a target band elsewhere) and NoJudgement,
// comparisons report higher/lower, trends increasing/decreasing, and there are
// no ranks or quartile bands.
const (
	HigherIsBetter Polarity = "higher_is_better"
	LowerIsBetter  Polarity = "lower_is_better"
	CloserIsBetter Polarity = "closer_is_better"
	NoJudgement    Polarity = "no_judgement"
)

// Valid reports whether p is one of the four defined polarities.
func (p Polarity) Valid() bool {
	switch p {
	case HigherIsBetter, LowerIsBetter, CloserIsBetter, NoJudgement:
		return true
	}
	return false
}

// directional reports whether p says which direction is good, and if so
// whether higher is better.
func (p Polarity) directional() (higherIsBetter, ok bool) {
	switch p {
	case HigherIsBetter:
		return true, true
	case LowerIsBetter:
		return false, true
	}
	return false, false
}
