"""What each Ray node advertises and where its object store lives: the Ray
side of TestRayStartsFromContainerResources.

One RESULT line:
  nodes    every node as Ray's GCS lists it: IP, alive, its resources
  cluster  ray.cluster_resources()
  store    from a task on the worker node: which object store files that
           Ray worker process maps after putting an object in the store
"""

import sys

import ray
from ray import cloudpickle

# Ray ships functions from an importable module by reference; this module
# is not on the worker's path, so its task goes by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def run(args, connect, result, on_worker):
    connect(args.node_ip)
    nodes = [{"ip": n["NodeManagerAddress"], "alive": n["Alive"],
              "resources": n["Resources"]} for n in ray.nodes()]
    task = ray.remote(num_cpus=0, resources=on_worker)(store_files)
    store = ray.get(task.remote(), timeout=args.timeout)
    result(cmd="resources", nodes=nodes, cluster=ray.cluster_resources(), store=store)


def store_files():
    """Runs on the worker node: puts an object in the node's store and lists
    the store files this process then maps.

    The plasma store creates its memory as a file named plasmaXXXXXX in its
    plasma directory, unlinks it and passes the descriptor to Ray's worker
    processes, which map it; /proc/self/maps keeps the path, so the mapping
    says where the memory really is, whatever Ray logged.
    """
    # Above Ray's 100 KiB inline limit, so the object goes to the node's
    # store instead of travelling inside the task's reply.
    size = len(ray.get(ray.put(b"x" * (1 << 20))))
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) < 6:
                continue
            path = fields[5].strip().removesuffix(" (deleted)")
            if path.rsplit("/", 1)[-1].startswith("plasma"):
                paths.add(path)
    return {"node_ip": ray.util.get_node_ip_address(), "object_bytes": size,
            "mappings": sorted(paths)}
