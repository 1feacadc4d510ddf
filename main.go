// Command ray-ha-operator runs the RayCluster operator. The manager wiring
// lands with the operator core; this placeholder keeps the module buildable.
package main

import "fmt"

func main() {
	fmt.Println("ray-ha-operator: the manager is not wired yet")
}
