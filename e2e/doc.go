// Package e2e holds the browser test of the board pages: headless Chromium loads the scorecard
// page and an indicator page from a server on the shipped data, and checks that every chart is
// drawn, nothing is requested from another origin, the console stays clean, and axe-core finds no
// WCAG 2.2 AA violation. It has no code outside its tests.
package e2e
