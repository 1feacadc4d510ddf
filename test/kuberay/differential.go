package kuberay

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Input is one RayCluster the tier compares, with the name it is reported
// under ("sample <file>" or "generated <name>"), and the batch scheduler
// both operators run with ("" for none; see batch_specs.go).
type Input struct {
	Spec           string
	Object         *unstructured.Unstructured
	BatchScheduler string
}

// Inputs lists every RayCluster of every KubeRay sample, then every
// generated spec, then both again with batch schedulers (batchInputs).
func Inputs() ([]Input, error) {
	samples, err := Samples()
	if err != nil {
		return nil, err
	}
	var in []Input
	for _, s := range samples {
		for i, o := range s.Objects {
			name := "sample " + s.Name
			if len(s.Objects) > 1 {
				name += fmt.Sprintf(" #%d (%s)", i+1, o.GetName())
			}
			in = append(in, Input{Spec: name, Object: o})
		}
	}
	for _, g := range GeneratedSpecs() {
		in = append(in, Input{Spec: "generated " + g.Name, Object: g.Object})
	}
	return append(in, batchInputs(in)...), nil
}

// Compare has KubeRay's oracle and our chart build the pods of every input
// and compares them. The oracle runs once per batch scheduler.
func Compare(inputs []Input) ([]Outcome, error) {
	results := make([]oracleResult, len(inputs))
	byScheduler := map[string][]int{}
	for i, in := range inputs {
		byScheduler[in.BatchScheduler] = append(byScheduler[in.BatchScheduler], i)
	}
	for scheduler, idx := range byScheduler {
		objs := make([]*unstructured.Unstructured, len(idx))
		for j, i := range idx {
			o := inputs[i].Object.DeepCopy()
			// The UID names GCS FT's storage namespace; both sides get the same.
			o.SetUID(fixedUID)
			objs[j] = o
		}
		got, err := runOracle(objs, "-batch-scheduler="+scheduler)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			results[i] = got[j]
		}
	}
	outcomes := make([]Outcome, 0, len(inputs))
	for i, in := range inputs {
		outcomes = append(outcomes, compareInput(in, results[i]))
	}
	return outcomes, nil
}

// compareInput compares one input; what keeps it from being compared is
// recorded in its outcome, so one broken spec does not hide the others.
func compareInput(in Input, kr oracleResult) Outcome {
	ours, err := renderOurs(in.Object, in.BatchScheduler)
	if err != nil {
		return Outcome{Spec: in.Spec, Err: err.Error()}
	}
	o, err := compareCluster(in.Spec, in.Object, kr, ours)
	if err != nil {
		o.Err = err.Error()
	}
	return o
}
