"""Publication: kernel, Papermill execution, HTML export, atomic swap, manifest."""
