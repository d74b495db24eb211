"""Builds across machines on DBOS Transact and PostgreSQL (``pip install moviebuild[cloud]``).

Layout: ``settings`` (database URL, application version, timings), ``runtime`` (the one home of
DBOS's process-wide state and of its one private call), ``queues`` (one DBOS queue per provider
pool), ``job`` (one provider call as a plain-JSON ticket), ``dispatch`` (the executor a build hands
its provider calls to), ``workflows`` (the build and job workflows), ``heartbeat`` (the workers
table), ``worker`` (a ``moviebuild worker`` process) and ``backend`` (submitting builds).
Planning, keys, the store, the journal and revisions are project/'s, unchanged.
"""
