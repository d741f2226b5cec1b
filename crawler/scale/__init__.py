"""Many machines: a shared crawl frontier, crawl workers and shared state on Redis.

Off by default; `scale.redis_url_env` in the config names the environment
variable holding the Redis URL (it may carry a password). See docs/scale.md.
"""
