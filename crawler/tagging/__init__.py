"""Relevance tagging: topics, relevance score and smart-city diplomacy facts.

The pipeline step after extraction: `Tagger.from_config(config).tag(article)`
returns the Article with topics, topic_hits, relevance, entities, actors,
counterparts, officials, event_types and projects filled; `explain(article)`
says which rule fired on which text. Data: crawler/data/topics.yaml and
crawler/data/gazetteer.yaml, extended by the config.
"""

from __future__ import annotations

from crawler.tagging.lexicon import Entry, Lexicon, LexiconError, load_lexicon
from crawler.tagging.tagger import Tagger, Tags

__all__ = ["Entry", "Lexicon", "LexiconError", "Tagger", "Tags", "load_lexicon"]
