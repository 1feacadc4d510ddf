package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// recoveryStats is the recovery histogram's count and sum for one reason.
type recoveryStats struct {
	count float64
	sum   float64
}

// minus is the recoveries recorded since an earlier scrape.
func (s recoveryStats) minus(before recoveryStats) recoveryStats {
	return recoveryStats{count: s.count - before.count, sum: s.sum - before.sum}
}

// metricsScraper reads the operator's metrics endpoint.
type metricsScraper struct {
	addr  string
	token string
}

func newMetricsScraper(addr, token string) *metricsScraper {
	return &metricsScraper{addr: addr, token: token}
}

// recoveries returns rayha_head_recovery_seconds by reason. Plain HTTP is
// tried first; an operator that serves its metrics over HTTPS with
// Kubernetes authentication gets the admin token of the simulated cluster.
func (m *metricsScraper) recoveries(ctx context.Context) (map[string]recoveryStats, error) {
	text, err := m.get(ctx, "http", &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		// The operator's serving certificate is self-signed and the address
		// is loopback, so there is nothing to verify it against.
		insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback, self-signed
		}}
		var errTLS error
		if text, errTLS = m.get(ctx, "https", insecure); errTLS != nil {
			return nil, fmt.Errorf("scraping the operator's metrics on %s: %w (over https: %v)", m.addr, err, errTLS)
		}
	}
	return parseRecoveries(text), nil
}

func (m *metricsScraper) get(ctx context.Context, scheme string, hc *http.Client) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+m.addr+"/metrics", nil)
	if err != nil {
		return "", err
	}
	if scheme == "https" && m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return string(body), nil
}

// parseRecoveries reads the _count and _sum series of the recovery
// histogram from Prometheus text format, keyed by the reason label.
func parseRecoveries(text string) map[string]recoveryStats {
	out := map[string]recoveryStats{}
	countName := raycluster.MetricHeadRecoverySeconds + "_count"
	sumName := raycluster.MetricHeadRecoverySeconds + "_sum"
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, labels, value, ok := splitSample(line)
		if !ok || (name != countName && name != sumName) {
			continue
		}
		reason := labelValue(labels, "reason")
		s := out[reason]
		if name == countName {
			s.count = value
		} else {
			s.sum = value
		}
		out[reason] = s
	}
	return out
}

// splitSample splits `name{labels} value [timestamp]`.
func splitSample(line string) (name, labels string, value float64, ok bool) {
	line = strings.TrimSpace(line)
	rest := line
	if i := strings.IndexByte(line, '{'); i >= 0 {
		j := strings.LastIndexByte(line, '}')
		if j < i {
			return "", "", 0, false
		}
		name, labels, rest = line[:i], line[i+1:j], line[j+1:]
	} else {
		var found bool
		name, rest, found = strings.Cut(line, " ")
		if !found {
			return "", "", 0, false
		}
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", "", 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return "", "", 0, false
	}
	return name, labels, v, true
}

// labelValue finds key="value" in a label list; label values here are
// failure reasons, which hold no quotes or commas.
func labelValue(labels, key string) string {
	for _, pair := range strings.Split(labels, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(pair), "=")
		if found && k == key {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
