// Package stats implements, as pure functions, the statistical methods behind
// the scorecard's judgements, reproducing exactly the published methods of
// OHID Fingertips and DfE's Local Authority Interactive Tool (LAIT), as set out
// in docs/METHODS.md:
//
//   - confidence intervals as in OHID/UKHSA PHEindicatormethods (the methods
//     approved for Fingertips): Wilson score intervals for proportions
//     ([Wilson]), exact Poisson below 10 events and Byar's method from 10 for
//     crude rates ([PoissonRate]), Student t for means ([MeanT]); z values
//     are exact normal quantiles ([Z]), never 1.96;
//   - Fingertips' comparison with a benchmark at 95% (optionally 95% and
//     99.8%), with inclusive bounds ([CompareWithBenchmark]);
//   - Fingertips' recent-trend test over the five most recent valid points
//     (χ² with the leave-one-out sign check of the open-sourced Fingertips
//     TrendMarkerCalculator) ([RecentTrend]);
//   - LAIT's competition ranks ([CompetitionRank]) and quartile bands from
//     type-7 quantiles ([QuartileBounds], [QuartileBand]), and Fingertips'
//     quintiles ([QuintileBounds], [Quintile]);
//   - LAIT's display rounding: half-up on the decimal representation with
//     trailing zeros kept ([FormatFixed], [RoundHalfUp]).
//
// Conventions. Confidence may be given as a fraction (0.95, 0.998) or a
// percentage (95, 99.8). Missing numbers are NaN: missing inputs give missing
// (NaN) outputs, not errors; impossible inputs (n <= 0, x < 0, x > n for a
// proportion, ...) give an error wrapping [ErrInvalidInput] whose message says
// which rule was broken. Optional inputs to [CompareWithBenchmark] are
// pointers (nil = missing). Nothing in the package holds state: every
// function is safe for concurrent use.
package stats
