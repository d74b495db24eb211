"""Deciding and running: job keys, reasons, the planner, the dataflow scheduler, pools, retries.

The engine never imports providers, storage or network libraries; it is handed interfaces
(``ResultLookup``, ``JobExecutor``, ``RunRecorder``) by the project wiring.
"""
