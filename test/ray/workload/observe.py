"""What works while the GCS is down: the observer side of
TestBehaviourWhileGCSDown, run as a driver on the worker node so that it
survives the loss of the head.

Protocol (one line each way, results as "RESULT <json>" on stdout):
  setup    -> RESULT {"phase": "setup", ...}   then it waits for a line
  "down"   <- the head has been killed: start every operation at once
  (after --window seconds)
           -> RESULT {"phase": "down", "ops": [...]}   state at that moment
  "up"     <- the new head is Ready: start the same operations afresh
           -> RESULT {"phase": "final", "ops": [...], "after": [...]}

Every operation retries until it succeeds or --op-timeout passes, and
records its first error, so one record says both what happened while the
GCS was down and when it worked again.
"""

import threading
import time
import urllib.request

import ray
from ray.util.placement_group import placement_group
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy


class Op:
    def __init__(self, name, fn, deadline):
        self.name, self.fn, self.deadline = name, fn, deadline
        self.start = self.end = self.first_error_at = None
        self.ok, self.first_error, self.value = None, "", ""
        self.attempts = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def launch(self):
        self.start = time.time()
        self.thread.start()
        return self

    def _run(self):
        while True:
            self.attempts += 1
            try:
                self.value = str(self.fn())[:60]
                self.ok, self.end = True, time.time()
                return
            except Exception as e:  # every failure is a finding here
                if self.first_error_at is None:
                    self.first_error_at = time.time()
                    msg = (str(e).strip().splitlines() or [""])[0]
                    self.first_error = f"{type(e).__name__}: {msg[:100]}"
                if time.time() > self.start + self.deadline:
                    self.ok, self.end = False, time.time()
                    return
                time.sleep(0.5)

    def report(self):
        return {"name": self.name, "start": self.start, "end": self.end,
                "ok": self.ok, "value": self.value, "attempts": self.attempts,
                "first_error": self.first_error,
                "first_error_at": self.first_error_at}


def http_get(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return f"HTTP {r.status}"


def run(args, connect, result, Counter, where, sleeper, on_worker):
    import os
    import sys

    dashboard = os.environ["OBSERVE_DASHBOARD_URL"]
    window = float(os.environ.get("OBSERVE_WINDOW_S", "12"))
    op_timeout = float(os.environ.get("OBSERVE_OP_TIMEOUT_S", "150"))
    connect(args.node_ip)

    actor = Counter.options(name="observed").remote()
    ray.get(actor.incr.remote(), timeout=60)
    pg = placement_group([dict(on_worker)], strategy="PACK")
    ray.get(pg.ready(), timeout=60)
    obj = ray.put(b"x" * 1024)
    long_task = sleeper.remote(8.0)  # running when the head dies
    time.sleep(1.5)
    result(phase="setup", long_task_submitted=time.time())

    if sys.stdin.readline().strip() != "down":
        return

    def in_pg():
        return where.options(scheduling_strategy=PlacementGroupSchedulingStrategy(
            placement_group=pg)).remote()

    def new_pg():
        p = placement_group([dict(on_worker)], strategy="PACK")
        ray.get(p.ready(), timeout=op_timeout)
        return "ready"

    def new_actor():
        a = Counter.remote()
        return ray.get(a.incr.remote(), timeout=op_timeout)

    def state_api():
        from ray.util.state import list_actors
        return len(list_actors(address=dashboard, timeout=5, raise_on_missing_output=False))

    def ops():
        t = op_timeout
        return [
            Op("actor: call to an existing actor", lambda: ray.get(actor.incr.remote(), timeout=t), t),
            Op("actor: create a new actor and call it", new_actor, t),
            Op("task: running before the failure", lambda: ray.get(long_task, timeout=t), t),
            Op("task: submit a new task", lambda: ray.get(where.remote(), timeout=t), t),
            Op("object: get an object put before the failure", lambda: len(ray.get(obj, timeout=t)), t),
            Op("placement group: task in an existing group", lambda: ray.get(in_pg(), timeout=t), t),
            Op("placement group: create a new group", new_pg, t),
            Op("named actor lookup (ray.get_actor)", lambda: ray.get_actor("observed") and "found", t),
            Op("dashboard: GET /api/version", lambda: http_get(dashboard + "/api/version", 3), t),
            Op("State API: list_actors", state_api, t),
        ]

    during = [op.launch() for op in ops()]
    time.sleep(window)
    result(phase="down", at=time.time(), ops=[op.report() for op in during])

    if sys.stdin.readline().strip() != "up":
        return
    after = [op.launch() for op in ops()]
    for op in during + after:
        op.thread.join(op_timeout + 10)
    result(phase="final", at=time.time(), ops=[op.report() for op in during],
           after=[op.report() for op in after])
