package prockubelet

import (
	"fmt"
	"hash/fnv"

	"k8s.io/apimachinery/pkg/types"
)

// PodIP is the loopback address of the pod with that UID: every pod
// instance gets its own, so a StatefulSet's replacement pod of the same name
// gets a new address, as a real pod network gives it, and whoever reaches
// it by name must resolve the name again (see ClusterDNS). Linux routes all
// of 127.0.0.0/8 to loopback, so no setup is needed. The range
// 127.100-199.x.2-251 keeps clear of 127.0.0.x, which other tests use, and
// of addresses ending in 0 or 255. Two UIDs may hash to one address (one in
// about 6.4 million pairs); the kubelet's log names each pod's address.
func PodIP(uid types.UID) string {
	return loopback("pod/"+string(uid), 100, 100)
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
