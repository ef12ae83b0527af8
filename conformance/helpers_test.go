package conformance_test

import (
	"context"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/engine"
)

// openApp wires the product as the binary does, on an in-memory database closed with the test.
func openApp(t *testing.T, cfg scorecard.Config) *scorecard.App {
	t.Helper()
	app, err := scorecard.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// evaluated fails the test when an evaluation run, or any indicator in it, failed.
func evaluated(t *testing.T, results []engine.RunResult, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Error != "" {
			t.Errorf("%s not evaluated: %s", r.Indicator, r.Error)
		}
	}
}
