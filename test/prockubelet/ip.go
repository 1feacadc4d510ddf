package prockubelet

import (
	"fmt"
	"hash/fnv"
)

// PodIP is the loopback address of the pod namespace/name on every node:
// stable per pod name, so a StatefulSet's replacement pod has its
// predecessor's address, as the head Service's DNS name would keep pointing
// at the head. Linux routes all of 127.0.0.0/8 to loopback, so no setup is
// needed. The range 127.100-199.x.2-251 keeps clear of 127.0.0.x, which other
// tests use, and of addresses ending in 0 or 255.
func PodIP(namespace, name string) string {
	return loopback("pod/"+namespace+"/"+name, 100, 100)
}

// NodeIP is the node's InternalIP (and its pods' hostIP), in
// 127.200-249.x.y.
func NodeIP(node string) string { return loopback("node/"+node, 200, 50) }

func loopback(key string, base, span uint32) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	v := h.Sum32()
	return fmt.Sprintf("127.%d.%d.%d", base+v%span, (v>>8)%256, 2+(v>>16)%250)
}
