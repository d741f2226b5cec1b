#!/bin/sh
# Secrets from files (Docker secrets, or the key the setup container wrote):
# NEWSWATCH_SEARCH_API_KEY_FILE -> NEWSWATCH_SEARCH_API_KEY, and the same for
# the password, so no secret has to sit in the Compose file or `docker inspect`.
set -eu
for name in NEWSWATCH_SEARCH_API_KEY NEWSWATCH_SEARCH_PASSWORD NEWSWATCH_KIBANA_PASSWORD; do
    eval "file=\${${name}_FILE:-}"
    if [ -n "$file" ]; then
        if [ ! -r "$file" ]; then
            echo "newswatch-entrypoint: ${name}_FILE=$file is not readable" >&2
            exit 2
        fi
        eval "export $name=\"\$(cat \"\$file\")\""
    fi
done
exec "$@"
