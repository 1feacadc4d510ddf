"""The user a pod's Ray processes run as, and what it may write.

Reports, for the driver (exec'ed in the head pod) and for a task on the
worker: UID, GID, supplementary groups, HOME and whether that user can
create a file in it, the working directory, the open-file limit (the
container cannot raise it: no CAP_SYS_RESOURCE), and the session dir Ray
uses.
"""

import os
import resource
import tempfile

import ray


def who():
    home = os.environ.get("HOME", "")
    try:
        fd, path = tempfile.mkstemp(dir=home)
        os.close(fd)
        os.remove(path)
        home_writable = True
    except OSError:
        home_writable = False
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": sorted(os.getgroups()),
            "home": home, "home_writable": home_writable, "cwd": os.getcwd(),
            "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)}


def run(args, connect, result, on_worker):
    connect(args.node_ip)
    task = ray.remote(num_cpus=0, resources=on_worker)(who)
    result(cmd="whoami", driver=who(), task=ray.get(task.remote(), timeout=args.timeout),
           session_dir=ray._private.worker._global_node.get_session_dir_path())
