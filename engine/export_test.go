package engine

import (
	"context"

	"github.com/childrens-trust/scorecard/datasets"
)

// EncodeDoc and DecodeDoc expose the stored document encoding to the external tests.
func EncodeDoc(ev *Evaluation) []byte { return appendDoc(nil, ev) }

// DecodeDoc reads a stored document, binary or JSON.
func DecodeDoc(doc []byte) (*Evaluation, error) { return decodeDoc(doc) }

// Compute evaluates every indicator as EvaluateAll would, without storing anything.
func (e *Engine) Compute(ctx context.Context) ([]*Evaluation, error) {
	var targets *datasets.Dataset
	if ds, err := e.Datasets.Get(ctx, datasets.TargetsDataset); err == nil {
		targets = ds
	}
	uploaded, _, err := e.uploadedTargets(ctx, reader{q: e.DB.SQL}, targets)
	if err != nil {
		return nil, err
	}
	at := e.now()
	var out []*Evaluation
	for _, def := range e.Catalog.All() {
		ds, err := e.Datasets.Get(ctx, def.Source.Dataset)
		if err != nil {
			return nil, err
		}
		evs, err := e.evaluateIndicator(ctx, reader{q: e.DB.SQL}, def, ds, uploaded[def.ID], at)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// DocVocabulary is the stored documents' vocabulary.
func DocVocabulary() []string { return docVocabulary }
