"""Ray workload for the real-Ray tests in test/ray.

Run inside a "pod" (with a rendered container's env, like kubectl exec):
  driver.py --node-ip IP create    create the detached actor, count to 3
  driver.py --node-ip IP resume    find the actor, count once more, run a task
  driver.py --node-ip IP nodes     the Ray nodes alive now
  driver.py --node-ip IP observe   the GCS-down observer, driven over stdin
  driver.py --node-ip IP resources what each node advertises, where its
                                   object store lives (resources.py)
  driver.py --node-ip IP whoami    the user the driver and a task on the
                                   worker run as, and whether they can
                                   write HOME (whoami.py)

Each result is one stdout line "RESULT <json>"; times are Unix seconds, so
the Go side can put them on its own clock. Ray's own output goes to stderr.
"""

import argparse
import json
import os
import sys
import time

import ray

NAMESPACE = "gcs-ft-test"
ACTOR = "counter"
# Every actor and task of this workload asks for a little of the custom
# resource only the worker node has, so it runs on the worker and survives
# the loss of the head.
ON_WORKER = {"worker_node": 0.001}


def result(**kw):
    print("RESULT " + json.dumps(kw), flush=True)


@ray.remote(num_cpus=0, resources=ON_WORKER)
class Counter:
    def __init__(self):
        self.value = 0

    def incr(self):
        self.value += 1
        return self.value

    def node(self):
        return ray.get_runtime_context().get_node_id()


@ray.remote(num_cpus=0, resources=ON_WORKER)
def where():
    return ray.get_runtime_context().get_node_id()


# A separate function for the long task, so that a new `where` task cannot
# simply queue behind it on the same leased worker process.
@ray.remote(num_cpus=0, resources=ON_WORKER)
def sleeper(seconds):
    time.sleep(seconds)
    return ray.get_runtime_context().get_node_id()


def connect(node_ip):
    t0 = time.time()
    # RAY_ADDRESS comes from the pod's env, as a driver started with
    # `kubectl exec` would see it.
    ray.init(address=os.environ.get("RAY_ADDRESS", "auto"), namespace=NAMESPACE,
             _node_ip_address=node_ip, log_to_driver=False,
             logging_level="warning")
    return t0, time.time()


def create(args):
    t0, t1 = connect(args.node_ip)
    actor = Counter.options(name=ACTOR, lifetime="detached").remote()
    values = [ray.get(actor.incr.remote(), timeout=60) for _ in range(3)]
    result(cmd="create", start=t0, connected=t1, values=values,
           actor_node=ray.get(actor.node.remote(), timeout=60),
           nodes=alive_nodes(), end=time.time())


def resume(args):
    t0, t1 = connect(args.node_ip)
    actor = ray.get_actor(ACTOR)
    t2 = time.time()
    value = ray.get(actor.incr.remote(), timeout=args.timeout)
    t3 = time.time()
    task_node = ray.get(where.remote(), timeout=args.timeout)
    t4 = time.time()
    result(cmd="resume", start=t0, connected=t1, got_actor=t2, value=value,
           actor_call_returned=t3, task_node=task_node, task_returned=t4,
           actor_node=ray.get(actor.node.remote(), timeout=args.timeout),
           nodes=alive_nodes(), end=time.time())


def nodes(args):
    t0, t1 = connect(args.node_ip)
    result(cmd="nodes", start=t0, connected=t1, nodes=alive_nodes(), end=time.time())


def alive_nodes():
    return sorted(n["NodeManagerAddress"] + "/" + n["NodeID"]
                  for n in ray.nodes() if n["Alive"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--node-ip", required=True)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("cmd", choices=["create", "resume", "nodes", "observe", "resources", "whoami"])
    args = p.parse_args()
    if args.cmd == "observe":
        import observe
        observe.run(args, connect, result, Counter, where, sleeper, ON_WORKER)
        return
    if args.cmd == "resources":
        import resources
        resources.run(args, connect, result, ON_WORKER)
        return
    if args.cmd == "whoami":
        import whoami
        whoami.run(args, connect, result, ON_WORKER)
        return
    {"create": create, "resume": resume, "nodes": nodes}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
