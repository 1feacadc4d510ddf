/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ScrapeMetrics reads the operator's /metrics endpoint as Prometheus does
// with the operator's default --metrics-secure: HTTPS, the bearer token of
// an identity allowed to get /metrics (the simulated cluster's admin, say),
// the self-signed serving certificate not verified (nothing signs it; the
// same as config/prometheus). It returns the metric families by name.
func ScrapeMetrics(ctx context.Context, addr, token string) (map[string]*dto.MetricFamily, error) {
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed serving certificate
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("scraping metrics on %s: %w", addr, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scraping metrics on %s: %w", addr, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("scraping metrics on %s: HTTP %d: %s", addr, resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing the metrics of %s: %w", addr, err)
	}
	return families, nil
}

// Observations are a histogram's sample count and sum.
type Observations struct {
	Count uint64
	Sum   float64
}

// Minus is what was observed since an earlier read.
func (o Observations) Minus(before Observations) Observations {
	return Observations{Count: o.Count - before.Count, Sum: o.Sum - before.Sum}
}

// HistogramByLabel reads the histogram name from scraped or gathered
// families, one Observations per value of label.
func HistogramByLabel(families map[string]*dto.MetricFamily, name, label string) map[string]Observations {
	out := map[string]Observations{}
	for _, m := range families[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				out[l.GetValue()] = Observations{Count: m.GetHistogram().GetSampleCount(), Sum: m.GetHistogram().GetSampleSum()}
			}
		}
	}
	return out
}
