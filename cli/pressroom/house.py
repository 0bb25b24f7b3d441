"""Where the built-in house style is: the templates, assets and label catalogues shipped with pressroom.

Its own module so that the config reader (which looks for issuers' logos in
the house style after the newsroom's templates/) and the renderers find it the
same way without the loader importing the renderers.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
if not DEFAULT_TEMPLATES.is_dir():  # running from a source checkout: the top-level folder
    DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
