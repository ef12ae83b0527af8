package indicators

// The definitions in lait/ are generated from LAIT's data dictionary, one per measure of the
// shipped LAIT data that no hand-written definition reads; see internal/laitgen for the rules.
// After replacing lait/lait_data_dictionary.csv or the shipped LAIT data, run:
//
//go:generate go run ./internal/laitgen -dictionary lait/lait_data_dictionary.csv -data ../datasets/shipped/lait_bds_long_childrens_services.csv -hand-written . -out lait
