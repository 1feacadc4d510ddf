package bundle

import (
	"context"
	"fmt"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// monitoringKinds are the Prometheus Operator kinds the bundle carries.
var monitoringKinds = []struct{ kind, plural string }{
	{"ServiceMonitor", "servicemonitors"},
	{"PrometheusRule", "prometheusrules"},
}

// InstallMonitoringCRDs serves monitoring.coreos.com/v1 ServiceMonitor and
// PrometheusRule, as a cluster with the Prometheus Operator (any OpenShift)
// does. These are stand-ins that accept any spec: they make the API kinds
// exist for the install, they do not check the objects as the real CRDs'
// schemas would (TestAlertsUseOperatorMetrics reads the rules).
func InstallMonitoringCRDs(ctx context.Context, admin client.Client) error {
	preserve := true
	for _, k := range monitoringKinds {
		crd := &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: k.plural + ".monitoring.coreos.com"},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: "monitoring.coreos.com",
				Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: k.kind, ListKind: k.kind + "List", Plural: k.plural},
				Scope: apiextensionsv1.NamespaceScoped,
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
					Name: "v1", Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object", XPreserveUnknownFields: &preserve,
					}},
				}},
			},
		}
		if err := admin.Create(ctx, crd); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating CRD %s: %w", crd.Name, err)
		}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			return crdEstablished(ctx, admin, crd.Name)
		})
		if err != nil {
			return fmt.Errorf("waiting for CRD %s: %w", crd.Name, err)
		}
	}
	return nil
}
