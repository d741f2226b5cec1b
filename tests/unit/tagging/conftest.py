"""Fixtures for the tagging tests: one Tagger per session (compiling takes ~50 ms)."""

from __future__ import annotations

import pytest

from crawler.config import Config
from crawler.models import Article
from crawler.tagging import Tagger
from tests.unit.tagging.articles import seed_article


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    return Tagger.from_config(Config())


@pytest.fixture(scope="session")
def tagged_seed(tagger: Tagger) -> Article:
    return tagger.tag(seed_article())
