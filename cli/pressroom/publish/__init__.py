"""Stage five: put the public site online, on time.

`pressroom publish` builds the newsroom for an instant (`snapshot.py`), then
deploys build/site/ to a target named in pressroom.toml (`targets.py`): a
folder swapped in one rename (`directory.py`) or S3-compatible storage
(`s3.py`). `schedule.py` tells when the public site next changes, and
`watch.py` sleeps until then and publishes.
"""

from __future__ import annotations

from pressroom.publish.run import PublishReport, choose_target, open_named, publish
from pressroom.publish.schedule import Change, next_change

__all__ = ["Change", "PublishReport", "choose_target", "next_change", "open_named", "publish"]
