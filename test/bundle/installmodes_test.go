package bundle

import (
	"slices"
	"testing"
)

// TestInstallModesTested: the install modes the CSV claims are exactly the
// ones TestOnSimulatedCluster installs and runs the operator in.
func TestInstallModesTested(t *testing.T) {
	csv, _, err := mustLayout(t).ReadCSV()
	if err != nil {
		t.Fatal(err)
	}
	var claimed, tested []string
	for _, m := range csv.Spec.InstallModes {
		if m.Supported {
			claimed = append(claimed, string(m.Type))
		}
	}
	for _, m := range installModes {
		tested = append(tested, m.name)
	}
	slices.Sort(claimed)
	slices.Sort(tested)
	if !slices.Equal(claimed, tested) {
		t.Fatalf("the CSV claims install modes %v, the simulated-cluster test runs %v", claimed, tested)
	}
}
