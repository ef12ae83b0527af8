// Package scorecard holds what the product ships besides code: the real public datasets that
// make up the demo database, and the example local returns. cmd/scorecard loads them into a new
// database on first start.
package scorecard

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/childrens-trust/scorecard/datasets"
)

//go:embed datasets/shipped/*.csv datasets/shipped/SOURCES.md testdata/returns/*.csv
var shippedFS embed.FS

// ShippedDataset is one file loaded into the demo database, and the dataset it becomes.
type ShippedDataset struct {
	Dataset string
	File    string // path inside the embedded files
	Source  string
}

// Shipped lists the demo datasets in load order. Provenance of each file is in
// datasets/shipped/SOURCES.md.
var Shipped = []ShippedDataset{
	{"lait", "datasets/shipped/lait_bds_long_childrens_services.csv", "DfE LAIT big data set (children's services subset)"},
	{"dfe_exclusions_2007_2017", "datasets/shipped/exclusions_la_region_national_200607_to_201617.csv", "DfE SFR35/2017 exclusions, 2006/07 to 2016/17"},
	{"ees_cla_outcomes", "datasets/shipped/ees_la_conviction_health_outcome_cla.csv", "DfE EES: outcomes for children looked after"},
	{"ees_cla_rates", "datasets/shipped/ees_cla_number_and_rate_per_10k_children.csv", "DfE EES: children looked after, number and rate per 10,000"},
	{"ees_cin_referrals", "datasets/shipped/ees_c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "DfE EES: children in need table C1, referrals and re-referrals"},
	{"ees_cpp_subsequent", "datasets/shipped/ees_d3_cpps_subsequent_plan_2013_to_2025.csv", "DfE EES: children in need table D3, second or subsequent child protection plans"},
	{"ees_children_in_need", "datasets/shipped/ees_b1_children_in_need_2013_to_2025.csv", "DfE EES: children in need table B1"},
	{"fingertips_injuries_0_14", "datasets/shipped/fingertips_90284_injury_admissions_0_14_england_region_utla.csv", "OHID Fingertips 90284 export"},
	{"local_returns", "testdata/returns/example_local_return.csv", "EXAMPLE local return with figures published in the seed plans (Poole, Leicestershire)"},
	{"leicestershire_returns", "testdata/returns/leicestershire_ewmh_return.csv", "EXAMPLE local return with the figures published in Leicestershire's Emotional Well-being and Mental Health Strategy monitoring plan"},
}

// LoadShipped loads every shipped dataset as a revision made by "shipped-data".
func LoadShipped(ctx context.Context, svc *datasets.Service) error {
	for _, s := range Shipped {
		if err := LoadShippedDataset(ctx, svc, s.Dataset); err != nil {
			return err
		}
	}
	return nil
}

// LoadShippedDataset loads the shipped file of one dataset (tests load only what they need).
func LoadShippedDataset(ctx context.Context, svc *datasets.Service, name string) error {
	for _, s := range Shipped {
		if s.Dataset != name {
			continue
		}
		f, err := shippedFS.Open(s.File)
		if err != nil {
			return fmt.Errorf("shipped data %s: %w", s.File, err)
		}
		defer f.Close()
		if _, err := svc.Load(ctx, s.Dataset, f, datasets.Upload{FileName: s.File, By: "shipped-data"}); err != nil {
			return fmt.Errorf("load shipped dataset %s from %s: %w", s.Dataset, s.File, err)
		}
		return nil
	}
	return fmt.Errorf("no shipped dataset %q", name)
}

// ShippedFile opens one of the shipped files by its path (for tests and the CLI).
func ShippedFile(path string) ([]byte, error) { return fs.ReadFile(shippedFS, path) }
