package simcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// AdminUser is the user name of the admin credential in Kubeconfig and
// RESTConfig; it is in the system:masters group.
const AdminUser = "simcluster-admin"

// credentials are the static tokens of the admin and of each component.
// Every component is in system:masters: the cluster is a test fixture, and
// per-component RBAC would only add start-up time. A component-specific user
// name still tells them apart in audit and logs.
type credentials struct {
	tokenFile string
	tokens    map[string]string // user name -> token
}

// component users, each with its own kubeconfig.
const (
	userControllerManager = "system:kube-controller-manager"
	userScheduler         = "system:kube-scheduler"
	userKwok              = "system:simcluster-kwok"
)

func newCredentials(dir string) (*credentials, error) {
	c := &credentials{tokenFile: filepath.Join(dir, "tokens.csv"), tokens: map[string]string{}}
	var lines []string
	for _, user := range []string{AdminUser, userControllerManager, userScheduler, userKwok} {
		tok, err := randomToken()
		if err != nil {
			return nil, err
		}
		c.tokens[user] = tok
		// token,user,uid,"group1,group2"
		lines = append(lines, fmt.Sprintf("%s,%s,%s,\"system:masters\"", tok, user, user))
	}
	if err := os.WriteFile(c.tokenFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing token file: %w", err)
	}
	return c, nil
}

// restConfig is a client configuration for one user.
func restConfig(server string, caPEM []byte, token string) *rest.Config {
	return &rest.Config{
		Host:            server,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: caPEM},
		// The simulation drives hundreds of objects; client-go's default of
		// 5 QPS would make tests wait on the client, not on the cluster.
		QPS:   200,
		Burst: 400,
	}
}

// writeKubeconfig writes a kubeconfig file for one user.
func writeKubeconfig(path, server string, caPEM []byte, user, token string) error {
	const name = "simcluster"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = name
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("writing kubeconfig %s: %w", filepath.Base(path), err)
	}
	return nil
}
