"""The morning briefing (issue 14): the period's stories by section, as HTML, PDF, XLSX
and Markdown, archived and sent through the alert notifiers.

Stages, one module each: `period` (which time span), `collect` (the engine's articles
grouped into stories and sections), `summary` (counts, new counterparts, diplomacy
events, chart data), `charts`, the renderers `render_html`, `render_pdf`,
`render_xlsx`, `render_md`, then `archive` and `send`; `make` ties them together.
"""
