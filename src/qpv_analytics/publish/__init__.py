"""Publication: notebooks executed by Papermill, HTML exports, index, manifest, atomic swap."""

import sys

# nbformat validates notebooks with jsonschema, which imports the optional ``rfc3987_syntax``
# when it is installed (JupyterLab's dependencies bring it): building its grammar costs about
# three seconds of CPU in every process that imports Papermill or nbconvert. No notebook schema
# checks an IRI, so the processes of the publication go without it (jsonschema falls back).
sys.modules.setdefault("rfc3987_syntax", None)
