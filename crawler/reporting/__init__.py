"""What a crawl tells people: failures, drops and outcomes, bounded and redacted log lines."""
