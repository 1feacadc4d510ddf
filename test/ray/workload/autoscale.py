"""Ray workload for the autoscaler test in test/ray (autoscaler_test.go).

Run inside the head pod (as kubectl exec would):
  autoscale.py --node-ip IP burst N SECONDS  N tasks of one CPU each, each
      sleeping SECONDS; the cluster has no free CPU, so Ray's autoscaler must
      add workers. Reports when the demand was made, when each new node
      joined and where each task ran.
  autoscale.py --node-ip IP keep             a detached actor holding one CPU
      ("keeper"), so its worker is never idle.
  autoscale.py --node-ip IP pend N           N detached actors of one CPU each
      ("job-0".."job-N-1"), created by the keeper on its worker and not
      waited for: their demand outlives this driver and, with GCS fault
      tolerance, the head (a pending actor whose creator's node dies is
      cleaned up, so the creator is not a driver on the head).
  autoscale.py --node-ip IP finish N         find the N job actors, call each
      once, then kill them (their workers become idle).

Each result is one stdout line "RESULT <json>"; times are Unix seconds.
Node addresses are the pods' IPs (node-ip-address is the pod IP).
"""

import argparse
import json
import os
import sys
import threading
import time

import ray

NAMESPACE = "autoscale-test"


def result(**kw):
    print("RESULT " + json.dumps(kw), flush=True)


def connect(node_ip):
    ray.init(address=os.environ.get("RAY_ADDRESS", "auto"), namespace=NAMESPACE,
             _node_ip_address=node_ip, log_to_driver=False,
             logging_level="warning")


@ray.remote(num_cpus=1)
def busy(seconds):
    start = time.time()
    time.sleep(seconds)
    return {"node": ray.util.get_node_ip_address(), "start": start, "end": time.time()}


@ray.remote(num_cpus=1)
class Holder:
    def node(self):
        return ray.util.get_node_ip_address()

    def spawn(self, n):
        """Creates the job actors from here, a worker: a pending actor is
        cleaned up when its creator's node dies, and a driver's node is
        the head."""
        for i in range(n):
            Holder.options(name="job-%d" % i, lifetime="detached",
                           namespace=NAMESPACE).remote()
        return time.time()


def alive():
    return {n["NodeManagerAddress"] for n in ray.nodes() if n["Alive"]}


def watch_joins(before, joins, stop):
    """Records when each node not in `before` was first seen alive."""
    while not stop.is_set():
        for ip in alive() - before:
            joins.setdefault(ip, time.time())
        time.sleep(0.1)


def burst(args):
    connect(args.node_ip)
    before = alive()
    joins, stop = {}, threading.Event()
    watcher = threading.Thread(target=watch_joins, args=(before, joins, stop), daemon=True)
    watcher.start()
    demanded = time.time()
    refs = [busy.remote(args.seconds) for _ in range(args.n)]
    tasks = ray.get(refs, timeout=args.timeout)
    stop.set()
    watcher.join()
    result(cmd="burst", demanded=demanded, joins=joins, tasks=tasks, done=time.time())


def keep(args):
    connect(args.node_ip)
    h = Holder.options(name="keeper", lifetime="detached").remote()
    result(cmd="keep", node=ray.get(h.node.remote(), timeout=args.timeout))


def pend(args):
    connect(args.node_ip)
    keeper = ray.get_actor("keeper")
    demanded = ray.get(keeper.spawn.remote(args.n), timeout=args.timeout)
    result(cmd="pend", demanded=demanded)


def finish(args):
    connect(args.node_ip)
    nodes = []
    for i in range(args.n):
        h = get_actor("job-%d" % i, args.timeout)
        nodes.append(ray.get(h.node.remote(), timeout=args.timeout))
    done = time.time()
    for i in range(args.n):
        ray.kill(ray.get_actor("job-%d" % i))
    keeper = ray.get(ray.get_actor("keeper").node.remote(), timeout=args.timeout)
    result(cmd="finish", nodes=nodes, keeper=keeper, done=done)


def get_actor(name, timeout):
    """The named actor, waiting while the GCS that knows it comes back."""
    deadline = time.time() + timeout
    while True:
        try:
            return ray.get_actor(name)
        except ValueError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--node-ip", required=True)
    p.add_argument("--timeout", type=float, default=240)
    p.add_argument("cmd", choices=["burst", "keep", "pend", "finish"])
    p.add_argument("n", type=int, nargs="?", default=1)
    p.add_argument("seconds", type=float, nargs="?", default=0)
    args = p.parse_args()
    {"burst": burst, "keep": keep, "pend": pend, "finish": finish}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
