"""Report building blocks: page elements, sections, charts and the synthesis."""
