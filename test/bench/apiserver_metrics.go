/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// apiserverRequests reads the API server's own count of the requests it
// served (apiserver_request_total), by verb: every client's, the operator's,
// the controller manager's, the scheduler's, kwok's and the bench's.
func apiserverRequests(ctx context.Context, cfg *rest.Config) (map[string]float64, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating a client for the API server's metrics: %w", err)
	}
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the API server's metrics: %w", err)
	}
	return requestTotalsByVerb(string(raw)), nil
}

// requestTotalsByVerb sums apiserver_request_total samples by their verb
// label, from the Prometheus text format.
func requestTotalsByVerb(text string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		end := strings.LastIndex(line, "}")
		if end < 0 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			continue
		}
		out[strings.ToLower(label(line[:end], "verb"))] += v
	}
	return out
}

// label returns a label's value from `name{a="x",b="y"`.
func label(series, name string) string {
	i := strings.Index(series, name+`="`)
	if i < 0 {
		return ""
	}
	rest := series[i+len(name)+2:]
	if j := strings.Index(rest, `"`); j >= 0 {
		return rest[:j]
	}
	return ""
}

// verbDelta is after minus before, verbs with no new requests left out.
func verbDelta(before, after map[string]float64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range after {
		if d := int64(v - before[k]); d > 0 {
			out[k] = d
		}
	}
	return out
}
