"""CPU and peak memory of a process together with every process it starts.

A crawl with a worker pool is several processes: the crawl, the forkserver and
the workers it forks (grandchildren of whoever started the crawl, so neither
os.wait4 nor RUSAGE_CHILDREN sees them). `TreeSampler` polls the tree with
psutil from a thread of the measuring process: each process's last CPU times
are kept until the end (so workers that exited still count), and the peak of
the summed RSS and of the summed PSS (proportional set size: a page shared by
n processes counts 1/n in each, so forked workers' shared imports are not
counted n times) are kept. The crawl's own process is measured exactly by
os.wait4; the sampler adds its descendants.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import psutil

# 0.1 s: a worker lives for the whole crawl (tens of seconds), so what a sample
# misses at the end is at most 0.1 s of one worker's CPU; polling faster would
# spend the cores the two crawls are measured on.
SAMPLE_SECONDS = 0.1


@dataclass
class TreeUsage:
    descendants_cpu_seconds: float = 0.0
    peak_rss_bytes: int = 0
    peak_pss_bytes: int = 0
    processes_seen: int = 0


@dataclass
class TreeSampler:
    root_pid: int
    usage: TreeUsage = field(default_factory=TreeUsage)
    _cpu_by_pid: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> TreeUsage:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.usage.descendants_cpu_seconds = sum(self._cpu_by_pid.values())
        self.usage.processes_seen = len(self._cpu_by_pid) + 1
        return self.usage

    def _run(self) -> None:
        try:
            root = psutil.Process(self.root_pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample(root)

    def _sample(self, root: psutil.Process) -> None:
        rss = pss = 0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for process in tree:
            try:
                memory = process.memory_full_info()
                if process.pid != root.pid:
                    times = process.cpu_times()
                    self._cpu_by_pid[process.pid] = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            rss += memory.rss
            pss += getattr(memory, "pss", memory.rss)
        self.usage.peak_rss_bytes = max(self.usage.peak_rss_bytes, rss)
        self.usage.peak_pss_bytes = max(self.usage.peak_pss_bytes, pss)
