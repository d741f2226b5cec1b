"""`newswatch run`: the long-running scheduler service.

One APScheduler job per source (persistent job store), each run a child
process (`python -m scheduler.service.child`), every run recorded locally
first (`runs.py`) and shipped to the runs index when the engine is reachable.
Modules: `settings` (derived values, state layout), `timetable` (jobs and
triggers), `isolation` + `child` (one crawl per process), `runs` (history),
`health` (stale/failing flags), `metrics`, `control` (lock, reload), `status`,
`service` (the lifecycle tying them together).
"""
