"""Fetching pages safely: the SSRF guard, robots.txt, Scrapy downloader middlewares,
and one-off fetches for `doctor` and `test-url`."""
