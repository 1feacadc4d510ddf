/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import corev1 "k8s.io/api/core/v1"

// envValue returns a container env variable's literal value.
func envValue(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
