package ray

// MarkerVar is the environment variable that marks a pod's processes (see
// markerVar), for other runners of pod processes (test/prockubelet) whose
// extra processes KillMarked must find too.
const MarkerVar = markerVar
