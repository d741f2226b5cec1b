"""Everything that talks to the search engine: the client adapter, bulk writes,
the spool, index setup and templates, search, and the installation check."""
