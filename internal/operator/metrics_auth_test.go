/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

const metricsTestNS = "metrics-auth"

// TestMetricsAuthentication runs the operator's metrics server on a real API
// server, as the ServiceAccount of config/rbac (the operator's own ClusterRole
// for TokenReviews and SubjectAccessReviews, nothing else), and scrapes it
// without a token, with the token of a ServiceAccount bound to the
// metrics-reader ClusterRole of config/rbac, and with one that is not.
func TestMetricsAuthentication(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t)(cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: metricsTestNS}}, metav1.CreateOptions{}))
	for _, sa := range []string{"controller-manager", "scraper", "stranger"} {
		mustCreate(t)(cs.CoreV1().ServiceAccounts(metricsTestNS).Create(ctx,
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}))
	}
	authRole := readClusterRole(t, "metrics_auth_role.yaml")
	readerRole := readClusterRole(t, "metrics_reader_role.yaml")
	for _, r := range []*rbacv1.ClusterRole{authRole, readerRole} {
		mustCreate(t)(cs.RbacV1().ClusterRoles().Create(ctx, r, metav1.CreateOptions{}))
	}
	bind(ctx, t, cs, authRole.Name, "controller-manager")
	bind(ctx, t, cs, readerRole.Name, "scraper")

	newTestRegistry(t)
	addr := freeLoopback(t)
	managerCfg := rest.AnonymousClientConfig(cfg)
	managerCfg.BearerToken = token(ctx, t, cs, "controller-manager")
	startMetricsManager(ctx, t, managerCfg, addr)

	tests := map[string]struct {
		token      string
		wantStatus int
	}{
		"no token": {wantStatus: http.StatusUnauthorized},
		// The API server's TokenReview rejects it with an error, which
		// controller-runtime's filter answers 500 rather than 401: no
		// metrics either way.
		"not a token of this cluster":    {token: "forged", wantStatus: http.StatusInternalServerError},
		"bound to metrics-reader":        {token: token(ctx, t, cs, "scraper"), wantStatus: http.StatusOK},
		"valid but not allowed /metrics": {token: token(ctx, t, cs, "stranger"), wantStatus: http.StatusForbidden},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			status, body := scrape(ctx, t, addr, tc.token)
			if status != tc.wantStatus {
				t.Fatalf("GET /metrics: status %d, want %d; body: %.300s", status, tc.wantStatus, body)
			}
			if status == http.StatusOK && !strings.Contains(body, raycluster.MetricRedisUnreachableClusters+" 0") {
				t.Fatalf("200 without the operator's metrics; body: %.500s", body)
			}
			if status != http.StatusOK && strings.Contains(body, raycluster.MetricRedisUnreachableClusters) {
				t.Fatalf("status %d but the body carries metrics", status)
			}
		})
	}
}

// newTestRegistry puts the operator's Redis metrics on controller-runtime's
// registry (what the metrics server serves), once per test binary.
func newTestRegistry(t *testing.T) {
	t.Helper()
	if _, err := raycluster.NewRedisMetrics(ctrlmetrics.Registry); err != nil {
		t.Fatalf("registering the Redis metrics: %v", err)
	}
}

// startMetricsManager runs a manager that serves nothing but metrics, with
// the flags' defaults except the address.
func startMetricsManager(ctx context.Context, t *testing.T, cfg *rest.Config, addr string) {
	t.Helper()
	ms := DefaultMetricsServing()
	ms.BindAddress = addr
	if err := ms.Validate(); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: ms.ServerOptions(), HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatalf("creating the manager: %v", err)
	}
	mctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics server on %s never listened: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scrape GETs /metrics over HTTPS; the server's certificate is self-signed,
// so it is not verified (Prometheus is configured alike in config/prometheus).
func scrape(ctx context.Context, t *testing.T, addr, bearer string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed serving certificate
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading /metrics: %v", err)
	}
	return resp.StatusCode, string(body)
}

func readClusterRole(t *testing.T, file string) *rbacv1.ClusterRole {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", file))
	if err != nil {
		t.Fatal(err)
	}
	var r rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(data, &r); err != nil {
		t.Fatalf("decoding %s: %v", file, err)
	}
	return &r
}

func bind(ctx context.Context, t *testing.T, cs kubernetes.Interface, role, sa string) {
	t.Helper()
	mustCreate(t)(cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%s", role, sa)},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: metricsTestNS}},
	}, metav1.CreateOptions{}))
}

func token(ctx context.Context, t *testing.T, cs kubernetes.Interface, sa string) string {
	t.Helper()
	tr, err := cs.CoreV1().ServiceAccounts(metricsTestNS).CreateToken(ctx, sa, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token of %s: %v", sa, err)
	}
	return tr.Status.Token
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	port, err := freeport.Get()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// mustCreate fails the test on a create's error: mustCreate(t)(c.Create(...)).
func mustCreate(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("creating: %v", err)
		}
	}
}
