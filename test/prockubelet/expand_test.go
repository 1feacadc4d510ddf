package prockubelet

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"IP": "127.1.2.3", "EMPTY": ""}
	for in, want := range map[string]string{
		"--node-ip-address='$(IP)'": "--node-ip-address='127.1.2.3'",
		"$(IP):$(IP)":               "127.1.2.3:127.1.2.3",
		"$(MISSING)":                "$(MISSING)",
		"$$(IP)":                    "$(IP)",
		"$$$$":                      "$$",
		"x$(EMPTY)y":                "xy",
		"$IP ${IP} $":               "$IP ${IP} $",
		"$(IP":                      "$(IP",
		`ulimit -n "${N:-65536}"`:   `ulimit -n "${N:-65536}"`,
	} {
		if got := expand(in, vars); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExpandEnvUsesEarlierVariablesOnly(t *testing.T) {
	got := expandEnv([]string{"A=1", "B=$(A)-$(C)", "C=3"})
	if strings.Join(got, " ") != "A=1 B=1-$(C) C=3" {
		t.Errorf("expandEnv = %v", got)
	}
}

func TestPodIPIsPerPodInstance(t *testing.T) {
	a, b := PodIP("4f1c-old"), PodIP("4f1c-old")
	if a != b {
		t.Fatalf("PodIP differs for the same pod: %s, %s", a, b)
	}
	if PodIP("4f1c-old") == PodIP("9a07-new") {
		t.Errorf("a replacement pod (new UID) keeps pod IP %s", a)
	}
	if !strings.HasPrefix(a, "127.1") || strings.HasPrefix(NodeIP("n"), "127.1") {
		t.Errorf("pod IP %s or node IP %s outside its range", a, NodeIP("n"))
	}
}
