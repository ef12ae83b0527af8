// Package conformance holds tests that reproduce judgements published by the reference tools
// (OHID Fingertips, DfE LAIT) from the same figures, through the whole product path: load the
// published file with its judgement columns removed, evaluate, and compare label by label.
package conformance
