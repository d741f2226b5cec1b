"""What the crawler remembers between runs in `state_dir`: seen pages and stories."""
